# Run in each environment's account; here the dev account.
provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      Project     = "cima"
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}

module "github_oidc" {
  source = "../.."

  github_owner      = "cimahq"
  github_repository = "terraform-provider-cima"

  environments = {
    dev = {
      resource_prefix   = "cima-dev"
      state_bucket_name = "cima-dev-tfstate-111111111111"
      state_kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    }
  }
}

output "role_arns" {
  description = "Set each as the AWS_ROLE_ARN variable of the GitHub environment."
  value       = module.github_oidc.role_arns
}
