################################################################################
# Central pipeline
################################################################################

variable "central_bus_arn" {
  description = "ARN of the central event bus (cima-central's bus_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$", var.central_bus_arn))
    error_message = "central_bus_arn must be an EventBridge bus ARN (arn:<partition>:events:<region>:<account>:event-bus/<name>)."
  }
}

variable "enricher_role_arn" {
  description = "ARN of the enricher's role (cima-central's enricher_role_arn): the only principal each case-reader role trusts."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.enricher_role_arn))
    error_message = "enricher_role_arn must be an IAM role ARN."
  }
}

variable "central_account_id" {
  description = "The central account (where the bus lives). It is left out of the wiring unless include_central_account is true. A plain variable, not derived from the bus ARN, so the set of accounts is known at plan time."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.central_account_id))
    error_message = "central_account_id must be 12 digits."
  }
}

variable "include_central_account" {
  description = "Wire the central account too (its own Support cases then flow through the pipeline like any member's)."
  type        = bool
  default     = false
}

variable "organization_id" {
  description = "Organization id (o-...) the case-reader role's trust requires (aws:PrincipalOrgID). Null: the organization the query reads."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-xxxxxxxxxx."
  }
}

################################################################################
# Which accounts (data "cima_org_query")
################################################################################

variable "parent_ids" {
  description = "Roots (r-...) or OUs (ou-...-...) to select accounts from. Empty: the whole organization."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.parent_ids : can(regex("^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$", id))])
    error_message = "parent_ids must be root ids (r-...) or OU ids (ou-...-...)."
  }
}

variable "recursive" {
  description = "Include accounts in OUs below parent_ids, at any depth."
  type        = bool
  default     = true
}

variable "statuses" {
  description = "Account statuses to wire. Only ACTIVE accounts can be reached; the others are listed for completeness."
  type        = list(string)
  default     = ["ACTIVE"]

  validation {
    condition     = length(var.statuses) > 0 && alltrue([for s in var.statuses : contains(["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"], s)])
    error_message = "statuses must be a non-empty list of ACTIVE, SUSPENDED, PENDING_CLOSURE."
  }
}

variable "account_tags" {
  description = "Wire only accounts that carry every one of these tag key/value pairs."
  type        = map(string)
  default     = {}
}

variable "include_account_ids" {
  description = "Wire only these accounts (after the other filters). Empty: every account the filters select."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.include_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "include_account_ids must be 12-digit account ids."
  }
}

variable "exclude_account_ids" {
  description = "Never wire these accounts (sandboxes, suspended accounts kept for audit, ...)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.exclude_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "exclude_account_ids must be 12-digit account ids."
  }
}

variable "include_management_account" {
  description = "Wire the organization's management account when the filters select it."
  type        = bool
  default     = true
}

################################################################################
# Wiring (cima_linked_account)
################################################################################

variable "access_role_name" {
  description = "Role assumed in each member account to wire it. Null: the provider's member_access_role_name (OrganizationAccountAccessRole by default)."
  type        = string
  default     = null

  validation {
    condition     = var.access_role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.access_role_name))
    error_message = "access_role_name must be a valid IAM role name."
  }
}

variable "case_reader_role_name" {
  description = "Name of the case-reader role created in each account; must match cima-central's case_reader_role_name."
  type        = string
  default     = "CimaCaseReaderRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.case_reader_role_name))
    error_message = "case_reader_role_name must be a valid IAM role name."
  }
}

variable "enriched_source" {
  description = "Deprecated, no effect: members forward only aws.support, and the enricher puts enriched events on the central bus itself (so no member can forge a record). Remove it; it will go in the next major version."
  type        = string
  default     = null
}

variable "dead_letter_queue_arn" {
  description = "SQS queue for the events a member's forwarding rule could not deliver after its retries (24 hours, 185 attempts): cima-central's `dlq_arn`, whose policy admits every member's `cima-forward-support` rule. Null leaves the forwarding target without one."
  type        = string
  default     = null

  validation {
    condition     = var.dead_letter_queue_arn == null || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$", var.dead_letter_queue_arn))
    error_message = "dead_letter_queue_arn must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)."
  }
}

variable "backfill_days" {
  description = "When an account is first wired, ask the enricher to backfill this many days of existing cases (0 to 365, the Support API's limit)."
  type        = number
  default     = 90

  validation {
    condition     = var.backfill_days >= 0 && var.backfill_days <= 365 && floor(var.backfill_days) == var.backfill_days
    error_message = "backfill_days must be a whole number from 0 to 365."
  }
}

variable "enable_query_role" {
  description = "Also create the chat API's read-only role in each account, trusted only by query_role_trusted_arn."
  type        = bool
  default     = false
}

variable "query_role_trusted_arn" {
  description = "The chat-query Lambda's role (chat-api's function_role_arn); required when enable_query_role is true."
  type        = string
  default     = null

  validation {
    condition     = var.query_role_trusted_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.query_role_trusted_arn))
    error_message = "query_role_trusted_arn must be an IAM role ARN."
  }
}

variable "query_role_name" {
  description = "Name of the chat API's read-only role in each account; must match chat-api's query_role_name."
  type        = string
  default     = "ChatSystemReadOnlyRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.query_role_name))
    error_message = "query_role_name must be a valid IAM role name."
  }
}

variable "query_role_external_id" {
  description = "External id the read-only role's trust requires. Null: none (the trust names one role ARN)."
  type        = string
  default     = null
  sensitive   = true
}

variable "timeouts" {
  description = "Bounds on wiring and unwiring one account, as \"30s\", \"10m\", \"1h\"."
  type = object({
    create = optional(string, "10m")
    delete = optional(string, "10m")
  })
  default = {}

  validation {
    condition     = can(regex("^[0-9]+(s|m|h)$", var.timeouts.create)) && can(regex("^[0-9]+(s|m|h)$", var.timeouts.delete))
    error_message = "timeouts must be durations such as 30s, 10m or 1h."
  }
}

variable "tags" {
  description = "Tags on the roles created in each member account."
  type        = map(string)
  default     = {}
}
