################################################################################
# General
################################################################################

variable "name_prefix" {
  description = "Prefix of every resource name the module creates (API, function, table, user pool)."
  type        = string
  default     = "cima-chat"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of the managed policy set as the permissions boundary of every role this module creates (the GitHub deploy roles create roles only with their workload boundary). Null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the history table, log groups and function environment. Null: the module creates one (with rotation)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's and the API's access log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

################################################################################
# HTTP API
################################################################################

variable "cors_allowed_origins" {
  description = "Exact origins (scheme://host[:port]) the browser front end is served from; also given to the function (CORS_ALLOWED_ORIGINS). \"*\" is refused."
  type        = list(string)

  validation {
    condition     = length(var.cors_allowed_origins) > 0 && alltrue([for o in var.cors_allowed_origins : !strcontains(o, "*") && can(regex("^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$", o))])
    error_message = "cors_allowed_origins must be one or more exact origins such as https://chat.example.com (no \"*\", no path or trailing slash)."
  }
}

variable "extra_jwt_audiences" {
  description = "Further app client ids of the user pool whose tokens the JWT authorizer accepts, besides this module's client (e.g. the console's client_id)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.extra_jwt_audiences : can(regex("^[A-Za-z0-9_-]{1,128}$", a))])
    error_message = "extra_jwt_audiences must be app client ids."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the API's default route settings allow."
  type        = number
  default     = 20

  validation {
    condition     = var.throttling_rate_limit > 0 && var.throttling_rate_limit <= 10000
    error_message = "throttling_rate_limit must be above 0 and at most 10000."
  }
}

variable "throttling_burst_limit" {
  description = "Burst of requests the API's default route settings allow."
  type        = number
  default     = 40

  validation {
    condition     = var.throttling_burst_limit >= 1 && var.throttling_burst_limit <= 5000 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number from 1 to 5000."
  }
}

################################################################################
# chat-query Lambda
################################################################################

variable "lambda_zip_path" {
  description = "Path of the chat-query deployment package (`cargo xtask lambdas` builds target/lambda/chat-query/bootstrap.zip)."
  type        = string

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must point at a .zip file."
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
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of the function in seconds (an HTTP API integration gives up after 30 s)."
  type        = number
  default     = 29

  validation {
    condition     = var.timeout >= 3 && var.timeout <= 30
    error_message = "timeout must be 3 to 30 seconds (the HTTP API's integration limit)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; it bounds the fan-out into member accounts. -1 removes the reservation."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrent_executions == -1 || var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or at least 1."
  }
}

variable "query_role_name" {
  description = "Read-only role assumed in each member account (QUERY_ROLE_NAME); cima-linked creates it. The function may assume only roles of this name."
  type        = string
  default     = "ChatSystemReadOnlyRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.query_role_name))
    error_message = "query_role_name must be a valid IAM role name."
  }
}

variable "bedrock_model_id" {
  description = "Bedrock model id or inference profile id/ARN used to parse questions (BEDROCK_MODEL_ID). Null: the deterministic parser only."
  type        = string
  default     = null

  validation {
    condition     = var.bedrock_model_id == null ? true : length(var.bedrock_model_id) <= 2048 && can(regex("^[A-Za-z0-9.:/_-]{3,}$", var.bedrock_model_id))
    error_message = "bedrock_model_id must be a model id such as anthropic.claude-3-haiku-20240307-v1:0, an inference profile id, or an ARN."
  }
}

variable "max_concurrency" {
  description = "Member accounts queried at once per request (MAX_CONCURRENCY). Each account costs a few round trips, and API Gateway ends a request after 30 s, so a large organization needs this high."
  type        = number
  default     = 64

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 256
    error_message = "max_concurrency must be 1 to 256."
  }
}

variable "account_deadline_seconds" {
  description = "Seconds after a question arrives when accounts that have not answered are given up and listed in account_errors (ACCOUNT_DEADLINE_SECONDS), so the answer beats the HTTP API's 30 s. Keep it a few seconds under timeout: the question's parse and the history write come around it."
  type        = number
  default     = 22

  validation {
    condition     = var.account_deadline_seconds >= 1 && var.account_deadline_seconds <= 28
    error_message = "account_deadline_seconds must be 1 to 28."
  }
}

variable "history_ttl_days" {
  description = "Days a query stays in the history table before DynamoDB's TTL removes it (HISTORY_TTL_DAYS)."
  type        = number
  default     = 30

  validation {
    condition     = var.history_ttl_days >= 1 && var.history_ttl_days <= 3650
    error_message = "history_ttl_days must be 1 to 3650."
  }
}

variable "organizations_role_arn" {
  description = "Role the function assumes for Organizations ListAccounts (ORGANIZATIONS_ROLE_ARN) when this account is neither the management account nor a delegated administrator. Null: its own role may list accounts."
  type        = string
  default     = null

  validation {
    condition     = var.organizations_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.organizations_role_arn))
    error_message = "organizations_role_arn must be an IAM role ARN."
  }
}

variable "log_level" {
  description = "RUST_LOG of the function."
  type        = string
  default     = "info"

  validation {
    condition     = length(var.log_level) > 0
    error_message = "log_level must not be empty."
  }
}

variable "enable_xray_tracing" {
  description = "Active X-Ray tracing of the function (PassThrough when false)."
  type        = bool
  default     = false
}

################################################################################
# History table
################################################################################

variable "deletion_protection" {
  description = "Protect the history table and the user pool from deletion (turn off only to tear an environment down)."
  type        = bool
  default     = true
}

################################################################################
# Cognito
################################################################################

variable "password_minimum_length" {
  description = "Minimum password length of the user pool (upper, lower, digit and symbol are always required)."
  type        = number
  default     = 14

  validation {
    condition     = var.password_minimum_length >= 12 && var.password_minimum_length <= 99
    error_message = "password_minimum_length must be 12 to 99."
  }
}

variable "user_pool_tier" {
  description = "Cognito feature plan: LITE, ESSENTIALS or PLUS. Threat protection (advanced security) needs PLUS."
  type        = string
  default     = "PLUS"

  validation {
    condition     = contains(["LITE", "ESSENTIALS", "PLUS"], var.user_pool_tier)
    error_message = "user_pool_tier must be LITE, ESSENTIALS or PLUS."
  }
}

variable "advanced_security_mode" {
  description = "Cognito threat protection: OFF, AUDIT or ENFORCED (AUDIT and ENFORCED need user_pool_tier PLUS)."
  type        = string
  default     = "ENFORCED"

  validation {
    condition     = contains(["OFF", "AUDIT", "ENFORCED"], var.advanced_security_mode)
    error_message = "advanced_security_mode must be OFF, AUDIT or ENFORCED."
  }
}

variable "access_token_validity_minutes" {
  description = "Lifetime of access and id tokens, in minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440
    error_message = "access_token_validity_minutes must be 5 to 1440."
  }
}

variable "refresh_token_validity_days" {
  description = "Lifetime of refresh tokens, in days."
  type        = number
  default     = 7

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650
    error_message = "refresh_token_validity_days must be 1 to 3650."
  }
}

variable "group_ous" {
  description = "Cognito groups to the OU paths their members may see (GROUP_OUS), such as { \"support-web\" = [\"/Production/Web\"] }: a caller then sees only the accounts under their groups' OUs (each path with the OUs below it; \"/\" is every account), and a caller in no mapped group sees nothing. Empty (the default): every signed-in user sees every account."
  type        = map(list(string))
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for g in keys(var.group_ous) : length(g) >= 1 && length(g) <= 128 && !can(regex("\\s", g))])
    error_message = "group_ous keys must be Cognito group names: 1 to 128 characters, no spaces."
  }

  validation {
    condition     = alltrue([for paths in values(var.group_ous) : length(paths) > 0])
    error_message = "Every group in group_ous must list at least one OU path; leave a group out to give it nothing."
  }

  validation {
    condition     = alltrue(flatten([for paths in values(var.group_ous) : [for p in paths : can(regex("^/([^/]+(/[^/]+)*/?)?$", p)) && length(p) <= 1024]]))
    error_message = "group_ous paths must be OU paths: \"/\" (the whole organization) or \"/Production/Web\" (an OU and those below it), no empty part, at most 1024 characters."
  }
}

variable "max_accounts_per_request" {
  description = "Most account ids one question may name in account_ids (MAX_ACCOUNTS_PER_REQUEST)."
  type        = number
  default     = 1000

  validation {
    condition     = var.max_accounts_per_request >= 1 && var.max_accounts_per_request <= 1000 && floor(var.max_accounts_per_request) == var.max_accounts_per_request
    error_message = "max_accounts_per_request must be a whole number from 1 to 1000 (the most chat-query accepts)."
  }
}
