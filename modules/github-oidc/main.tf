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
      role_name = coalesce(cfg.role_name, "github-deploy-${env}")
      subject   = "repo:${var.github_owner}/${var.github_repository}:environment:${env}"
    })
  }
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
