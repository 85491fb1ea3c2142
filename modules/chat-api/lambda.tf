################################################################################
# chat-query function
################################################################################

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

# Active X-Ray tracing is a cost choice behind enable_xray_tracing (PassThrough by default); access logs and JSON logs carry every request.
#trivy:ignore:AVD-AWS-0066
resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The function calls only public AWS APIs (STS, Organizations, DynamoDB, Bedrock, the member accounts' services); a VPC would add NAT cost and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile outside this module; the zip is built and uploaded by the reviewed deploy workflow.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway only; a failed request is answered with an error, there is no async event to dead-letter.
  function_name                  = local.function_name
  description                    = "CIMA chat: POST /query and GET /history"
  role                           = aws_iam_role.this.arn
  filename                       = var.lambda_zip_path
  source_code_hash               = filebase64sha256(var.lambda_zip_path)
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
        HISTORY_TABLE_NAME   = aws_dynamodb_table.history.name
        QUERY_ROLE_NAME      = var.query_role_name
        CORS_ALLOWED_ORIGINS = join(",", var.cors_allowed_origins)
        MAX_CONCURRENCY      = tostring(var.max_concurrency)
        HISTORY_TTL_DAYS     = tostring(var.history_ttl_days)
        RUST_LOG             = var.log_level
      },
      var.bedrock_model_id == null ? {} : { BEDROCK_MODEL_ID = var.bedrock_model_id },
      var.organizations_role_arn == null ? {} : { ORGANIZATIONS_ROLE_ARN = var.organizations_role_arn },
    )
  }

  tracing_config {
    mode = var.enable_xray_tracing ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}

################################################################################
# Function role
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
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = local.function_name
  description          = "CIMA chat-query: assumes ${var.query_role_name} in member accounts"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

locals {
  # A model id names a foundation model in any region; a cross-region inference profile id
  # (us./eu./apac./global. prefix) needs the profile and the model it routes to. An ARN is taken as
  # it is.
  bedrock_resources = var.bedrock_model_id == null ? [] : (
    startswith(var.bedrock_model_id, "arn:") ? [var.bedrock_model_id] : [
      "arn:${local.partition}:bedrock:*::foundation-model/${var.bedrock_model_id}",
      "arn:${local.partition}:bedrock:*::foundation-model/${replace(var.bedrock_model_id, "/^(us|eu|apac|us-gov|global)\\./", "")}",
      "arn:${local.partition}:bedrock:*:${local.account_id}:inference-profile/${var.bedrock_model_id}",
    ]
  )
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  # The role name is the whole scope: every member account's read-only role, and no other role.
  statement {
    sid       = "AssumeQueryRoles"
    actions   = ["sts:AssumeRole"]
    resources = concat(["arn:${local.partition}:iam::*:role/${var.query_role_name}"], var.organizations_role_arn == null ? [] : [var.organizations_role_arn])
  }

  statement {
    sid       = "History"
    actions   = ["dynamodb:PutItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.history.arn]
  }

  statement {
    sid       = "HistoryKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.organizations_role_arn == null ? [1] : []

    content {
      sid       = "ListAccounts"
      actions   = ["organizations:ListAccounts"]
      resources = ["*"] # ListAccounts has no resource-level permissions
    }
  }

  dynamic "statement" {
    for_each = var.bedrock_model_id == null ? [] : [1]

    content {
      sid       = "Bedrock"
      actions   = ["bedrock:InvokeModel"]
      resources = local.bedrock_resources
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

resource "aws_iam_role_policy" "this" {
  name   = "chat-query"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
