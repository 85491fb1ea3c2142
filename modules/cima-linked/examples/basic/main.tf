# Wire every active account of the organization (except the central one and a sandbox) into the
# central CIMA pipeline with one resource block. Run with the management account's credentials: the
# cima provider assumes OrganizationAccountAccessRole into each member itself.
terraform {
  required_version = ">= 1.6"

  required_providers {
    cima = {
      source  = "cimahq/cima"
      version = "~> 0.1"
    }
  }
}

provider "cima" {
  region          = "us-east-1"
  max_concurrency = 16
}

module "cima_linked" {
  source = "../.."

  central_account_id  = "777777777777"
  central_bus_arn     = "arn:aws:events:us-east-1:777777777777:event-bus/cima-cases"
  enricher_role_arn   = "arn:aws:iam::777777777777:role/cima-case-enricher"
  exclude_account_ids = ["888888888888"] # a sandbox left alone
  backfill_days       = 90

  enable_query_role      = true
  query_role_trusted_arn = "arn:aws:iam::777777777777:role/cima-chat-query"
}

output "wired_accounts" {
  description = "Each account's wiring status."
  value       = module.cima_linked.wired_accounts
}

output "unhealthy_accounts" {
  description = "Accounts whose wiring is missing or drifted."
  value       = module.cima_linked.unhealthy_accounts
}
