output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider (created or given)."
  value       = local.oidc_provider_arn
}

output "role_arns" {
  description = "Deploy role ARNs by environment: the role-to-assume of each GitHub environment."
  value       = { for env, r in aws_iam_role.this : env => r.arn }
}

output "role_names" {
  description = "Deploy role names by environment."
  value       = { for env, r in aws_iam_role.this : env => r.name }
}

output "subjects" {
  description = "The exact OIDC subject each role trusts, by environment."
  value       = { for env, r in local.roles : env => r.subject }
}
