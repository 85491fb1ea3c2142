################################################################################
# IAM Identity Center instance
################################################################################

variable "instance_arn" {
  description = "ARN of the IAM Identity Center instance. Null looks up the organization's (only) instance."
  type        = string
  default     = null

  validation {
    condition     = var.instance_arn == null || can(regex("^arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$", var.instance_arn))
    error_message = "instance_arn must be an IAM Identity Center instance ARN."
  }
}

variable "identity_store_id" {
  description = "Identity store id (d-...) of the instance. Null looks it up with the instance."
  type        = string
  default     = null

  validation {
    condition     = var.identity_store_id == null || can(regex("^d-[0-9a-f]{10}$|^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", var.identity_store_id))
    error_message = "identity_store_id must look like d-1234567890."
  }
}

################################################################################
# Permission sets
################################################################################

variable "session_durations" {
  description = "Session duration (ISO 8601, PT1H..PT12H) per permission set key: admin, devops, developer, finance, auditor. Unlisted keys keep their defaults (admin PT1H, devops PT4H, developer PT8H, finance PT4H, auditor PT4H)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.session_durations) : contains(["admin", "devops", "developer", "finance", "auditor"], k)])
    error_message = "session_durations keys must be among admin, devops, developer, finance, auditor."
  }

  validation {
    condition     = alltrue([for v in values(var.session_durations) : can(regex("^PT([1-9]|1[0-2])H$", v))])
    error_message = "Session durations must be whole hours between PT1H and PT12H."
  }
}

variable "state_bucket_arn_patterns" {
  description = "S3 bucket ARN patterns of the Terraform state buckets the devops permission set may read and write (the deploy-only set runs Terraform). Null: every bucket named *-tfstate-* (account-bootstrap's naming)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.state_bucket_arn_patterns == null || alltrue([for p in coalesce(var.state_bucket_arn_patterns, []) : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.*-]+$", p))])
    error_message = "Each state bucket pattern must be an S3 bucket ARN (wildcards allowed)."
  }
}

variable "deploy_role_name_pattern" {
  description = "Name pattern of the CI deploy roles the devops permission set may assume (to run a deploy by hand with the same rights as CI)."
  type        = string
  default     = "github-deploy-*"

  validation {
    condition     = can(regex("^[\\w+=,.@*-]{1,64}$", var.deploy_role_name_pattern))
    error_message = "deploy_role_name_pattern must be an IAM role name pattern."
  }
}

################################################################################
# Groups and assignments
################################################################################

variable "create_groups" {
  description = "Create the groups named in var.account_assignments in the identity store. False looks existing groups up by display name (e.g. synchronised from an external IdP)."
  type        = bool
  default     = true
}

variable "account_assignments" {
  description = "Per account (keyed by a label): the account id, whether it is a production account, and group display name => permission set keys. The developer permission set can never be assigned to a production account."
  type = map(object({
    account_id = string
    production = bool
    groups     = map(list(string))
  }))
  default = {}

  validation {
    condition     = alltrue([for a in values(var.account_assignments) : can(regex("^[0-9]{12}$", a.account_id))])
    error_message = "Each account_id must be 12 digits."
  }

  validation {
    condition = alltrue(flatten([for a in values(var.account_assignments) : [
      for sets in values(a.groups) : [for s in sets : contains(["admin", "devops", "developer", "finance", "auditor"], s)]
    ]]))
    error_message = "Permission set keys must be among admin, devops, developer, finance, auditor."
  }

  validation {
    condition = alltrue([for a in values(var.account_assignments) :
      !a.production || alltrue([for sets in values(a.groups) : !contains(sets, "developer")])
    ])
    error_message = "Developers have no production access: the developer permission set cannot be assigned to an account with production = true."
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
