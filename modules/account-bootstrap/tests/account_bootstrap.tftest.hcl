mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }
}

# The topic ARN feeds the budget's notification set: known at plan so the set can be counted.
override_resource {
  target          = aws_sns_topic.alerts
  override_during = plan
  values = {
    arn = "arn:aws:sns:us-east-1:123456789012:cima-alerts"
  }
}

variables {
  name_prefix  = "cima-dev"
  environment  = "dev"
  alert_emails = ["ops@example.com"]
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "cima-dev-tfstate-123456789012"
    error_message = "The state bucket is named after the prefix and the account id."
  }

  assert {
    condition     = length(aws_dynamodb_table.lock) == 0 && output.backend_config.use_lockfile == true
    error_message = "The default lock mode is the S3 lockfile, without a table."
  }

  assert {
    condition     = aws_budgets_budget.monthly[0].limit_amount == "200.00" && length(aws_budgets_budget.monthly[0].notification) == 4
    error_message = "dev gets the seed's 200 USD budget with 50/80/100% actual and 100% forecast notifications."
  }

  assert {
    condition     = aws_cloudtrail.this[0].is_multi_region_trail && aws_cloudtrail.this[0].enable_log_file_validation
    error_message = "The trail is multi-region with log file validation."
  }

  assert {
    condition     = module.kms.alias_name == "alias/cima-dev" && module.state_kms.alias_name == "alias/cima-dev-tfstate"
    error_message = "One key for the account's resources and one for the state, each with its alias (modules/kms-key makes both rotate)."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.state.block_public_policy && aws_s3_bucket_public_access_block.state.restrict_public_buckets
    error_message = "The state bucket blocks public access."
  }
}

run "invalid_lock_mode_rejected" {
  command = plan

  variables {
    lock_mode = "consul"
  }

  expect_failures = [var.lock_mode]
}

run "invalid_environment_rejected" {
  command = plan

  variables {
    environment = "production"
  }

  expect_failures = [var.environment]
}

run "dynamodb_lock" {
  command = plan

  variables {
    lock_mode = "dynamodb"
  }

  assert {
    condition     = aws_dynamodb_table.lock[0].name == "cima-dev-tfstate-lock" && aws_dynamodb_table.lock[0].point_in_time_recovery[0].enabled
    error_message = "The lock table exists with point-in-time recovery."
  }

  assert {
    condition     = output.backend_config.dynamodb_table == "cima-dev-tfstate-lock"
    error_message = "The backend settings name the lock table."
  }
}

run "prod_budget_and_ecr" {
  command = plan

  variables {
    name_prefix      = "cima-prod"
    environment      = "prod"
    ecr_repositories = ["cima/chat-query"]
  }

  assert {
    condition     = aws_budgets_budget.monthly[0].limit_amount == "1800.00"
    error_message = "prod gets the seed's 1800 USD budget."
  }

  assert {
    condition     = aws_ecr_repository.this["cima/chat-query"].image_tag_mutability == "IMMUTABLE" && aws_ecr_repository.this["cima/chat-query"].image_scanning_configuration[0].scan_on_push
    error_message = "ECR repositories are immutable and scanned on push."
  }
}

run "management_without_budget_or_trail" {
  command = plan

  variables {
    name_prefix       = "cima-mgmt"
    environment       = "management"
    enable_cloudtrail = false
  }

  assert {
    condition     = length(aws_budgets_budget.monthly) == 0 && output.monthly_budget_limit == null
    error_message = "An environment without a seed limit gets no budget."
  }

  assert {
    condition     = length(aws_cloudtrail.this) == 0 && length(aws_s3_bucket.cloudtrail) == 0
    error_message = "No trail nor trail bucket when disabled."
  }
}
