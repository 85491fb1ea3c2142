terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial: the bucket this root creates. First apply per account on local state through a
  # temporary local_override.tf, then `init -migrate-state` (../README.md, Phase 2).
  backend "s3" {}
}
