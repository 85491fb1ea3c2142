# The deployable root: one environment's CIMA central pipeline, organization-wide linking and chat
# API. The backend is partial; each environment's settings come from backend-configs/<env>.hcl:
#
#   terraform init -backend-config=backend-configs/<env>.hcl
#   terraform apply -var-file=environments/<env>.tfvars
terraform {
  required_version = ">= 1.5"

  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    cima = {
      source  = "cimahq/cima"
      version = "~> 0.1"
    }
  }
}
