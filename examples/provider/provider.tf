terraform {
  required_providers {
    cima = {
      source  = "cimahq/cima"
      version = "~> 0.1"
    }
  }
}

# Credentials come from the usual AWS chain (environment, shared config, web identity).
provider "cima" {
  region                  = "us-east-1"
  member_access_role_name = "OrganizationAccountAccessRole"
  max_concurrency         = 32
}
