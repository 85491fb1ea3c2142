locals {
  default_tags = merge(var.tags, {
    Project     = "cima"
    Environment = var.environment
    ManagedBy   = "terraform"
  })
  session_name = "terraform-cima-${var.environment}"
}

# The environment's central account, reached through its deploy role; allowed_account_ids stops a
# plan that runs with another account's credentials (a wrong tfvars/backend pairing) before it
# changes anything.
provider "aws" {
  region              = var.region
  allowed_account_ids = [var.central_account_id]

  dynamic "assume_role" {
    for_each = var.deploy_role_arn == null ? [] : [var.deploy_role_arn]

    content {
      role_arn     = assume_role.value
      session_name = local.session_name
    }
  }

  default_tags {
    tags = local.default_tags
  }
}

# The cima provider in the central account: the case pipeline (bus, rules) and the account
# inventory. The inventory reads Organizations, so the central account must be the management
# account or an Organizations delegated administrator (else set create_accounts_inventory = false).
provider "cima" {
  region          = var.region
  max_concurrency = var.cima_max_concurrency

  dynamic "assume_role" {
    for_each = var.deploy_role_arn == null ? [] : [var.deploy_role_arn]

    content {
      role_arn     = assume_role.value
      session_name = local.session_name
    }
  }
}

# The cima provider where the organization is managed: lists the accounts and assumes
# member_access_role_name into each to wire it (OrganizationAccountAccessRole trusts the management
# account). Defaults to the deploy role when organization_role_arn is null.
provider "cima" {
  alias = "organization"

  region                  = var.region
  member_access_role_name = var.member_access_role_name
  max_concurrency         = var.cima_max_concurrency

  dynamic "assume_role" {
    for_each = var.organization_role_arn == null && var.deploy_role_arn == null ? [] : [coalesce(var.organization_role_arn, var.deploy_role_arn)]

    content {
      role_arn     = assume_role.value
      session_name = local.session_name
    }
  }
}
