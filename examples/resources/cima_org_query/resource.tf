# Keep the organization's account inventory in S3 for the dashboard's account-name join.
# Every plan re-runs the query: a changed organization shows as an in-place update.
resource "cima_org_query" "accountsinfo" {
  statuses = ["ACTIVE", "SUSPENDED"]

  destination {
    bucket = "cima-data-123456789012"
    key    = "accountsinfo/accounts.csv"
    format = "csv"
    # The `tag` column: each account's BusinessUnit tag (empty where it has none).
    tag_key = "BusinessUnit"
  }
}

output "inventory_accounts" {
  value = cima_org_query.accountsinfo.account_count
}
