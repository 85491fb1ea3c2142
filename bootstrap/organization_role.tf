data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  organization_deploy_principals = {
    for env in var.organization_deploy_environments : env => {
      account_root = "arn:${local.partition}:iam::${module.org.account_ids[env]}:root"
      role         = "arn:${local.partition}:iam::${module.org.account_ids[env]}:role/github-deploy-${env}"
    }
  }
}

# Trusts the accounts' roots narrowed by aws:PrincipalArn: the deploy roles are created later
# (bootstrap/github-oidc) and IAM rejects a trust policy naming a role that does not exist yet.
data "aws_iam_policy_document" "organization_deploy_trust" {
  count = length(var.organization_deploy_environments) > 0 ? 1 : 0

  statement {
    sid     = "EnvironmentDeployRoles"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [for p in values(local.organization_deploy_principals) : p.account_root]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = [for p in values(local.organization_deploy_principals) : p.role]
    }
  }
}

data "aws_iam_policy_document" "organization_deploy" {
  count = length(var.organization_deploy_environments) > 0 ? 1 : 0

  #checkov:skip=CKV_AWS_356:Organizations List/Describe actions only accept "*".
  statement {
    sid = "ReadOrganization"
    actions = [
      "organizations:DescribeAccount",
      "organizations:DescribeOrganization",
      "organizations:DescribeOrganizationalUnit",
      "organizations:ListAccounts",
      "organizations:ListAccountsForParent",
      "organizations:ListChildren",
      "organizations:ListOrganizationalUnitsForParent",
      "organizations:ListParents",
      "organizations:ListRoots",
      "organizations:ListTagsForResource",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "WireMemberAccounts"
    actions   = ["sts:AssumeRole"]
    resources = ["arn:${local.partition}:iam::*:role/${var.member_access_role_name}"]
  }
}

resource "aws_iam_role" "organization_deploy" {
  count = length(var.organization_deploy_environments) > 0 ? 1 : 0

  name                 = var.organization_deploy_role_name
  description          = "CIMA linking: lists the organization and wires member accounts for the environments' deploy roles"
  assume_role_policy   = data.aws_iam_policy_document.organization_deploy_trust[0].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "organization_deploy" {
  count = length(var.organization_deploy_environments) > 0 ? 1 : 0

  name   = "organization-deploy"
  role   = aws_iam_role.organization_deploy[0].id
  policy = data.aws_iam_policy_document.organization_deploy[0].json
}
