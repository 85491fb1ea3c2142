################################################################################
# General
################################################################################

variable "region" {
  description = "Region of the management-account provider (Organizations and IAM Identity Center calls)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "project" {
  description = "Project name: account name prefix and the Project tag."
  type        = string
  default     = "cima"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lowercase letters, digits or hyphens."
  }
}

variable "tags" {
  description = "Extra default tags for every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# Accounts (the seed's layout: Security, Production, NonProduction, SharedServices)
################################################################################

variable "email_domain" {
  description = "Domain of the account root emails: every account gets <email_local_part>+<key>@<email_domain> unless var.accounts says otherwise."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.email_domain))
    error_message = "email_domain must be a domain name such as example.com."
  }
}

variable "email_local_part" {
  description = "Local part of the account root emails, before the +<key> alias."
  type        = string
  default     = "aws"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,40}$", var.email_local_part))
    error_message = "email_local_part must be 1-40 letters, digits, dots, underscores or hyphens."
  }
}

variable "accounts" {
  description = "Member accounts by key. Null creates the seed's six: dev, staging, uat (NonProduction), prod (Production), shared (SharedServices), security (Security)."
  type = map(object({
    name  = string
    email = string
    ou    = string
  }))
  default = null
}

variable "allowed_regions" {
  description = "Regions member accounts may use (region allow-list SCP). Empty disables it."
  type        = list(string)
  default     = ["us-east-1"]
}

################################################################################
# IAM Identity Center (Phase 3)
################################################################################

variable "enable_sso" {
  description = "Manage permission sets, groups and assignments. Turn on once IAM Identity Center is enabled in the console (Phase 3); the API cannot enable an organization instance."
  type        = bool
  default     = false
}

variable "sso_create_groups" {
  description = "Create the SSO groups (Administrators, DevOps, Developers, Finance, Auditors); false looks them up (external IdP)."
  type        = bool
  default     = true
}

################################################################################
# Organization role for the CIMA linking (used by the repo root's cima.organization provider)
################################################################################

variable "organization_deploy_role_name" {
  description = "Role in the management account the deploy roles chain into to list the organization and wire member accounts (the repo root's organization_role_arn)."
  type        = string
  default     = "cima-organization-deploy"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.organization_deploy_role_name))
    error_message = "organization_deploy_role_name must be a valid IAM role name."
  }
}

variable "organization_deploy_environments" {
  description = "Environments whose deploy role (github-deploy-<env> in that account) may assume the organization role: those that link the organization (prod only, by the repo root's tfvars)."
  type        = list(string)
  default     = ["prod"]

  validation {
    condition     = alltrue([for e in var.organization_deploy_environments : contains(["dev", "staging", "uat", "prod"], e)])
    error_message = "organization_deploy_environments must be among dev, staging, uat, prod."
  }
}

variable "member_access_role_name" {
  description = "Role the organization role assumes in each member account to wire it."
  type        = string
  default     = "OrganizationAccountAccessRole"
}
