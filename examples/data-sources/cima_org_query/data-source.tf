# The active production accounts anywhere below one OU, without the shared-services account.
data "cima_org_query" "production" {
  parent_ids          = ["ou-ab12-34cd56ef"]
  tags                = { env = "prod" }
  exclude_account_ids = ["111122223333"]
}

output "production_account_ids" {
  description = "Ids of the selected accounts, sorted."
  value       = data.cima_org_query.production.account_ids
}

output "production_accounts_by_ou" {
  description = "Account names grouped by OU path, such as /Production/Web."
  value = {
    for account in data.cima_org_query.production.accounts : account.ou_path => account.name...
  }
}
