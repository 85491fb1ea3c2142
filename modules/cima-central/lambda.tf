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
# Enricher function
################################################################################

resource "aws_cloudwatch_log_group" "enricher" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

# Active X-Ray tracing is a cost choice behind enable_xray_tracing (PassThrough by default); structured JSON logs carry every event.
#trivy:ignore:AVD-AWS-0066
resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The enricher calls only public AWS APIs (STS, Support, EventBridge, Organizations); a VPC would add NAT cost and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile outside this module; the zip is built and uploaded by the reviewed deploy workflow.
  function_name                  = local.function_name
  description                    = "CIMA case enricher: aws.support case events and cima.backfill requests -> ${var.enriched_source} events"
  role                           = aws_iam_role.enricher.arn
  filename                       = var.enricher_zip_path
  source_code_hash               = filebase64sha256(var.enricher_zip_path)
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = var.architectures
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = merge(
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

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  tracing_config {
    mode = var.enable_xray_tracing ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.enricher.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.enricher]
}

################################################################################
# Enricher role
################################################################################

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "enricher" {
  name                 = "${var.name_prefix}-case-enricher"
  description          = "CIMA case enricher: assumes ${var.case_reader_role_name} in linked accounts"
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "enricher" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.enricher.arn}:*"]
  }

  # The role name is the whole scope: every linked account's case-reader role, and no other role.
  statement {
    sid       = "AssumeCaseReaderRoles"
    actions   = ["sts:AssumeRole"]
    resources = concat(["arn:${local.partition}:iam::*:role/${var.case_reader_role_name}"], var.organizations_role_arn == null ? [] : [var.organizations_role_arn])
  }

  # Backfill continuations go to the central bus; enriched events go to a case account's default
  # bus in us-east-1 (with the case-reader role's credentials; this statement covers the central
  # account's own cases too).
  statement {
    sid       = "PutEvents"
    actions   = ["events:PutEvents"]
    resources = [local.bus_arn, "arn:${local.partition}:events:${local.support_region}:*:event-bus/default"]
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

  dynamic "statement" {
    for_each = var.enable_xray_tracing ? [1] : []

    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"] # X-Ray has no resource-level permissions
    }
  }
}

resource "aws_iam_role_policy" "enricher" {
  name   = "case-enricher"
  role   = aws_iam_role.enricher.id
  policy = data.aws_iam_policy_document.enricher.json
}
