################################################################################
# Dead-letter queue (EventBridge targets and the enricher's async failures)
################################################################################

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name_prefix}-case-events-dlq"
  message_retention_seconds         = 1209600 # 14 days, the maximum: time to look and redrive
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

data "aws_iam_policy_document" "dlq" {
  statement {
    sid       = "EventBridgeRulesOfThisPipeline"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values = [
        "${local.rule_arn_base}/${local.enrich_rule}",
        "${local.rule_arn_base}/${local.store_rule}",
        "${local.rule_arn_base}/${local.backfill_rule}",
        "${local.rule_arn_base}/${var.bus_name}-case-alerts",
      ]
    }
  }

  # Each linked account's forwarding rule (cima_linked_account) dead-letters here too, so one
  # queue and one alarm cover every hop; only that rule, only from this organization.
  statement {
    sid       = "MemberForwardingRules"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:events:${local.region}:*:rule/${local.forward_rule}"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceOrgID"
      values   = var.organization_ids
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.url
  policy    = data.aws_iam_policy_document.dlq.json
}

################################################################################
# Enricher function and role
################################################################################

module "enricher" {
  source = "../lambda-function"

  function_name                  = local.function_name
  description                    = "CIMA case enricher: aws.support case events and cima.backfill requests -> ${var.enriched_source} events"
  zip_path                       = var.enricher_zip_path
  architectures                  = var.architectures
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = local.kms_key_arn
  environment_variables          = local.enricher_environment
  dead_letter_target_arn         = aws_sqs_queue.dlq.arn
  enable_xray_tracing            = var.enable_xray_tracing
  log_retention_days             = var.log_retention_days
  role_description               = "CIMA case enricher: assumes ${var.case_reader_role_name} in linked accounts"
  role_policy_name               = "case-enricher"
  policy_json                    = data.aws_iam_policy_document.enricher.json
  permissions_boundary_arn       = var.permissions_boundary_arn
  tags                           = var.tags
}

# These lived in this module before modules/lambda-function: moved, never replaced.
moved {
  from = aws_cloudwatch_log_group.enricher
  to   = module.enricher.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.this
  to   = module.enricher.aws_lambda_function.this
}

moved {
  from = aws_iam_role.enricher
  to   = module.enricher.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.enricher
  to   = module.enricher.aws_iam_role_policy.this
}

locals {
  # The enricher's contract (lambdas/case-enricher/README.md).
  enricher_environment = merge(
    {
      CASE_READER_ROLE_NAME    = var.case_reader_role_name
      ENRICHED_SOURCE          = var.enriched_source
      ENRICHED_DETAIL_TYPE     = var.enriched_detail_type
      CENTRAL_BUS_NAME         = var.bus_name
      MAX_CASES_PER_INVOCATION = tostring(var.max_cases_per_invocation)
      RUST_LOG                 = var.log_level
    },
    var.organizations_role_arn == null ? {} : { ORGANIZATIONS_ROLE_ARN = var.organizations_role_arn },
  )
}

# The enricher's own permissions; modules/lambda-function adds its logs and X-Ray.
data "aws_iam_policy_document" "enricher" {
  # The role name is the whole scope: every linked account's case-reader role, and no other role.
  statement {
    sid       = "AssumeCaseReaderRoles"
    actions   = ["sts:AssumeRole"]
    resources = concat(["arn:${local.partition}:iam::*:role/${var.case_reader_role_name}"], var.organizations_role_arn == null ? [] : [var.organizations_role_arn])
  }

  # Enriched cases and backfill continuations go to the central bus, and nowhere else: the store's
  # rule admits only events this account put there.
  statement {
    sid       = "PutEvents"
    actions   = ["events:PutEvents"]
    resources = [local.bus_arn]
  }

  statement {
    sid       = "DeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    sid       = "DeadLetterQueueKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.organizations_role_arn == null ? var.organization_ids : []

    content {
      sid       = "DescribeAccounts${replace(statement.value, "-", "")}"
      actions   = ["organizations:DescribeAccount"]
      resources = ["arn:${local.partition}:organizations::*:account/${statement.value}/*"]
    }
  }
}
