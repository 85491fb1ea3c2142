data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.this[0].arn : var.oidc_provider_arn

  roles = {
    for env, cfg in var.environments : env => merge(cfg, {
      role_name      = coalesce(cfg.role_name, "github-deploy-${env}")
      plan_role_name = coalesce(cfg.plan_role_name, "github-plan-${env}")
      subject        = "repo:${var.github_owner}/${var.github_repository}:environment:${env}"
    })
  }

  # Pull-request jobs run the pull request's code: they get the plan role, never a deploy role.
  # GitHub gives every pull_request job of the repository this one subject (forks get no token).
  plan_subject = "repo:${var.github_owner}/${var.github_repository}:pull_request"
  plan_roles   = { for env, r in local.roles : env => r if r.create_plan_role }

  # Built from names, not resource attributes: the deploy policies that deny changes to these are
  # attached to the same roles.
  role_arn_prefix   = "arn:${local.partition}:iam::${local.account_id}:role/"
  policy_arn_prefix = "arn:${local.partition}:iam::${local.account_id}:policy/"
  boundary_arn      = "${local.policy_arn_prefix}${var.workload_boundary_name}"
  own_role_arns     = concat([for r in local.roles : "${local.role_arn_prefix}${r.role_name}"], [for r in local.plan_roles : "${local.role_arn_prefix}${r.plan_role_name}"])
  own_policy_arns   = concat([for r in local.roles : "${local.policy_arn_prefix}${r.role_name}-*"], [for r in local.plan_roles : "${local.policy_arn_prefix}${r.plan_role_name}-*"])
}

################################################################################
# OIDC provider
################################################################################

resource "aws_iam_openid_connect_provider" "this" {
  count = var.create_oidc_provider ? 1 : 0

  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = length(var.thumbprint_list) > 0 ? var.thumbprint_list : null
  tags            = var.tags

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider || var.oidc_provider_arn != null
      error_message = "Set oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

################################################################################
# Deploy roles
################################################################################

data "aws_iam_policy_document" "trust" {
  for_each = local.roles

  statement {
    sid     = "GitHubEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Exact subject: only jobs that declare this GitHub environment (and so pass its protection
    # rules) of this one repository get the role; no wildcard.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [each.value.subject]
    }
  }

  # The repo root's providers assume deploy_role_arn even when CI already runs as that role; IAM
  # needs the role to trust itself for that. Named through the account root plus aws:PrincipalArn
  # because a role cannot name itself as a principal before it exists.
  statement {
    sid     = "SelfAssumeForProviderChaining"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = ["arn:${local.partition}:iam::${local.account_id}:role/${each.value.role_name}"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name                 = each.value.role_name
  description          = "GitHub Actions deploy role for ${each.value.subject}"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = local.oidc_provider_arn != null
      error_message = "Set oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

resource "aws_iam_policy" "deploy" {
  for_each = local.deploy_policies

  name        = "${local.roles[each.value.env].role_name}-${each.value.part}"
  description = "GitHub deploy (${each.value.env}): ${each.value.part}"
  policy      = each.value.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each = local.deploy_policies

  role       = aws_iam_role.this[each.value.env].name
  policy_arn = aws_iam_policy.deploy[each.key].arn
}

################################################################################
# Plan roles (pull requests): read-only, plus the state's read and lock
################################################################################

data "aws_iam_policy_document" "plan_trust" {
  for_each = local.plan_roles

  statement {
    sid     = "GitHubPullRequest"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [local.plan_subject]
    }
  }

  # The plan job passes this role as the root's deploy_role_arn, which its providers re-assume.
  statement {
    sid     = "SelfAssumeForProviderChaining"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = ["${local.role_arn_prefix}${each.value.plan_role_name}"]
    }
  }
}

resource "aws_iam_role" "plan" {
  for_each = local.plan_roles

  name                 = each.value.plan_role_name
  description          = "GitHub Actions plan role (${each.key}) for ${local.plan_subject}"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust[each.key].json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = local.oidc_provider_arn != null
      error_message = "Set oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

resource "aws_iam_policy" "plan" {
  for_each = local.plan_roles

  name        = "${each.value.plan_role_name}-state"
  description = "GitHub plan (${each.key}): state read and lock"
  policy      = data.aws_iam_policy_document.plan_state[each.key].minified_json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "plan_state" {
  for_each = local.plan_roles

  role       = aws_iam_role.plan[each.key].name
  policy_arn = aws_iam_policy.plan[each.key].arn
}

# The deploy role's read policy: Describe/Get/List of the stack's services, no data.
resource "aws_iam_role_policy_attachment" "plan_read" {
  for_each = local.plan_roles

  role       = aws_iam_role.plan[each.key].name
  policy_arn = aws_iam_policy.deploy["${each.key}/read"].arn
}

################################################################################
# Permissions boundary of every role the deploy roles create
################################################################################

resource "aws_iam_policy" "workload_boundary" {
  name        = var.workload_boundary_name
  description = "Permissions boundary of the roles GitHub deploys create: the workloads' services, never IAM"
  policy      = data.aws_iam_policy_document.workload_boundary.minified_json
  tags        = var.tags
}
