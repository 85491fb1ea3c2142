data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  state_bucket_name      = coalesce(var.state_bucket_name, "${var.name_prefix}-tfstate-${local.account_id}")
  lock_table_name        = coalesce(var.lock_table_name, "${var.name_prefix}-tfstate-lock")
  cloudtrail_name        = "${var.name_prefix}-trail"
  cloudtrail_bucket_name = "${var.name_prefix}-cloudtrail-${local.account_id}"
  # Built from parts rather than read from the trail: the key and bucket policies need it before
  # the trail exists.
  cloudtrail_arn = "arn:${local.partition}:cloudtrail:${local.region}:${local.account_id}:trail/${local.cloudtrail_name}"

  monthly_budget_limit = var.monthly_budget_limit != null ? var.monthly_budget_limit : lookup(var.budget_limits, var.environment, null)
}

################################################################################
# KMS: one key for the account's audit and alerting resources, one for the state
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name_prefix}: CloudTrail, alerts topic, lock table and ECR encryption"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_kms_key" "state" {
  description             = "${var.name_prefix}: Terraform state bucket encryption"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms_state.json
  tags                    = var.tags
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.name_prefix}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource means this key only; administration is delegated to the account's IAM policies.
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource means this key only; write access is delegated to the account's IAM policies.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource means this key only.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudTrailEncryptLogs"
    actions   = ["kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = ["arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.cloudtrail_arn]
    }
  }

  statement {
    sid       = "CloudTrailDescribeKey"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.cloudtrail_arn]
    }
  }

  # Budgets, CloudWatch alarms and EventBridge publish to the encrypted alerts topic.
  statement {
    sid       = "AlertPublishers"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "kms_state" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource means this key only; administration is delegated to the account's IAM policies.
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource means this key only; write access is delegated to the account's IAM policies.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource means this key only.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}
