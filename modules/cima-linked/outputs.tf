output "organization_id" {
  description = "The organization the accounts belong to."
  value       = data.cima_org_query.this.organization_id
}

output "account_ids" {
  description = "Ids of the wired accounts, sorted."
  value       = sort(keys(cima_linked_account.this))
}

output "wired_accounts" {
  description = "Per account id: its wiring status (`wired` or `drifted: ...`) and the ARNs of the roles created."
  value = {
    for id, link in cima_linked_account.this : id => {
      status               = link.status
      case_reader_role_arn = link.case_reader_role_arn
      forwarding_rule_arn  = link.forwarding_rule_arn
      query_role_arn       = link.query_role_arn
    }
  }
}

output "unhealthy_accounts" {
  description = "Accounts whose wiring is not `wired` (missing or drifted parts; the next apply repairs them)."
  value       = sort([for id, link in cima_linked_account.this : id if link.status != "wired"])
}
