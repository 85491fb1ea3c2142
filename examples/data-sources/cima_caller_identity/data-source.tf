# Which account this provider block acts in.
data "cima_caller_identity" "current" {}

output "provider_account" {
  value = data.cima_caller_identity.current.account_id
}
