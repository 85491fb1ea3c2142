# The CIMA central account: event bus, enricher, Firehose -> S3, Glue/Athena, inventory and alarms.
# Build the Lambda first (`cargo xtask lambdas`), then run this with the central account's
# credentials; the cima provider's credentials must also read the organization (management account
# or delegated administrator) for the account inventory.
terraform {
  required_version = ">= 1.6"

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

provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      Project   = "cima"
      ManagedBy = "terraform"
    }
  }
}

provider "cima" {
  region = "us-east-1"
}

module "cima_central" {
  source = "../.."

  organization_ids  = ["o-a1b2c3d4e5"]
  enricher_zip_path = "${path.root}/../../../../target/lambda/case-enricher/bootstrap.zip"
  alarm_emails      = ["cloud-ops@example.com"]

  enable_case_alerts = true
}

output "bus_arn" {
  description = "Central bus: the linked accounts forward their case events here."
  value       = module.cima_central.bus_arn
}

output "enricher_role_arn" {
  description = "The principal every linked account's case-reader role trusts."
  value       = module.cima_central.enricher_role_arn
}

output "athena_workgroup" {
  description = "Run the case queries in this workgroup."
  value       = module.cima_central.athena_workgroup_name
}
