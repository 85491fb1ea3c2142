################################################################################
# General
################################################################################

variable "region" {
  description = "Region the CIMA stack of this environment is deployed to (scopes the deploy policies)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "project" {
  description = "Project name: state bucket and key alias prefix (<project>-<environment>) and the Project tag."
  type        = string
  default     = "cima"
}

variable "environment" {
  description = "The GitHub environment and account: dev, staging, uat or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "uat", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, uat, prod."
  }
}

variable "tags" {
  description = "Extra default tags for every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# GitHub and the deploy role
################################################################################

variable "github_owner" {
  description = "GitHub organization owning the repository."
  type        = string
}

variable "github_repository" {
  description = "Repository whose deploy workflow assumes the role."
  type        = string
  default     = "terraform-provider-cima"
}

variable "resource_prefix" {
  description = "Name prefix of the CIMA stack's resources the role may manage (the modules' defaults: cima, cima-chat, cima-cases)."
  type        = string
  default     = "cima"
}

variable "glue_databases" {
  description = "Glue databases outside resource_prefix the role may manage (cima-central's seed-compatible default)."
  type        = list(string)
  default     = ["heididatacollectiondb"]
}

variable "state_key_prefix" {
  description = "Prefix of the state keys the role may read and write in the account's state bucket: the repo root's backend key must start with it; bootstrap states stay out of reach."
  type        = string
  default     = "cima/"
}

variable "lock_table_name" {
  description = "The account's DynamoDB lock table (bootstrap/account-bootstrap output lock_table_name) when the backend locks with it; null: the S3 lock file (use_lockfile)."
  type        = string
  default     = null
}

variable "organization_role_arn" {
  description = "The management account's organization role (bootstrap output organization_deploy_role_arn) the deploy role may chain into; set for the environment that links the organization (prod)."
  type        = string
  default     = null
}

variable "max_session_duration" {
  description = "Deploy role maximum session, seconds."
  type        = number
  default     = 3600
}
