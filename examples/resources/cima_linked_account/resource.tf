# Wire every active member account of the organization into the central CIMA pipeline with one
# resource block: the provider assumes OrganizationAccountAccessRole into each account itself.
data "cima_org_query" "members" {
  include_management_account = false
  exclude_account_ids        = ["222222222222"] # a sandbox we leave alone
}

resource "cima_linked_account" "this" {
  for_each = toset(data.cima_org_query.members.account_ids)

  account_id        = each.value
  central_bus_arn   = "arn:aws:events:us-east-1:111111111111:event-bus/cima-cases"
  enricher_role_arn = "arn:aws:iam::111111111111:role/cima-case-enricher"
  organization_id   = data.cima_org_query.members.organization_id
  backfill_days     = 90

  query_role {
    trusted_role_arn = "arn:aws:iam::111111111111:role/cima-chat-query"
    external_id      = "cima-chat"
  }

  timeouts {
    create = "10m"
    delete = "10m"
  }
}

output "unhealthy_accounts" {
  value = [for id, link in cima_linked_account.this : id if link.status != "wired"]
}
