# A production account with the DynamoDB lock table and the seed's 7-year audit retention.
provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      Project     = "cima"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}

module "account" {
  source = "../.."

  name_prefix               = "cima-prod"
  environment               = "prod"
  lock_mode                 = "dynamodb"
  cloudtrail_retention_days = 2557
  alert_emails              = ["ops@example.com"]
}

output "lock_table_name" {
  description = "The DynamoDB lock table."
  value       = module.account.lock_table_name
}
