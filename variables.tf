################################################################################
# Environment and accounts
################################################################################

variable "environment" {
  description = "The environment this state deploys: dev, staging, uat or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "uat", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, uat, prod."
  }
}

variable "region" {
  description = "Region of the central pipeline and chat API. Support events originate in us-east-1 and reach a central bus in any region."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "central_account_id" {
  description = "The environment's account, where the central pipeline and chat API live; the aws provider refuses to run against any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.central_account_id))
    error_message = "central_account_id must be 12 digits."
  }
}

variable "deploy_role_arn" {
  description = "Role in the central account that the aws and cima providers assume (the environment's deploy role). Null: use the caller's credentials as they are."
  type        = string
  default     = null

  validation {
    condition     = var.deploy_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.deploy_role_arn))
    error_message = "deploy_role_arn must be an IAM role ARN."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of every IAM role the root creates. The deploy role may create roles only with its workload boundary (modules/github-oidc output workload_boundary_arn), so set it wherever the deploy role applies. Null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "organization_role_arn" {
  description = "Role in the management account (or an Organizations delegated administrator) the linking uses: it lists the accounts and assumes member_access_role_name into each. Null: deploy_role_arn."
  type        = string
  default     = null

  validation {
    condition     = var.organization_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.organization_role_arn))
    error_message = "organization_role_arn must be an IAM role ARN."
  }
}

variable "member_access_role_name" {
  description = "Role assumed in each member account to wire it."
  type        = string
  default     = "OrganizationAccountAccessRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.member_access_role_name))
    error_message = "member_access_role_name must be a valid IAM role name."
  }
}

variable "cima_max_concurrency" {
  description = "Accounts the cima provider works on at once."
  type        = number
  default     = 16

  validation {
    condition     = var.cima_max_concurrency >= 1 && var.cima_max_concurrency <= 256
    error_message = "cima_max_concurrency must be 1 to 256."
  }
}

variable "organization_id" {
  description = "The AWS Organization (o-...) whose accounts may put events on the central bus."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-xxxxxxxxxx."
  }
}

variable "name_prefix" {
  description = "Prefix of resource names; the environment is appended (cima-prod-...)."
  type        = string
  default     = "cima"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 15 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Tags on every resource (through the aws provider's default_tags and the modules' tags)."
  type        = map(string)
  default     = {}
}

################################################################################
# Lambdas
################################################################################

variable "enricher_zip_path" {
  description = "case-enricher package; a relative path is relative to the repository root."
  type        = string
  default     = "target/lambda/case-enricher/bootstrap.zip"

  validation {
    condition     = endswith(var.enricher_zip_path, ".zip")
    error_message = "enricher_zip_path must point at a .zip file."
  }
}

variable "chat_query_zip_path" {
  description = "chat-query package; a relative path is relative to the repository root."
  type        = string
  default     = "target/lambda/chat-query/bootstrap.zip"

  validation {
    condition     = endswith(var.chat_query_zip_path, ".zip")
    error_message = "chat_query_zip_path must point at a .zip file."
  }
}

variable "console_api_zip_path" {
  description = "console-api package; a relative path is relative to the repository root."
  type        = string
  default     = "target/lambda/console-api/bootstrap.zip"

  validation {
    condition     = endswith(var.console_api_zip_path, ".zip")
    error_message = "console_api_zip_path must point at a .zip file."
  }
}

variable "lambda_architectures" {
  description = "Instruction set of every function: [\"x86_64\"] or [\"arm64\"] (the zips must match)."
  type        = list(string)
  default     = ["x86_64"]

  validation {
    condition     = length(var.lambda_architectures) == 1 && contains(["x86_64", "arm64"], var.lambda_architectures[0])
    error_message = "lambda_architectures must be [\"x86_64\"] or [\"arm64\"]."
  }
}

variable "enricher_reserved_concurrency" {
  description = "Concurrency reserved for the enricher (-1: unreserved)."
  type        = number
  default     = 10

  validation {
    condition     = var.enricher_reserved_concurrency == -1 || var.enricher_reserved_concurrency >= 1
    error_message = "enricher_reserved_concurrency must be -1 or at least 1."
  }
}

variable "lambda_log_level" {
  description = "RUST_LOG of the case enricher and chat-query."
  type        = string
  default     = "info"

  validation {
    condition     = length(var.lambda_log_level) > 0
    error_message = "lambda_log_level must not be empty."
  }
}

variable "enable_xray_tracing" {
  description = "Active X-Ray tracing of every function."
  type        = bool
  default     = false
}

variable "organizations_reader_role_arn" {
  description = "Role both functions assume to read Organizations when the central account is neither the management account nor a delegated administrator. Null: their own roles read it."
  type        = string
  default     = null

  validation {
    condition     = var.organizations_reader_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.organizations_reader_role_arn))
    error_message = "organizations_reader_role_arn must be an IAM role ARN."
  }
}

################################################################################
# Central pipeline and data
################################################################################

variable "case_reader_role_name" {
  description = "Name of the case-reader role in every linked account."
  type        = string
  default     = "CimaCaseReaderRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.case_reader_role_name))
    error_message = "case_reader_role_name must be a valid IAM role name."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group (functions, Firehose, API access logs)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "data_retention_days" {
  description = "Days case events are kept in the data bucket."
  type        = number
  default     = 730

  validation {
    condition     = var.data_retention_days >= 1 && var.data_retention_days <= 3650
    error_message = "data_retention_days must be 1 to 3650."
  }
}

variable "access_log_bucket" {
  description = "Existing bucket for the data bucket's server access logs (null: none)."
  type        = string
  default     = null
}

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query scanning more bytes than this."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query >= 10485760
    error_message = "athena_bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB)."
  }
}

variable "create_accounts_inventory" {
  description = "Keep the organization's account inventory in the data bucket (the central account must be able to read Organizations)."
  type        = bool
  default     = true
}

variable "inventory_tag_key" {
  description = "Tag key whose value labels each account in the inventory's tag column (accountsinfo.tag; the console groups cases by it). Null: no label."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Let destroy remove the data bucket with its objects. Only for throw-away environments."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Deletion protection on the chat history table and user pool."
  type        = bool
  default     = true
}

################################################################################
# Alarms
################################################################################

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be email addresses."
  }
}

variable "enable_case_alerts" {
  description = "Send new urgent and critical Support cases to the alarm topic."
  type        = bool
  default     = true
}

################################################################################
# Linking the organization
################################################################################

variable "link_accounts" {
  description = "Wire the organization's accounts into this environment's pipeline. One environment per organization does this (the member-side roles and rules have fixed names)."
  type        = bool
  default     = false
}

variable "link_central_account" {
  description = "Wire the central account itself too."
  type        = bool
  default     = true
}

variable "linked_parent_ids" {
  description = "OUs or roots to wire accounts from (empty: the whole organization)."
  type        = list(string)
  default     = []
}

variable "linked_include_account_ids" {
  description = "Wire only these accounts (empty: every selected account)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.linked_include_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "linked_include_account_ids must be 12-digit account ids."
  }
}

variable "linked_exclude_account_ids" {
  description = "Never wire these accounts."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.linked_exclude_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "linked_exclude_account_ids must be 12-digit account ids."
  }
}

variable "backfill_days" {
  description = "Days of existing cases each newly wired account backfills (0 to 365)."
  type        = number
  default     = 90

  validation {
    condition     = var.backfill_days >= 0 && var.backfill_days <= 365
    error_message = "backfill_days must be 0 to 365."
  }
}

################################################################################
# Chat API
################################################################################

variable "enable_chat_api" {
  description = "Deploy the chat API (and, when linking, its read-only role in every account)."
  type        = bool
  default     = true
}

variable "chat_allowed_origins" {
  description = "Exact origins the chat API's CORS allows besides the console's own (e.g. http://localhost:5173 to run the page locally); \"*\" is refused. Without the console, at least one is needed."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.chat_allowed_origins : !strcontains(o, "*")])
    error_message = "chat_allowed_origins must be exact origins; \"*\" is refused."
  }
}

variable "query_role_name" {
  description = "Name of the chat API's read-only role in every linked account."
  type        = string
  default     = "ChatSystemReadOnlyRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.query_role_name))
    error_message = "query_role_name must be a valid IAM role name."
  }
}

variable "bedrock_model_id" {
  description = "Bedrock model for question parsing (null: the deterministic parser only)."
  type        = string
  default     = null
}

variable "cognito_user_pool_tier" {
  description = "Cognito feature plan (PLUS is needed for threat protection)."
  type        = string
  default     = "PLUS"

  validation {
    condition     = contains(["LITE", "ESSENTIALS", "PLUS"], var.cognito_user_pool_tier)
    error_message = "cognito_user_pool_tier must be LITE, ESSENTIALS or PLUS."
  }
}

variable "cognito_advanced_security_mode" {
  description = "Cognito threat protection: OFF, AUDIT or ENFORCED."
  type        = string
  default     = "ENFORCED"

  validation {
    condition     = contains(["OFF", "AUDIT", "ENFORCED"], var.cognito_advanced_security_mode)
    error_message = "cognito_advanced_security_mode must be OFF, AUDIT or ENFORCED."
  }
}

################################################################################
# Console
################################################################################

variable "enable_console" {
  description = "Deploy the console (the page on CloudFront, its Cognito client and managed login domain, the console-api routes). It uses the chat API, so it is deployed only when enable_chat_api is true too."
  type        = bool
  default     = true
}

variable "console_cognito_domain_prefix" {
  description = "Prefix of the console's managed login domain (<prefix>.auth.<region>.amazoncognito.com, unique in the region). Null: <name_prefix>-<environment>-console-<central_account_id>."
  type        = string
  default     = null

  validation {
    condition     = var.console_cognito_domain_prefix == null || can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.console_cognito_domain_prefix))
    error_message = "console_cognito_domain_prefix must be 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen."
  }
}

variable "console_extra_callback_urls" {
  description = "Further sign-in callback and sign-out URLs of the console's client, to run the page locally (e.g. http://localhost:5173/; add its origin to chat_allowed_origins too)."
  type        = list(string)
  default     = []
}

variable "console_web_acl_arn" {
  description = "WAFv2 web ACL (CLOUDFRONT scope, us-east-1) in front of the console's distribution (null: none)."
  type        = string
  default     = null
}

variable "console_cloudfront_log_bucket" {
  description = "Domain name of the bucket (ACLs enabled) receiving the console distribution's standard logs, e.g. my-logs.s3.amazonaws.com (null: none)."
  type        = string
  default     = null
}

variable "group_ous" {
  description = "Cognito groups of the chat's user pool to the OU paths their members may see through the chat and the console, such as { \"support-web\" = [\"/Production/Web\"] } (each path with the OUs below it; \"/\" is every account); a user in no mapped group then sees nothing. Empty (the default): every signed-in user sees every account. The modules validate it."
  type        = map(list(string))
  default     = {}
  nullable    = false
}
