output "state_bucket_name" {
  description = "Name of the Terraform state bucket."
  value       = aws_s3_bucket.state.id
}

output "state_bucket_arn" {
  description = "ARN of the Terraform state bucket."
  value       = aws_s3_bucket.state.arn
}

output "state_kms_key_arn" {
  description = "ARN of the state bucket's KMS key: the S3 backend's kms_key_id (the bucket policy rejects other keys)."
  value       = module.state_kms.key_arn
}

output "lock_table_name" {
  description = "Name of the DynamoDB lock table, null with lock_mode s3_lockfile."
  value       = try(aws_dynamodb_table.lock[0].name, null)
}

output "lock_table_arn" {
  description = "ARN of the DynamoDB lock table, null with lock_mode s3_lockfile."
  value       = try(aws_dynamodb_table.lock[0].arn, null)
}

output "backend_config" {
  description = "Settings for an S3 backend in this account (write them to a backend-configs/*.hcl file, adding key; null entries do not apply)."
  value = {
    bucket         = aws_s3_bucket.state.id
    region         = local.region
    encrypt        = true
    kms_key_id     = module.state_kms.key_arn
    use_lockfile   = var.lock_mode == "s3_lockfile" ? true : null
    dynamodb_table = var.lock_mode == "dynamodb" ? local.lock_table_name : null
  }
}

output "kms_key_arn" {
  description = "ARN of the account's KMS key (CloudTrail, alerts topic, lock table, ECR)."
  value       = module.kms.key_arn
}

output "kms_key_alias" {
  description = "Alias of the account's KMS key."
  value       = module.kms.alias_name
}

output "cloudtrail_arn" {
  description = "ARN of the account trail, null when disabled."
  value       = try(aws_cloudtrail.this[0].arn, null)
}

output "cloudtrail_bucket_name" {
  description = "Name of the CloudTrail log bucket, null when disabled."
  value       = try(aws_s3_bucket.cloudtrail[0].id, null)
}

output "alerts_topic_arn" {
  description = "ARN of the alerts SNS topic."
  value       = aws_sns_topic.alerts.arn
}

output "budget_name" {
  description = "Name of the monthly budget, null when the environment has no limit."
  value       = try(aws_budgets_budget.monthly[0].name, null)
}

output "monthly_budget_limit" {
  description = "The monthly budget in USD applied to this account, null when none."
  value       = local.monthly_budget_limit
}

output "ecr_repository_urls" {
  description = "ECR repository URLs by repository name."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.repository_url }
}
