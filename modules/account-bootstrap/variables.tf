################################################################################
# Naming
################################################################################

variable "name_prefix" {
  description = "Prefix of every resource name (e.g. cima-dev). Bucket names append the account id to stay globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,28}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment this account serves: dev, staging, uat, prod, shared, security or management. Selects the budget limit from var.budget_limits."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "uat", "prod", "shared", "security", "management"], var.environment)
    error_message = "environment must be one of dev, staging, uat, prod, shared, security, management."
  }
}

################################################################################
# Terraform state
################################################################################

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket. Null uses <name_prefix>-tfstate-<account id>."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }
}

variable "state_noncurrent_version_days" {
  description = "Days a superseded state version is kept before it expires."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_version_days >= 1 && floor(var.state_noncurrent_version_days) == var.state_noncurrent_version_days
    error_message = "state_noncurrent_version_days must be a whole number of at least 1."
  }
}

variable "require_state_kms_key" {
  description = "Reject state writes not encrypted with the state key (SSE-KMS): every backend using the bucket must then set kms_key_id to state_kms_key_arn. False also accepts SSE-S3, which the S3 backend asks for when only encrypt = true is set."
  type        = bool
  default     = false
}

variable "lock_mode" {
  description = "How Terraform locks the state: s3_lockfile (the S3 backend's use_lockfile, no extra resource) or dynamodb (a lock table with PITR and SSE-KMS)."
  type        = string
  default     = "s3_lockfile"

  validation {
    condition     = contains(["s3_lockfile", "dynamodb"], var.lock_mode)
    error_message = "lock_mode must be s3_lockfile or dynamodb."
  }
}

variable "lock_table_name" {
  description = "Name of the DynamoDB lock table when lock_mode is dynamodb. Null uses <name_prefix>-tfstate-lock."
  type        = string
  default     = null

  validation {
    condition     = var.lock_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be 3-255 letters, digits, underscores, hyphens or dots."
  }
}

################################################################################
# KMS
################################################################################

variable "kms_deletion_window_in_days" {
  description = "Waiting period before a scheduled KMS key deletion completes."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

################################################################################
# CloudTrail
################################################################################

variable "enable_cloudtrail" {
  description = "Create the account's multi-region trail and its bucket. Turn off only where an organization trail already covers the account."
  type        = bool
  default     = true
}

variable "cloudtrail_retention_days" {
  description = "Days CloudTrail log files are kept (the seed keeps production logs 7 years: 2557)."
  type        = number
  default     = 365

  validation {
    condition     = var.cloudtrail_retention_days >= 90 && floor(var.cloudtrail_retention_days) == var.cloudtrail_retention_days
    error_message = "cloudtrail_retention_days must be a whole number of at least 90."
  }
}

variable "cloudtrail_glacier_transition_days" {
  description = "Days after which CloudTrail log files move to Glacier Flexible Retrieval. Null keeps them in S3 Standard."
  type        = number
  default     = 90

  validation {
    condition     = var.cloudtrail_glacier_transition_days == null || try(var.cloudtrail_glacier_transition_days >= 30, false)
    error_message = "cloudtrail_glacier_transition_days must be null or at least 30."
  }
}

################################################################################
# Alerts and budgets
################################################################################

variable "alert_emails" {
  description = "Email addresses subscribed to the alerts SNS topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "Each alert email must be a valid email address."
  }
}

variable "budget_alert_emails" {
  description = "Email addresses notified directly by the budget (the alerts topic is always notified too)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.budget_alert_emails) <= 10 && alltrue([for e in var.budget_alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "At most 10 budget alert emails, each a valid address."
  }
}

variable "budget_limits" {
  description = "Monthly cost budget in USD per environment. Defaults are the seed's limits (dev 200, staging 400, uat 300, prod 1800, shared 100, security 50); an environment without an entry gets no budget unless monthly_budget_limit is set."
  type        = map(number)
  default = {
    dev      = 200
    staging  = 400
    uat      = 300
    prod     = 1800
    shared   = 100
    security = 50
  }

  validation {
    condition     = alltrue([for v in values(var.budget_limits) : v > 0])
    error_message = "Budget limits must be positive."
  }
}

variable "monthly_budget_limit" {
  description = "Monthly cost budget in USD for this account, overriding var.budget_limits[var.environment]."
  type        = number
  default     = null

  validation {
    condition     = var.monthly_budget_limit == null || try(var.monthly_budget_limit > 0, false)
    error_message = "monthly_budget_limit must be null or positive."
  }
}

variable "budget_thresholds" {
  description = "Percentages of the budget at which ACTUAL spend notifies (the seed: 50, 80, 100)."
  type        = list(number)
  default     = [50, 80, 100]

  validation {
    condition     = length(var.budget_thresholds) > 0 && alltrue([for t in var.budget_thresholds : t > 0 && t <= 1000])
    error_message = "budget_thresholds must be a non-empty list of percentages between 0 and 1000."
  }
}

variable "budget_forecast_alert" {
  description = "Also notify when FORECASTED spend exceeds 100% of the budget."
  type        = bool
  default     = true
}

################################################################################
# ECR
################################################################################

variable "ecr_repositories" {
  description = "ECR repositories to create (scan on push, immutable tags, KMS encryption, lifecycle policy)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.ecr_repositories : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", r)) && length(r) <= 256])
    error_message = "Each ECR repository name must be lowercase letters, digits, and . _ - / separators."
  }
}

variable "ecr_max_tagged_images" {
  description = "Tagged images kept per ECR repository; older ones expire."
  type        = number
  default     = 30

  validation {
    condition     = var.ecr_max_tagged_images >= 1
    error_message = "ecr_max_tagged_images must be at least 1."
  }
}

variable "ecr_untagged_expiry_days" {
  description = "Days after which untagged ECR images expire."
  type        = number
  default     = 7

  validation {
    condition     = var.ecr_untagged_expiry_days >= 1
    error_message = "ecr_untagged_expiry_days must be at least 1."
  }
}

################################################################################
# Tags
################################################################################

variable "tags" {
  description = "Tags for every taggable resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
