################################################################################
# GitHub repository
################################################################################

variable "github_owner" {
  description = "GitHub organization or user owning the repository."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$", var.github_owner))
    error_message = "github_owner must be a GitHub organization or user name."
  }
}

variable "github_repository" {
  description = "Repository name (without the owner)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be a repository name such as terraform-provider-cima."
  }
}

################################################################################
# OIDC provider
################################################################################

variable "create_oidc_provider" {
  description = "Create the token.actions.githubusercontent.com OIDC provider. False uses var.oidc_provider_arn (one provider per account)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider, used when create_oidc_provider is false."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be the ARN of a token.actions.githubusercontent.com OIDC provider."
  }
}

variable "thumbprint_list" {
  description = "Server certificate thumbprints. AWS no longer checks them for this provider; older hashicorp/aws releases required at least one (then pass the published GitHub thumbprints). Empty lets AWS fill them."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.thumbprint_list : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "Each thumbprint must be 40 hexadecimal characters."
  }
}

################################################################################
# Deploy roles
################################################################################

variable "environments" {
  description = "One deploy role per environment (dev, staging, uat, prod), trusted only for repo:<owner>/<repo>:environment:<env>. resource_prefix scopes what the role may manage (the CIMA stack's names start with it); glue_databases names Glue databases outside that prefix (the seed-compatible heididatacollectiondb); assumable_role_arns lists roles the deploy may chain into (the management account's organization role used for linking)."
  type = map(object({
    resource_prefix         = string
    state_bucket_name       = string
    state_key_prefix        = optional(string, "")
    state_kms_key_arn       = optional(string)
    lock_table_name         = optional(string)
    role_name               = optional(string)
    member_access_role_name = optional(string, "OrganizationAccountAccessRole")
    glue_databases          = optional(list(string), [])
    assumable_role_arns     = optional(list(string), [])
  }))

  validation {
    condition     = length(var.environments) > 0 && alltrue([for env in keys(var.environments) : contains(["dev", "staging", "uat", "prod"], env)])
    error_message = "environments keys must be among dev, staging, uat, prod (at least one)."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : can(regex("^[a-z][a-z0-9-]{1,30}$", e.resource_prefix))])
    error_message = "resource_prefix must be 2-31 lowercase letters, digits or hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", e.state_bucket_name))])
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : e.state_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", e.state_kms_key_arn))])
    error_message = "state_kms_key_arn must be a KMS key ARN."
  }

  validation {
    condition     = alltrue(flatten([for e in values(var.environments) : [for r in e.assumable_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", r))]]))
    error_message = "assumable_role_arns must be IAM role ARNs."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : e.role_name == null || can(regex("^[\\w+=,.@-]{1,64}$", e.role_name))])
    error_message = "role_name must be a valid IAM role name."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of the deploy roles, in seconds (3600-43200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a managed policy set as the permissions boundary of every deploy role. Null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
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
