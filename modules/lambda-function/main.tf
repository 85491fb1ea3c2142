data "aws_caller_identity" "current" {}

################################################################################
# Function
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# Active X-Ray tracing is a cost choice behind enable_xray_tracing (PassThrough by default); structured JSON logs carry every event.
#trivy:ignore:AVD-AWS-0066
resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions call only public AWS APIs (STS, Organizations, Support, EventBridge, DynamoDB, Bedrock, the member accounts' services); a VPC would add NAT cost and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile outside this module; the zip is built and uploaded by the reviewed deploy workflow.
  #checkov:skip=CKV_AWS_116:Dead-lettering is the caller's choice (dead_letter_target_arn): the case enricher sets one; chat-query is invoked synchronously by API Gateway only, with no async event to dead-letter.
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  filename                       = var.zip_path
  source_code_hash               = filebase64sha256(var.zip_path)
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = var.architectures
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = var.environment_variables
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_target_arn == null ? [] : [var.dead_letter_target_arn]

    content {
      target_arn = dead_letter_config.value
    }
  }

  tracing_config {
    mode = var.enable_xray_tracing ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  # The role may write the logs before the function's first invocation.
  depends_on = [aws_iam_role_policy.this]
}

################################################################################
# Role: Lambda of this account only; its logs, X-Ray when tracing, and the caller's statements
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.function_name
  description          = var.role_description
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "logs" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

# Source documents come first, then this document's own statements: Logs, the caller's, X-Ray.
data "aws_iam_policy_document" "this" {
  source_policy_documents = [data.aws_iam_policy_document.logs.json, var.policy_json]

  dynamic "statement" {
    for_each = var.enable_xray_tracing ? [1] : []

    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"] # X-Ray has no resource-level permissions
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = var.role_policy_name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
