# The deployable root: one environment's CIMA central pipeline, organization-wide linking and chat
# API. The backend is partial; each environment's settings come from backend-configs/<env>.hcl:
#
#   terraform init -backend-config=backend-configs/<env>.hcl
#   terraform apply -var-file=environments/<env>.tfvars
terraform {
  # 1.7: `terraform init` here also reads tests/, whose mock_provider blocks came in 1.7. The
  # configuration itself, and every module used as a child, validate from 1.6.6 (estate tests).
  required_version = ">= 1.7"

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
