output "role_arn" {
  description = "The deploy (apply) role: set it as the AWS_ROLE_ARN variable of the GitHub environment."
  value       = module.github_oidc.role_arns[var.environment]
}

output "subject" {
  description = "The only OIDC subject the role trusts."
  value       = module.github_oidc.subjects[var.environment]
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider."
  value       = module.github_oidc.oidc_provider_arn
}

output "plan_role_arn" {
  description = "The pull-request plan role: its entry in the repository variable AWS_PLAN_ROLE_ARNS (a JSON object by environment)."
  value       = module.github_oidc.plan_role_arns[var.environment]
}

output "workload_boundary_arn" {
  description = "The boundary of every role the deploy creates: environments/<env>.tfvars permissions_boundary_arn."
  value       = module.github_oidc.workload_boundary_arn
}
