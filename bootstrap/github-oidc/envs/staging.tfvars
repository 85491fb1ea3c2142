# bootstrap/github-oidc for the staging account (AWS_PROFILE=cima-staging).
environment       = "staging"
github_owner      = "cimahq"
github_repository = "terraform-provider-cima"
