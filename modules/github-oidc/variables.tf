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
  description = "One deploy (apply) role per environment (dev, staging, uat, prod), trusted only for repo:<owner>/<repo>:environment:<env>, and unless create_plan_role is false one plan role trusted only for repo:<owner>/<repo>:pull_request. resource_prefix scopes what the deploy role may manage (the CIMA stack's names start with it); glue_databases names Glue databases outside that prefix (the seed-compatible heididatacollectiondb); assumable_role_arns lists roles the deploy may chain into (the management account's organization role used for linking). lock_table_name null means the backend locks with an S3 lock file (use_lockfile). plan_object_read_arns lists S3 object ARNs (patterns) the plan role may read besides the state (objects the root manages, e.g. the console's assets, which a refresh reads). protected_kms_key_arns lists keys of the account that carry the project tag but are not the deploy's (the account baseline's): the deploy role may not manage them (policy, deletion, grants, tags, aliases), like the state key. protected_kms_aliases names aliases (without alias/) the deploy role may not create, re-point or delete although they match resource_prefix (the baseline's); aliases containing tfstate always are."
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
    create_plan_role        = optional(bool, true)
    plan_role_name          = optional(string)
    plan_object_read_arns   = optional(list(string), [])
    protected_kms_key_arns  = optional(list(string), [])
    protected_kms_aliases   = optional(list(string), [])
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

  validation {
    condition     = alltrue([for e in values(var.environments) : e.plan_role_name == null || can(regex("^[\\w+=,.@-]{1,64}$", e.plan_role_name))])
    error_message = "plan_role_name must be a valid IAM role name."
  }

  validation {
    condition     = alltrue(flatten([for e in values(var.environments) : [for a in e.plan_object_read_arns : can(regex("^arn:aws[a-z-]*:s3:::[^/]+/.+$", a))]]))
    error_message = "plan_object_read_arns must be S3 object ARNs (arn:aws:s3:::bucket/key, wildcards allowed)."
  }

  validation {
    condition     = alltrue(flatten([for e in values(var.environments) : [for k in e.protected_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", k))]]))
    error_message = "protected_kms_key_arns must be KMS key ARNs."
  }

  validation {
    condition     = alltrue(flatten([for e in values(var.environments) : [for a in e.protected_kms_aliases : can(regex("^[A-Za-z0-9/_-]{1,250}$", a)) && !startswith(a, "alias/")]]))
    error_message = "protected_kms_aliases must be alias names without the alias/ prefix."
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

variable "workload_boundary_name" {
  description = "Name of the managed policy this module creates as the permissions boundary of every role the deploy roles create: they may create or change a role only with this boundary, and neither remove it nor edit the policy."
  type        = string
  default     = "cima-workload-boundary"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,128}$", var.workload_boundary_name))
    error_message = "workload_boundary_name must be a valid IAM policy name."
  }
}

variable "project_tag" {
  description = "The tag that marks the project's KMS keys: the deploy role creates keys only with it and manages or uses only keys that carry it (the repo root's provider default_tags set Project = cima)."
  type = object({
    key   = string
    value = string
  })
  default = {
    key   = "Project"
    value = "cima"
  }

  validation {
    condition     = length(var.project_tag.key) > 0 && length(var.project_tag.value) > 0 && !startswith(lower(var.project_tag.key), "aws:")
    error_message = "project_tag needs a non-empty key (not aws:...) and value."
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
