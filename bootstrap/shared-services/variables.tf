################################################################################
# General
################################################################################

variable "region" {
  description = "Region of the shared ECR repositories."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "project" {
  description = "Project name, for the Project tag."
  type        = string
  default     = "cima"
}

variable "tags" {
  description = "Extra default tags for every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# Workload accounts
################################################################################

variable "dev_account_id" {
  description = "Development account id."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.dev_account_id))
    error_message = "dev_account_id must be 12 digits."
  }
}

variable "staging_account_id" {
  description = "Staging account id."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.staging_account_id))
    error_message = "staging_account_id must be 12 digits."
  }
}

variable "uat_account_id" {
  description = "UAT account id."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.uat_account_id))
    error_message = "uat_account_id must be 12 digits."
  }
}

variable "prod_account_id" {
  description = "Production account id."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.prod_account_id))
    error_message = "prod_account_id must be 12 digits."
  }
}

################################################################################
# Shared resources
################################################################################

variable "ecr_repositories" {
  description = "ECR repositories of this account (created by bootstrap/account-bootstrap with envs/shared.tfvars) that every workload account may pull from."
  type        = list(string)
  default     = ["cima/case-enricher", "cima/chat-query"]
}

variable "domain_name" {
  description = "Public DNS zone to host in the shared-services account (the seed keeps Route 53 there). Null creates none."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a DNS name such as example.com."
  }
}
