data "aws_partition" "current" {}

data "aws_ssoadmin_instances" "this" {
  count = var.instance_arn == null || var.identity_store_id == null ? 1 : 0
}

locals {
  partition         = data.aws_partition.current.partition
  instance_arn      = var.instance_arn != null ? var.instance_arn : one(data.aws_ssoadmin_instances.this[0].arns)
  identity_store_id = var.identity_store_id != null ? var.identity_store_id : one(data.aws_ssoadmin_instances.this[0].identity_store_ids)

  managed = "arn:${local.partition}:iam::aws:policy"

  state_bucket_arn_patterns = var.state_bucket_arn_patterns != null ? var.state_bucket_arn_patterns : ["arn:${local.partition}:s3:::*-tfstate-*"]

  permission_sets = {
    admin = {
      description      = "Full administration."
      session_duration = "PT1H"
      managed_policies = ["${local.managed}/AdministratorAccess"]
      inline_policy    = null
    }
    devops = {
      description      = "Deploy only: read everything, run Terraform against the state buckets, assume the CI deploy roles."
      session_duration = "PT4H"
      managed_policies = ["${local.managed}/ReadOnlyAccess"]
      inline_policy    = data.aws_iam_policy_document.devops.json
    }
    developer = {
      description      = "Build and debug in non-production accounts; never assignable to production."
      session_duration = "PT8H"
      managed_policies = ["${local.managed}/PowerUserAccess"]
      inline_policy    = null
    }
    finance = {
      description      = "Billing, budgets and cost analysis only."
      session_duration = "PT4H"
      managed_policies = ["${local.managed}/job-function/Billing", "${local.managed}/AWSBudgetsReadOnlyAccess"]
      inline_policy    = null
    }
    auditor = {
      description      = "Read-only audit."
      session_duration = "PT4H"
      managed_policies = ["${local.managed}/SecurityAudit", "${local.managed}/job-function/ViewOnlyAccess"]
      inline_policy    = null
    }
  }

  managed_policy_attachments = merge([
    for ps, cfg in local.permission_sets : {
      for arn in cfg.managed_policies : "${ps}/${basename(arn)}" => { permission_set = ps, arn = arn }
    }
  ]...)

  group_names = toset(flatten([for a in values(var.account_assignments) : keys(a.groups)]))

  group_ids = var.create_groups ? { for name, g in aws_identitystore_group.this : name => g.group_id } : { for name, g in data.aws_identitystore_group.this : name => g.group_id }

  assignments = merge(flatten([
    for account, a in var.account_assignments : [
      for group, sets in a.groups : {
        for s in sets : "${account}/${group}/${s}" => { account_id = a.account_id, group = group, permission_set = s }
      }
    ]
  ])...)
}

################################################################################
# Permission sets
################################################################################

data "aws_iam_policy_document" "devops" {
  statement {
    sid       = "StateBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketVersioning"]
    resources = local.state_bucket_arn_patterns
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for p in local.state_bucket_arn_patterns : "${p}/*"]
  }

  statement {
    sid       = "StateLockTables"
    actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = ["arn:${local.partition}:dynamodb:*:*:table/*-tfstate-lock"]
  }

  statement {
    sid       = "AssumeDeployRoles"
    actions   = ["sts:AssumeRole"]
    resources = ["arn:${local.partition}:iam::*:role/${var.deploy_role_name_pattern}"]
  }
}

resource "aws_ssoadmin_permission_set" "this" {
  for_each = local.permission_sets

  name             = each.key
  description      = each.value.description
  instance_arn     = local.instance_arn
  session_duration = lookup(var.session_durations, each.key, each.value.session_duration)
  tags             = var.tags
}

resource "aws_ssoadmin_managed_policy_attachment" "this" {
  for_each = local.managed_policy_attachments

  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.this[each.value.permission_set].arn
  managed_policy_arn = each.value.arn
}

resource "aws_ssoadmin_permission_set_inline_policy" "this" {
  for_each = { for k, v in local.permission_sets : k => v if v.inline_policy != null }

  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.this[each.key].arn
  inline_policy      = each.value.inline_policy
}

################################################################################
# Groups
################################################################################

resource "aws_identitystore_group" "this" {
  for_each = var.create_groups ? local.group_names : toset([])

  identity_store_id = local.identity_store_id
  display_name      = each.value
  description       = "Managed by Terraform (sso module)."
}

data "aws_identitystore_group" "this" {
  for_each = var.create_groups ? toset([]) : local.group_names

  identity_store_id = local.identity_store_id

  alternate_identifier {
    unique_attribute {
      attribute_path  = "DisplayName"
      attribute_value = each.value
    }
  }
}

################################################################################
# Account assignments
################################################################################

resource "aws_ssoadmin_account_assignment" "this" {
  for_each = local.assignments

  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.this[each.value.permission_set].arn
  principal_id       = local.group_ids[each.value.group]
  principal_type     = "GROUP"
  target_id          = each.value.account_id
  target_type        = "AWS_ACCOUNT"

  # Assignments are provisioned from the permission set's policies: attach them first.
  depends_on = [
    aws_ssoadmin_managed_policy_attachment.this,
    aws_ssoadmin_permission_set_inline_policy.this,
  ]
}
