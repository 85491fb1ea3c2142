output "state_bucket_name" {
  description = "The account's Terraform state bucket."
  value       = module.account.state_bucket_name
}

output "state_kms_key_arn" {
  description = "The state bucket's KMS key ARN (the S3 backend's kms_key_id)."
  value       = module.account.state_kms_key_arn
}

output "lock_table_name" {
  description = "The DynamoDB lock table, null with the S3 lockfile."
  value       = module.account.lock_table_name
}

output "backend_config" {
  description = "S3 backend settings for roots whose state lives in this account."
  value       = module.account.backend_config
}

output "alerts_topic_arn" {
  description = "The account's alerts topic."
  value       = module.account.alerts_topic_arn
}

output "monthly_budget_limit" {
  description = "The monthly budget applied, USD."
  value       = module.account.monthly_budget_limit
}

output "ecr_repository_urls" {
  description = "ECR repository URLs by name."
  value       = module.account.ecr_repository_urls
}
