# Run with credentials of the account being bootstrapped.
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

module "account" {
  source = "../.."

  name_prefix         = "cima-dev"
  environment         = "dev"
  alert_emails        = ["ops@example.com"]
  budget_alert_emails = ["finance@example.com"]
  ecr_repositories    = ["cima/case-enricher", "cima/chat-query"]
}

output "backend_config" {
  description = "S3 backend settings for this account."
  value       = module.account.backend_config
}
