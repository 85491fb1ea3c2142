terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial: filled by -backend-config=backend-configs/management.hcl once the management account's
  # state bucket exists. The very first apply runs on local state through a temporary
  # local_override.tf (README.md, Phase 1), then migrates here.
  backend "s3" {}
}
