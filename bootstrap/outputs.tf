output "organization_id" {
  description = "The organization id."
  value       = module.org.organization_id
}

output "management_account_id" {
  description = "The management account id."
  value       = module.org.management_account_id
}

output "organizational_unit_ids" {
  description = "OU ids by name."
  value       = module.org.organizational_unit_ids
}

output "account_ids" {
  description = "Member account ids by key (dev, staging, uat, prod, shared, security)."
  value       = module.org.account_ids
}

output "sso_portal_url" {
  description = "The AWS access portal URL, null until enable_sso."
  value       = try(module.sso[0].portal_url, null)
}

output "sso_permission_set_arns" {
  description = "Permission set ARNs by key, empty until enable_sso."
  value       = try(module.sso[0].permission_set_arns, {})
}

output "organization_deploy_role_arn" {
  description = "The management-account role the linking environments chain into: the repo root's organization_role_arn."
  value       = try(aws_iam_role.organization_deploy[0].arn, null)
}
