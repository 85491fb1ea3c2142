################################################################################
# chat-query function and role
################################################################################

module "function" {
  source = "../lambda-function"

  function_name                  = local.function_name
  description                    = "CIMA chat: POST /query and GET /history"
  zip_path                       = var.lambda_zip_path
  architectures                  = var.architectures
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = local.kms_key_arn
  environment_variables          = local.function_environment
  enable_xray_tracing            = var.enable_xray_tracing
  log_retention_days             = var.log_retention_days
  role_description               = "CIMA chat-query: assumes ${var.query_role_name} in member accounts"
  role_policy_name               = "chat-query"
  policy_json                    = data.aws_iam_policy_document.this.json
  permissions_boundary_arn       = var.permissions_boundary_arn
  tags                           = var.tags
}

# These lived in this module before modules/lambda-function: moved, never replaced.
moved {
  from = aws_cloudwatch_log_group.function
  to   = module.function.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.this
  to   = module.function.aws_lambda_function.this
}

moved {
  from = aws_iam_role.this
  to   = module.function.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.this
  to   = module.function.aws_iam_role_policy.this
}

locals {
  # chat-query's contract (lambdas/chat-query/README.md).
  function_environment = merge(
    {
      HISTORY_TABLE_NAME       = aws_dynamodb_table.history.name
      QUERY_ROLE_NAME          = var.query_role_name
      CORS_ALLOWED_ORIGINS     = join(",", var.cors_allowed_origins)
      MAX_CONCURRENCY          = tostring(var.max_concurrency)
      ACCOUNT_DEADLINE_SECONDS = tostring(var.account_deadline_seconds)
      HISTORY_TTL_DAYS         = tostring(var.history_ttl_days)
      MAX_ACCOUNTS_PER_REQUEST = tostring(var.max_accounts_per_request)
      RUST_LOG                 = var.log_level
    },
    length(var.group_ous) == 0 ? {} : { GROUP_OUS = jsonencode(var.group_ous) },
    var.bedrock_model_id == null ? {} : { BEDROCK_MODEL_ID = var.bedrock_model_id },
    var.organizations_role_arn == null ? {} : { ORGANIZATIONS_ROLE_ARN = var.organizations_role_arn },
  )
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

# chat-query's own permissions; modules/lambda-function adds its logs and X-Ray.
data "aws_iam_policy_document" "this" {
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

  # The same account reads the organization's spend: Cost Explorer in the management account
  # sees every member's (with an organizations role, that role needs ce:GetCostAndUsage too).
  dynamic "statement" {
    for_each = var.organizations_role_arn == null ? [1] : []

    content {
      sid       = "Spend"
      actions   = ["ce:GetCostAndUsage"]
      resources = ["*"] # GetCostAndUsage has no resource-level permissions
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
}
