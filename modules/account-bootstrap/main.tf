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

module "kms" {
  source = "../kms-key"

  description             = "${var.name_prefix}: CloudTrail, alerts topic, lock table and ECR encryption"
  alias                   = var.name_prefix
  deletion_window_in_days = var.kms_deletion_window_in_days

  service_statements = [
    {
      sid      = "CloudTrailEncryptLogs"
      actions  = ["kms:GenerateDataKey*"]
      services = ["cloudtrail.amazonaws.com"]
      conditions = [
        { test = "StringLike", variable = "kms:EncryptionContext:aws:cloudtrail:arn", values = ["arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*"] },
        { test = "StringEquals", variable = "aws:SourceArn", values = [local.cloudtrail_arn] },
      ]
    },
    {
      sid      = "CloudTrailDescribeKey"
      actions  = ["kms:DescribeKey"]
      services = ["cloudtrail.amazonaws.com"]
      conditions = [
        { test = "StringEquals", variable = "aws:SourceArn", values = [local.cloudtrail_arn] },
      ]
    },
    # Budgets, CloudWatch alarms and EventBridge publish to the encrypted alerts topic.
    {
      sid      = "AlertPublishers"
      actions  = ["kms:Decrypt", "kms:GenerateDataKey*"]
      services = ["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"]
      conditions = [
        { test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] },
      ]
    },
  ]

  tags = var.tags
}

# The state key's policy is the account's IAM policies alone.
module "state_kms" {
  source = "../kms-key"

  description             = "${var.name_prefix}: Terraform state bucket encryption"
  alias                   = "${var.name_prefix}-tfstate"
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = var.tags
}

# Both keys and their aliases lived in this module before modules/kms-key: moved, never replaced.
moved {
  from = aws_kms_key.this
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.kms.aws_kms_alias.this
}

moved {
  from = aws_kms_key.state
  to   = module.state_kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.state
  to   = module.state_kms.aws_kms_alias.this
}
