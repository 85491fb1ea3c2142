################################################################################
# General
################################################################################

variable "name_prefix" {
  description = "Prefix of every resource name the module creates (function, queue, stream, topic, workgroup)."
  type        = string
  default     = "cima"

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
  description = "Customer managed KMS key for the bucket, queue, topic, log groups and stream. Null: the module creates one (with rotation) whose policy lets CloudWatch Logs, EventBridge and CloudWatch alarms use it. A key passed in must grant the same."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "log_retention_days" {
  description = "Retention of the module's CloudWatch log groups (enricher, Firehose)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

################################################################################
# Event bus (cima_case_pipeline)
################################################################################

variable "bus_name" {
  description = "Name of the central custom event bus the linked accounts forward to."
  type        = string
  default     = "cima-cases"

  validation {
    # The rules are named after it, the longest "<bus_name>-backfill", and a rule name has at most 64.
    condition     = can(regex("^[A-Za-z0-9._-]{1,55}$", var.bus_name)) && var.bus_name != "default"
    error_message = "bus_name must be 1 to 55 characters of letters, digits, '.', '_' or '-' (its rules add up to 9 more, and a rule name has at most 64), and not 'default'."
  }
}

variable "organization_ids" {
  description = "Organizations (o-...) whose accounts may put events on the central bus (aws:PrincipalOrgID)."
  type        = list(string)

  validation {
    condition     = length(var.organization_ids) > 0 && alltrue([for id in var.organization_ids : can(regex("^o-[a-z0-9]{10,32}$", id))])
    error_message = "organization_ids must hold at least one organization id of the form o-xxxxxxxxxx."
  }
}

variable "retry_policy" {
  description = "EventBridge retry policy of every target (enrich, store, backfill) before an event goes to the dead-letter queue."
  type = object({
    maximum_event_age_seconds = optional(number, 86400)
    maximum_retry_attempts    = optional(number, 185)
  })
  default = {}

  validation {
    condition     = var.retry_policy.maximum_event_age_seconds >= 60 && var.retry_policy.maximum_event_age_seconds <= 86400 && var.retry_policy.maximum_retry_attempts >= 0 && var.retry_policy.maximum_retry_attempts <= 185
    error_message = "retry_policy.maximum_event_age_seconds must be 60 to 86400 and maximum_retry_attempts 0 to 185."
  }
}

variable "enriched_source" {
  description = "Source of the enriched events (ENRICHED_SOURCE). The seed's name; existing Athena tables and dashboards depend on it."
  type        = string
  default     = "heidi.support"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.enriched_source)) && !startswith(var.enriched_source, "aws.")
    error_message = "enriched_source must be letters, digits, '.', '_' or '-', and must not start with 'aws.' (reserved for AWS services)."
  }
}

variable "enriched_detail_type" {
  description = "detail-type of the enriched events (ENRICHED_DETAIL_TYPE)."
  type        = string
  default     = "heidi.support"

  validation {
    condition     = length(var.enriched_detail_type) > 0 && length(var.enriched_detail_type) <= 128
    error_message = "enriched_detail_type must be 1 to 128 characters."
  }
}

################################################################################
# Enricher Lambda
################################################################################

variable "enricher_zip_path" {
  description = "Path of the case-enricher deployment package (`cargo xtask lambdas` builds target/lambda/case-enricher/bootstrap.zip)."
  type        = string

  validation {
    condition     = endswith(var.enricher_zip_path, ".zip")
    error_message = "enricher_zip_path must point at a .zip file."
  }
}

variable "architectures" {
  description = "Instruction set of the enricher: [\"x86_64\"] (what the project builds here) or [\"arm64\"] (built by the release workflow)."
  type        = list(string)
  default     = ["x86_64"]

  validation {
    condition     = length(var.architectures) == 1 && contains(["x86_64", "arm64"], var.architectures[0])
    error_message = "architectures must be exactly one of [\"x86_64\"] or [\"arm64\"]."
  }
}

variable "memory_size" {
  description = "Memory of the enricher in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of the enricher in seconds. Backfill work stops early and continues in a new invocation before it runs out."
  type        = number
  default     = 120

  validation {
    condition     = var.timeout >= 10 && var.timeout <= 900
    error_message = "timeout must be 10 to 900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the enricher; it also caps how hard the Support API of one organization is hit. -1 removes the reservation."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrent_executions == -1 || var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or at least 1 (0 would stop the enricher)."
  }
}

variable "case_reader_role_name" {
  description = "Name of the case-reader role in every linked account (CASE_READER_ROLE_NAME); the enricher may assume only roles of this name."
  type        = string
  default     = "CimaCaseReaderRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.case_reader_role_name))
    error_message = "case_reader_role_name must be a valid IAM role name (1 to 64 characters of letters, digits and +=,.@_-)."
  }
}

variable "organizations_role_arn" {
  description = "Role the enricher assumes for Organizations DescribeAccount (ORGANIZATIONS_ROLE_ARN) when this account is neither the management account nor a delegated administrator. Null: the enricher's own role may call DescribeAccount on the organization's accounts."
  type        = string
  default     = null

  validation {
    condition     = var.organizations_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.organizations_role_arn))
    error_message = "organizations_role_arn must be an IAM role ARN."
  }
}

variable "max_cases_per_invocation" {
  description = "Cases one backfill invocation enriches before it re-emits a continuation event (MAX_CASES_PER_INVOCATION)."
  type        = number
  default     = 50

  validation {
    condition     = var.max_cases_per_invocation >= 1 && var.max_cases_per_invocation <= 1000
    error_message = "max_cases_per_invocation must be 1 to 1000."
  }
}

variable "log_level" {
  description = "RUST_LOG of the enricher (a tracing filter such as info or case_enricher=debug,info)."
  type        = string
  default     = "info"

  validation {
    condition     = length(var.log_level) > 0
    error_message = "log_level must not be empty."
  }
}

variable "enable_xray_tracing" {
  description = "Active X-Ray tracing of the enricher (PassThrough when false)."
  type        = bool
  default     = false
}

################################################################################
# Store: Firehose -> S3
################################################################################

variable "data_bucket_name" {
  description = "Name of the data bucket (case events, inventory, Athena results). Null: <name_prefix>-data-<account id>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.data_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_name))
    error_message = "data_bucket_name must be a valid S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')."
  }
}

variable "data_retention_days" {
  description = "Days case events and Athena results are kept in the data bucket before they expire (noncurrent versions go 30 days later)."
  type        = number
  default     = 730

  validation {
    condition     = var.data_retention_days >= 1 && var.data_retention_days <= 3650
    error_message = "data_retention_days must be 1 to 3650."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the data bucket with its objects (and the Athena workgroup with its queries). Keep false outside sandboxes."
  type        = bool
  default     = false
}

variable "access_log_bucket" {
  description = "Existing bucket that receives the data bucket's server access logs. Null: no access logging (CloudTrail data events are the alternative)."
  type        = string
  default     = null
}

variable "firehose_buffering_size" {
  description = "Firehose buffer size in MB (dynamic partitioning needs at least 64)."
  type        = number
  default     = 64

  validation {
    condition     = var.firehose_buffering_size >= 64 && var.firehose_buffering_size <= 128
    error_message = "firehose_buffering_size must be 64 to 128 MB (dynamic partitioning needs at least 64)."
  }
}

variable "firehose_buffering_interval" {
  description = "Firehose buffer interval in seconds: how long an enriched event may wait before it lands in S3 (60 to 900 with dynamic partitioning)."
  type        = number
  default     = 60

  validation {
    condition     = var.firehose_buffering_interval >= 60 && var.firehose_buffering_interval <= 900
    error_message = "firehose_buffering_interval must be 60 to 900 seconds (dynamic partitioning needs at least 60)."
  }
}

################################################################################
# Catalog and Athena
################################################################################

variable "glue_database_name" {
  description = "Glue database holding supportcaseevents and accountsinfo. The seed's name by default, so existing queries and dashboards keep working."
  type        = string
  default     = "heididatacollectiondb"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.glue_database_name))
    error_message = "glue_database_name must be lowercase letters, digits and underscores."
  }
}

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query of the workgroup that scans more than this many bytes (minimum 10 MB)."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query >= 10485760
    error_message = "athena_bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB)."
  }
}

################################################################################
# Account inventory (cima_org_query resource)
################################################################################

variable "create_accounts_inventory" {
  description = "Write the organization's account inventory (CSV) into the data bucket for the accountsinfo join. Needs the cima provider's credentials to read Organizations (management account or delegated administrator)."
  type        = bool
  default     = true
}

variable "inventory_statuses" {
  description = "Account statuses listed in the inventory."
  type        = list(string)
  default     = ["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"]

  validation {
    condition     = length(var.inventory_statuses) > 0 && alltrue([for s in var.inventory_statuses : contains(["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"], s)])
    error_message = "inventory_statuses must be a non-empty list of ACTIVE, SUSPENDED, PENDING_CLOSURE."
  }
}

variable "inventory_tag_key" {
  description = "Tag key whose value is each account's one label in the inventory's `tag` column (accountsinfo.tag), such as BusinessUnit or Environment; matched exactly. Null: the column is empty. Every tag stays in the `tags` column as key=value;key=value. Changing it rewrites the inventory in place."
  type        = string
  default     = null

  validation {
    condition     = var.inventory_tag_key == null || can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,128}$", var.inventory_tag_key)) && !can(regex("^(?i)aws:", var.inventory_tag_key))
    error_message = "inventory_tag_key must be an AWS tag key: 1 to 128 letters, digits, spaces and _.:/=+-@, not starting with aws: (reserved)."
  }
}

################################################################################
# Alarms and alerts
################################################################################

variable "alarm_sns_topic_arn" {
  description = "Existing SNS topic for alarms and case alerts. Null: the module creates an encrypted topic (its policy lets CloudWatch alarms and the alert rule publish)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be an SNS topic ARN."
  }
}

variable "alarm_emails" {
  description = "Email addresses subscribed to the created alarm topic (each must confirm). Ignored when alarm_sns_topic_arn is set."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be email addresses."
  }
}

variable "enricher_error_threshold" {
  description = "The enricher-errors alarm fires when the function reports more errors than this within 5 minutes."
  type        = number
  default     = 0

  validation {
    condition     = var.enricher_error_threshold >= 0
    error_message = "enricher_error_threshold must not be negative."
  }
}

variable "enable_case_alerts" {
  description = "Publish an alert to the alarm topic for every enriched event of a case with one of case_alert_severities."
  type        = bool
  default     = false
}

variable "case_alert_severities" {
  description = "Severity codes (the enriched event's severityCode) that raise a case alert: urgent = Production system down, critical = Business-critical system down."
  type        = list(string)
  default     = ["urgent", "critical"]

  validation {
    condition     = length(var.case_alert_severities) > 0 && alltrue([for s in var.case_alert_severities : contains(["low", "normal", "high", "urgent", "critical"], s)])
    error_message = "case_alert_severities must be a non-empty list of low, normal, high, urgent, critical."
  }
}

variable "case_alert_statuses" {
  description = "Case statuses that raise a case alert; a new case is unassigned or opened. Empty: any status."
  type        = list(string)
  default     = ["unassigned", "opened"]

  validation {
    condition     = alltrue([for s in var.case_alert_statuses : contains(["opened", "pending-customer-action", "reopened", "resolved", "unassigned", "work-in-progress"], s)])
    error_message = "case_alert_statuses must be AWS Support statuses: opened, pending-customer-action, reopened, resolved, unassigned, work-in-progress."
  }
}
