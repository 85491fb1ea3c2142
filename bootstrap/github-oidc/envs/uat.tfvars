# bootstrap/github-oidc for the uat account (AWS_PROFILE=cima-uat).
environment       = "uat"
github_owner      = "cimahq"
github_repository = "terraform-provider-cima"
