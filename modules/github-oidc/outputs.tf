output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider (created or given)."
  value       = local.oidc_provider_arn
}

output "role_arns" {
  description = "Deploy (apply) role ARNs by environment: the role-to-assume of each GitHub environment's apply jobs."
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

output "plan_role_arns" {
  description = "Plan role ARNs by environment: the role-to-assume of pull-request plans (the deploy workflow reads them from the repository variable AWS_PLAN_ROLE_ARNS, a JSON object by environment)."
  value       = { for env, r in aws_iam_role.plan : env => r.arn }
}

output "plan_role_names" {
  description = "Plan role names by environment."
  value       = { for env, r in aws_iam_role.plan : env => r.name }
}

output "plan_subject" {
  description = "The only OIDC subject the plan roles trust: the repository's pull_request jobs."
  value       = local.plan_subject
}

output "workload_boundary_arn" {
  description = "The permissions boundary every role the deploy roles create must carry: pass it to the repo root as permissions_boundary_arn."
  value       = aws_iam_policy.workload_boundary.arn
}
