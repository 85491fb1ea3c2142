terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial: the shared-services account's state bucket (backend-configs/shared.hcl plus bucket and
  # kms_key_id on the command line, ../README.md step 7).
  backend "s3" {}
}
