terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial: the environment account's state bucket (backend-configs/<env>.hcl plus bucket and
  # kms_key_id on the command line, ../README.md step 10).
  backend "s3" {}
}
