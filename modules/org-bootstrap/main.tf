data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition

  service_access_principals = distinct(concat([
    "account.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "member.org.stacksets.cloudformation.amazonaws.com",
    "sso.amazonaws.com",
  ], var.additional_service_access_principals))
}

################################################################################
# Organization
################################################################################

resource "aws_organizations_organization" "this" {
  feature_set                   = "ALL"
  aws_service_access_principals = local.service_access_principals
  enabled_policy_types          = ["SERVICE_CONTROL_POLICY", "TAG_POLICY"]
}

################################################################################
# Organizational units
################################################################################

resource "aws_organizations_organizational_unit" "this" {
  for_each = var.organizational_units

  name      = each.key
  parent_id = aws_organizations_organization.this.roots[0].id
  tags      = merge(var.tags, each.value.tags)
}

################################################################################
# Accounts
################################################################################

resource "aws_organizations_account" "this" {
  for_each = var.accounts

  name                       = each.value.name
  email                      = each.value.email
  parent_id                  = try(aws_organizations_organizational_unit.this[each.value.ou].id, null)
  role_name                  = each.value.role_name
  iam_user_access_to_billing = each.value.iam_user_access_to_billing
  # Closing an account is a 90-day, mostly irreversible process: a destroy only removes it from state
  # management, never closes it.
  close_on_deletion = false
  tags              = merge(var.tags, each.value.tags)

  lifecycle {
    # AWS does not return role_name or iam_user_access_to_billing after creation; without this every
    # import or refresh would plan a replacement of the account.
    ignore_changes = [role_name, iam_user_access_to_billing]

    precondition {
      condition     = contains(keys(var.organizational_units), each.value.ou)
      error_message = "Account ${each.key}: ou \"${each.value.ou}\" is not a key of var.organizational_units."
    }
  }
}
