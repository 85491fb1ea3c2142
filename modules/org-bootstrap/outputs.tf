output "organization_id" {
  description = "The organization id (o-...)."
  value       = aws_organizations_organization.this.id
}

output "organization_arn" {
  description = "The organization ARN."
  value       = aws_organizations_organization.this.arn
}

output "management_account_id" {
  description = "The management (master) account id."
  value       = aws_organizations_organization.this.master_account_id
}

output "root_id" {
  description = "The organization root id (r-...)."
  value       = aws_organizations_organization.this.roots[0].id
}

output "organizational_unit_ids" {
  description = "OU ids by OU name."
  value       = { for name, ou in aws_organizations_organizational_unit.this : name => ou.id }
}

output "account_ids" {
  description = "Member account ids by account key."
  value       = { for key, account in aws_organizations_account.this : key => account.id }
}

output "account_arns" {
  description = "Member account ARNs by account key."
  value       = { for key, account in aws_organizations_account.this : key => account.arn }
}

output "service_control_policy_ids" {
  description = "SCP ids by policy key."
  value       = { for key, p in aws_organizations_policy.scp : key => p.id }
}

output "tag_policy_id" {
  description = "The tag policy id, null when disabled."
  value       = try(aws_organizations_policy.tag[0].id, null)
}
