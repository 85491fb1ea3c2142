################################################################################
# General
################################################################################

variable "region" {
  description = "Region of the account's state bucket, trail home and budget alerts."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "project" {
  description = "Project name: resource name prefix (<project>-<environment>) and the Project tag."
  type        = string
  default     = "cima"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "environment" {
  description = "The account being bootstrapped: dev, staging, uat, prod, shared, security or management."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "uat", "prod", "shared", "security", "management"], var.environment)
    error_message = "environment must be one of dev, staging, uat, prod, shared, security, management."
  }
}

variable "tags" {
  description = "Extra default tags for every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# Baseline
################################################################################

variable "lock_mode" {
  description = "State locking: s3_lockfile or dynamodb."
  type        = string
  default     = "s3_lockfile"

  validation {
    condition     = contains(["s3_lockfile", "dynamodb"], var.lock_mode)
    error_message = "lock_mode must be s3_lockfile or dynamodb."
  }
}

variable "alert_emails" {
  description = "Emails subscribed to the account's alerts topic (the seed: ops)."
  type        = list(string)
  default     = []
}

variable "budget_alert_emails" {
  description = "Emails notified by the budget directly (the seed: finance)."
  type        = list(string)
  default     = []
}

variable "budget_limits" {
  description = "Monthly cost budget in USD per environment: the seed's table (Development 200, Staging 400, UAT 300, Production 1,800, Shared Services 100, Security 50; total 2,850). The management account has none unless monthly_budget_limit is set."
  type        = map(number)
  default = {
    dev      = 200
    staging  = 400
    uat      = 300
    prod     = 1800
    shared   = 100
    security = 50
  }
}

variable "monthly_budget_limit" {
  description = "Override of budget_limits[environment] for this account."
  type        = number
  default     = null
}

variable "cloudtrail_retention_days" {
  description = "Days CloudTrail logs are kept (the seed: 7 years for production, 2557)."
  type        = number
  default     = 365
}

variable "ecr_repositories" {
  description = "ECR repositories of this account."
  type        = list(string)
  default     = []
}
