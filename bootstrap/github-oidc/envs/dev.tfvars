# bootstrap/github-oidc for the dev account (AWS_PROFILE=cima-dev).
environment       = "dev"
github_owner      = "cimahq"
github_repository = "terraform-provider-cima"
