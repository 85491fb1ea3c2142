# The demo root: reads the organization through the cima provider and shows its accounts per OU.
# `cargo xtask demo` runs it against a local AWS (moto) seeded with an organization; against a real
# organization, run it with the management account's credentials.
terraform {
  required_version = ">= 1.6"

  required_providers {
    cima = {
      source  = "cimahq/cima"
      version = "~> 0.1"
    }
  }
}

# Endpoint and credentials come from the environment (AWS_ENDPOINT_URL for a local AWS).
provider "cima" {}

data "cima_org_query" "active" {}

data "cima_org_query" "suspended" {
  statuses = ["SUSPENDED"]
}

# Support cases of every active account, read through each account's case-reader role.
data "cima_cases" "open" {
  role_name = "CimaCaseReaderRole"
}

locals {
  names_by_ou = {
    for account in data.cima_org_query.active.accounts : account.ou_path => "${account.name} (${account.id})"...
  }
}

output "organization_id" {
  description = "The organization's id."
  value       = data.cima_org_query.active.organization_id
}

output "active_accounts" {
  description = "How many ACTIVE accounts the organization has."
  value       = length(data.cima_org_query.active.account_ids)
}

output "accounts_per_ou" {
  description = "Active accounts grouped by OU path."
  value       = { for path, names in local.names_by_ou : path => sort(names) }
}

output "suspended_account_ids" {
  description = "Accounts that are SUSPENDED."
  value       = data.cima_org_query.suspended.account_ids
}

output "open_cases" {
  description = "Open Support cases across the organization: totals by severity and status."
  value = {
    total       = data.cima_cases.open.summary.total
    by_severity = data.cima_cases.open.summary.by_severity
    by_status   = data.cima_cases.open.summary.by_status
  }
}

output "production_down" {
  description = "Open cases of severity urgent (Production system down) or critical, newest last."
  value = [
    for c in data.cima_cases.open.cases : "${c.account_name} #${c.display_id}: ${c.subject} (${c.severity_name})"
    if contains(["urgent", "critical"], c.severity_code)
  ]
}
