locals {
  exempt_role_arns     = [for r in var.scp_exempt_role_names : "arn:${local.partition}:iam::*:role/${r}"]
  mfa_exempt_role_arns = concat(local.exempt_role_arns, [for r in var.mfa_exempt_role_names : "arn:${local.partition}:iam::*:role/${r}"])

  # Actions of global services (or global endpoints) that must keep working whatever region a
  # request names: they are served from us-east-1 or have no region.
  region_exempt_actions = [
    "a4b:*", "acm:*", "account:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*",
    "budgets:*", "ce:*", "chime:*", "cloudfront:*", "config:*", "cur:*", "directconnect:*",
    "ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*",
    "globalaccelerator:*", "health:*", "iam:*", "importexport:*", "kms:*", "networkmanager:*",
    "organizations:*", "pricing:*", "route53:*", "route53domains:*", "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*", "shield:*",
    "sso:*", "sts:*", "support:*", "supportapp:*", "trustedadvisor:*", "waf-regional:*", "waf:*",
    "wafv2:*", "wellarchitected:*",
  ]

  scp_documents = merge(
    {
      deny_leave_organization   = data.aws_iam_policy_document.deny_leave_organization.json
      deny_root_user            = data.aws_iam_policy_document.deny_root_user.json
      protect_security_services = data.aws_iam_policy_document.protect_security_services.json
      require_mfa_production    = data.aws_iam_policy_document.require_mfa_production.json
    },
    length(var.allowed_regions) > 0 ? { region_restriction = data.aws_iam_policy_document.region_restriction.json } : {},
  )

  scp_descriptions = {
    deny_leave_organization   = "Member accounts cannot leave the organization."
    deny_root_user            = "The root user of member accounts can do nothing."
    protect_security_services = "CloudTrail, GuardDuty and Config cannot be stopped or deleted."
    region_restriction        = "Only the allowed regions can be used (global services exempt)."
    require_mfa_production    = "Destructive actions in production need MFA (exempt automation roles aside)."
  }

  # One attachment per (OU, policy) pair; region_restriction drops out while it is not created.
  scp_attachments = merge([
    for ou, policies in var.scp_attachments : {
      for p in policies : "${ou}/${p}" => { ou = ou, policy = p } if contains(keys(local.scp_documents), p)
    }
  ]...)

  tag_policy_target_ous = var.tag_policy_target_ous == null ? keys(var.organizational_units) : var.tag_policy_target_ous

  tag_policy_content = jsonencode({
    tags = {
      for key, rule in var.tag_policy : lower(replace(key, "/[^A-Za-z0-9]/", "_")) => merge(
        { tag_key = { "@@assign" = key } },
        length(rule.values) > 0 ? { tag_value = { "@@assign" = rule.values } } : {},
        length(rule.enforced_for) > 0 ? { enforced_for = { "@@assign" = rule.enforced_for } } : {},
      )
    }
  })
}

################################################################################
# Service control policy documents
################################################################################

data "aws_iam_policy_document" "deny_leave_organization" {
  statement {
    sid       = "DenyLeaveOrganization"
    effect    = "Deny"
    actions   = ["organizations:LeaveOrganization"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "deny_root_user" {
  statement {
    sid       = "DenyRootUser"
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:${local.partition}:iam::*:root"]
    }
  }
}

data "aws_iam_policy_document" "protect_security_services" {
  statement {
    sid    = "ProtectCloudTrailGuardDutyConfig"
    effect = "Deny"
    actions = [
      "cloudtrail:DeleteTrail",
      "cloudtrail:PutEventSelectors",
      "cloudtrail:StopLogging",
      "cloudtrail:UpdateTrail",
      "config:DeleteConfigRule",
      "config:DeleteConfigurationRecorder",
      "config:DeleteDeliveryChannel",
      "config:StopConfigurationRecorder",
      "guardduty:CreateFilter",
      "guardduty:DeleteDetector",
      "guardduty:DeleteMembers",
      "guardduty:DisassociateFromAdministratorAccount",
      "guardduty:DisassociateFromMasterAccount",
      "guardduty:StopMonitoringMembers",
      "guardduty:UpdateDetector",
    ]
    resources = ["*"]

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.exempt_role_arns
    }
  }
}

data "aws_iam_policy_document" "region_restriction" {
  statement {
    sid         = "DenyOutsideAllowedRegions"
    effect      = "Deny"
    not_actions = local.region_exempt_actions
    resources   = ["*"]

    condition {
      test     = "StringNotEquals"
      variable = "aws:RequestedRegion"
      values   = var.allowed_regions
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.exempt_role_arns
    }
  }
}

data "aws_iam_policy_document" "require_mfa_production" {
  statement {
    sid       = "DenyDestructiveWithoutMfa"
    effect    = "Deny"
    actions   = var.mfa_protected_actions
    resources = ["*"]

    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.mfa_exempt_role_arns
    }
  }
}

################################################################################
# Service control policies and attachments
################################################################################

resource "aws_organizations_policy" "scp" {
  for_each = local.scp_documents

  name        = each.key
  description = local.scp_descriptions[each.key]
  type        = "SERVICE_CONTROL_POLICY"
  content     = each.value
  tags        = var.tags

  # SCP types can only be used once the organization has them enabled.
  depends_on = [aws_organizations_organization.this]
}

resource "aws_organizations_policy_attachment" "scp" {
  for_each = local.scp_attachments

  policy_id = aws_organizations_policy.scp[each.value.policy].id
  target_id = aws_organizations_organizational_unit.this[each.value.ou].id
}

################################################################################
# Tag policy
################################################################################

resource "aws_organizations_policy" "tag" {
  count = var.enable_tag_policy ? 1 : 0

  name        = "tag-policy"
  description = "Tag keys and allowed values for every account."
  type        = "TAG_POLICY"
  content     = local.tag_policy_content
  tags        = var.tags

  depends_on = [aws_organizations_organization.this]
}

resource "aws_organizations_policy_attachment" "tag" {
  for_each = var.enable_tag_policy ? toset(local.tag_policy_target_ous) : toset([])

  policy_id = aws_organizations_policy.tag[0].id
  target_id = aws_organizations_organizational_unit.this[each.key].id
}
