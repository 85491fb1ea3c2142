variable "function_name" {
  description = "Name of the function; its role and log group (/aws/lambda/<name>) take the same name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1 to 64 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "Path of the deployment package: a zip holding the `bootstrap` executable (`cargo xtask lambdas`)."
  type        = string

  validation {
    condition     = endswith(var.zip_path, ".zip")
    error_message = "zip_path must name a .zip file."
  }
}

variable "architectures" {
  description = "Instruction set of the function: [\"x86_64\"] or [\"arm64\"]."
  type        = list(string)
  default     = ["x86_64"]

  validation {
    condition     = length(var.architectures) == 1 && contains(["x86_64", "arm64"], var.architectures[0])
    error_message = "architectures must be exactly one of [\"x86_64\"] or [\"arm64\"]."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of the function in seconds."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be 1 to 900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function. -1 removes the reservation."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions == -1 || var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or at least 1."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the function's environment and its log group; its policy must let logs.<region>.amazonaws.com use it."
  type        = string

  # Not checked for an ARN's shape: callers pass keys they created or validated themselves.
  validation {
    condition     = length(var.kms_key_arn) > 0
    error_message = "kms_key_arn must not be empty."
  }
}

variable "environment_variables" {
  description = "Environment of the function: the contract its README lists."
  type        = map(string)
  default     = {}
}

variable "dead_letter_target_arn" {
  description = "SQS queue or SNS topic receiving asynchronous invocations that failed every retry. Null: none (a function invoked only synchronously has nothing to dead-letter)."
  type        = string
  default     = null
}

variable "enable_xray_tracing" {
  description = "Active X-Ray tracing (PassThrough when false); the role may then write trace segments."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "role_description" {
  description = "Description of the function's role."
  type        = string
  default     = ""
}

variable "role_policy_name" {
  description = "Name of the role's inline policy."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.role_policy_name))
    error_message = "role_policy_name must be 1 to 128 characters of letters, digits and +=,.@_-."
  }
}

variable "policy_json" {
  description = "IAM policy (JSON) with the function's own permissions; the module adds writing to its log group, and X-Ray when tracing is active. Statement ids must not be Logs or XRay."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "ARN of the managed policy set as the permissions boundary of the function's role (the GitHub deploy roles create roles only with their workload boundary). Null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "tags" {
  description = "Tags on the function, its role and its log group, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
