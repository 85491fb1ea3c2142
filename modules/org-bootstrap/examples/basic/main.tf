# Run with management-account credentials.
provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      Project   = "cima"
      ManagedBy = "terraform"
    }
  }
}

module "org" {
  source = "../.."

  accounts = {
    dev = {
      name  = "dev"
      email = "aws+dev@example.com"
      ou    = "NonProduction"
    }
    prod = {
      name  = "prod"
      email = "aws+prod@example.com"
      ou    = "Production"
    }
  }

  allowed_regions = ["us-east-1", "eu-west-1"]
}

output "account_ids" {
  description = "Member account ids by key."
  value       = module.org.account_ids
}
