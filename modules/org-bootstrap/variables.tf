################################################################################
# Organization
################################################################################

variable "additional_service_access_principals" {
  description = "Service principals to trust with Organizations access on top of the built-in ones (sso, cloudtrail, config, account, member.org.stacksets.cloudformation)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.additional_service_access_principals : can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", p))])
    error_message = "Each service access principal must be a service principal such as guardduty.amazonaws.com."
  }
}

################################################################################
# Organizational units and accounts
################################################################################

variable "organizational_units" {
  description = "OUs to create directly under the organization root, keyed by OU name."
  type = map(object({
    tags = optional(map(string), {})
  }))
  default = {
    Security       = {}
    Production     = {}
    NonProduction  = {}
    SharedServices = {}
  }

  validation {
    condition     = alltrue([for name in keys(var.organizational_units) : can(regex("^[A-Za-z0-9][A-Za-z0-9 _-]{0,127}$", name))])
    error_message = "OU names must be 1-128 letters, digits, spaces, underscores or hyphens, starting with a letter or digit."
  }
}

variable "accounts" {
  description = "Member accounts to create, keyed by a short key (dev, prod, ...). `ou` must be a key of var.organizational_units. `role_name` is the role AWS creates for the management account (AWS never returns it, so later changes are ignored)."
  type = map(object({
    name                       = string
    email                      = string
    ou                         = string
    role_name                  = optional(string, "OrganizationAccountAccessRole")
    iam_user_access_to_billing = optional(string, "ALLOW")
    tags                       = optional(map(string), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for a in values(var.accounts) : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a.email)) && length(a.email) <= 64])
    error_message = "Each account email must be a valid address of at most 64 characters (use plus-addressing: ops+dev@example.com)."
  }

  validation {
    condition     = length(distinct([for a in values(var.accounts) : lower(a.email)])) == length(var.accounts)
    error_message = "Account emails must be unique across accounts."
  }

  validation {
    condition     = alltrue([for a in values(var.accounts) : contains(["ALLOW", "DENY"], a.iam_user_access_to_billing)])
    error_message = "iam_user_access_to_billing must be ALLOW or DENY."
  }

  validation {
    condition     = alltrue([for a in values(var.accounts) : can(regex("^[\\w+=,.@-]{1,64}$", a.role_name))])
    error_message = "role_name must be a valid IAM role name."
  }
}

################################################################################
# Service control policies
################################################################################

variable "scp_attachments" {
  description = "Service control policies attached per OU: OU name => list of policy keys (deny_leave_organization, deny_root_user, protect_security_services, region_restriction, require_mfa_production). region_restriction is skipped while var.allowed_regions is empty."
  type        = map(list(string))
  default = {
    Security       = ["deny_leave_organization", "deny_root_user", "protect_security_services", "region_restriction"]
    Production     = ["deny_leave_organization", "deny_root_user", "protect_security_services", "region_restriction", "require_mfa_production"]
    NonProduction  = ["deny_leave_organization", "deny_root_user", "protect_security_services", "region_restriction"]
    SharedServices = ["deny_leave_organization", "deny_root_user", "protect_security_services", "region_restriction"]
  }

  validation {
    condition = alltrue(flatten([for ps in values(var.scp_attachments) : [
      for p in ps : contains(["deny_leave_organization", "deny_root_user", "protect_security_services", "region_restriction", "require_mfa_production"], p)
    ]]))
    error_message = "Policy keys must be among deny_leave_organization, deny_root_user, protect_security_services, region_restriction, require_mfa_production."
  }
}

variable "allowed_regions" {
  description = "Regions member accounts may use. Empty disables the region allow-list SCP. Global services (IAM, Organizations, STS, Route 53, CloudFront, Support, billing...) stay allowed everywhere."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.allowed_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "Each allowed region must look like us-east-1."
  }
}

variable "scp_exempt_role_names" {
  description = "IAM role names (in any member account) exempt from the security-service, region and MFA SCPs: break-glass and automation roles."
  type        = list(string)
  default     = ["OrganizationAccountAccessRole"]

  validation {
    condition     = alltrue([for r in var.scp_exempt_role_names : can(regex("^[\\w+=,.@*-]{1,64}$", r))])
    error_message = "Each exempt role name must be a valid IAM role name (wildcards allowed)."
  }
}

variable "mfa_exempt_role_names" {
  description = "Role names (wildcards allowed) that may run production destructive actions without MFA, on top of var.scp_exempt_role_names: CI deploy roles assumed through OIDC carry no MFA."
  type        = list(string)
  default     = ["github-deploy-*"]

  validation {
    condition     = alltrue([for r in var.mfa_exempt_role_names : can(regex("^[\\w+=,.@*-]{1,64}$", r))])
    error_message = "Each MFA-exempt role name must be a valid IAM role name (wildcards allowed)."
  }
}

variable "mfa_protected_actions" {
  description = "Destructive actions that require MFA in OUs carrying the require_mfa_production policy."
  type        = list(string)
  default = [
    "cloudformation:DeleteStack",
    "dynamodb:DeleteTable",
    "ec2:DeleteSnapshot",
    "ec2:DeleteVolume",
    "ec2:TerminateInstances",
    "iam:DeleteRole",
    "iam:DeleteUser",
    "kms:ScheduleKeyDeletion",
    "lambda:DeleteFunction",
    "rds:DeleteDBCluster",
    "rds:DeleteDBInstance",
    "s3:DeleteBucket",
  ]

  validation {
    condition     = alltrue([for a in var.mfa_protected_actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9*]+$", a))])
    error_message = "Each action must look like service:Action."
  }
}

################################################################################
# Tag policy
################################################################################

variable "enable_tag_policy" {
  description = "Create the tag policy and attach it to var.tag_policy_target_ous."
  type        = bool
  default     = true
}

variable "tag_policy" {
  description = "Tag policy rules keyed by tag key (case as it must be written). `values` empty allows any value; `enforced_for` lists resource types (e.g. s3:bucket) where non-compliant tagging operations are blocked."
  type = map(object({
    values       = optional(list(string), [])
    enforced_for = optional(list(string), [])
  }))
  default = {
    Environment = {
      values = ["dev", "staging", "uat", "prod", "shared", "security", "management"]
    }
    Project   = {}
    ManagedBy = { values = ["terraform"] }
  }

  validation {
    condition     = alltrue([for k in keys(var.tag_policy) : can(regex("^[A-Za-z0-9 _.:/=+@-]{1,128}$", k))])
    error_message = "Tag keys must be 1-128 characters of letters, digits, spaces and _.:/=+-@."
  }
}

variable "tag_policy_target_ous" {
  description = "OU names the tag policy is attached to. Null attaches it to every OU in var.organizational_units."
  type        = list(string)
  default     = null
}

################################################################################
# Tags
################################################################################

variable "tags" {
  description = "Tags for every taggable resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
