output "instance_arn" {
  description = "ARN of the IAM Identity Center instance."
  value       = local.instance_arn
}

output "identity_store_id" {
  description = "Identity store id."
  value       = local.identity_store_id
}

output "portal_url" {
  description = "The AWS access portal URL (the default one, derived from the identity store id; a customised subdomain replaces it)."
  value       = local.identity_store_id == null ? null : "https://${local.identity_store_id}.awsapps.com/start"
}

output "permission_set_arns" {
  description = "Permission set ARNs by key (admin, devops, developer, finance, auditor)."
  value       = { for k, ps in aws_ssoadmin_permission_set.this : k => ps.arn }
}

output "group_ids" {
  description = "Identity store group ids by display name."
  value       = local.group_ids
}

output "assignment_ids" {
  description = "Account assignment ids by account/group/permission set."
  value       = { for k, a in aws_ssoadmin_account_assignment.this : k => a.id }
}
