output "role_arn" {
  description = "The deploy role: set it as the AWS_ROLE_ARN variable of the GitHub environment."
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
