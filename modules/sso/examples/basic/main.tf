# Run in the management account once IAM Identity Center is enabled there.
provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      Project   = "cima"
      ManagedBy = "terraform"
    }
  }
}

module "sso" {
  source = "../.."

  account_assignments = {
    dev = {
      account_id = "111111111111"
      production = false
      groups = {
        Administrators = ["admin"]
        DevOps         = ["devops"]
        Developers     = ["developer"]
        Auditors       = ["auditor"]
      }
    }
    prod = {
      account_id = "222222222222"
      production = true
      groups = {
        Administrators = ["admin"]
        DevOps         = ["devops"]
        Auditors       = ["auditor"]
        Finance        = ["finance"]
      }
    }
  }
}

output "portal_url" {
  description = "The AWS access portal."
  value       = module.sso.portal_url
}
