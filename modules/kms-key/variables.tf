variable "description" {
  description = "Description of the key: what it encrypts."
  type        = string

  validation {
    condition     = length(var.description) > 0 && length(var.description) <= 8192
    error_message = "description must be 1 to 8192 characters."
  }
}

variable "alias" {
  description = "Alias name without the alias/ prefix (e.g. cima-central)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]+$", var.alias)) && !startswith(var.alias, "alias/") && !startswith(var.alias, "aws/")
    error_message = "alias must be letters, digits, /, _ or -, without the alias/ prefix, and must not start with aws/."
  }
}

variable "deletion_window_in_days" {
  description = "Waiting period before a scheduled deletion of the key completes."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs use the key for the log groups of this account and region."
  type        = bool
  default     = false
}

variable "service_statements" {
  description = "Further key policy statements, each granting actions on the key to AWS service principals, optionally under conditions (e.g. aws:SourceAccount)."
  type = list(object({
    sid      = string
    actions  = list(string)
    services = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.service_statements : can(regex("^[A-Za-z0-9]+$", s.sid)) && length(s.actions) > 0 && length(s.services) > 0])
    error_message = "Each statement needs an alphanumeric sid, at least one action and at least one service principal."
  }

  validation {
    condition     = length(distinct([for s in var.service_statements : s.sid])) == length(var.service_statements) && !anytrue([for s in var.service_statements : contains(["AccountIamPolicies", "CloudWatchLogs"], s.sid)])
    error_message = "Statement sids must be unique and must not be AccountIamPolicies or CloudWatchLogs (the module's own)."
  }
}

variable "tags" {
  description = "Tags on the key, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
