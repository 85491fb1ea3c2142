################################################################################
# console-api function and role
################################################################################

locals {
  # console-api's contract: exactly these variables.
  function_environment = merge(
    {
      ATHENA_WORKGROUP         = var.athena_workgroup_name
      GLUE_DATABASE            = var.glue_database_name
      CASES_TABLE              = var.cases_table
      ACCOUNTS_TABLE           = var.accounts_table
      CACHE_TTL_SECONDS        = tostring(var.cache_ttl_seconds)
      FIRST_RESPONSE_TARGETS   = jsonencode(var.first_response_target_minutes)
      MAX_ACCOUNTS_PER_REQUEST = tostring(var.max_accounts_per_request)
    },
    length(var.group_ous) == 0 ? {} : { GROUP_OUS = jsonencode(var.group_ous) },
  )

  workgroup_arn = "arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/${var.athena_workgroup_name}"
  glue_arn      = "arn:${local.partition}:glue:${local.region}:${local.account_id}"
  read_prefixes = [var.data_prefix, var.inventory_prefix]
}

module "function" {
  source = "../lambda-function"

  function_name                  = local.function_name
  description                    = "CIMA console: GET /cases/summary, /cases and /cases/{caseId} over Athena"
  zip_path                       = var.lambda_zip_path
  architectures                  = var.architectures
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  environment_variables          = local.function_environment
  enable_xray_tracing            = var.enable_xray_tracing
  log_retention_days             = var.log_retention_days
  role_description               = "CIMA console-api: queries ${var.glue_database_name} in Athena workgroup ${var.athena_workgroup_name}"
  role_policy_name               = "console-api"
  policy_json                    = data.aws_iam_policy_document.function.json
  permissions_boundary_arn       = var.permissions_boundary_arn
  tags                           = var.tags
}

# console-api's own permissions, each on the one workgroup, database, tables, prefixes and key it
# uses; modules/lambda-function adds its logs and X-Ray.
data "aws_iam_policy_document" "function" {
  statement {
    sid = "Athena"
    actions = [
      "athena:StartQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StopQueryExecution",
    ]
    resources = [local.workgroup_arn]
  }

  statement {
    sid     = "GlueCatalog"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"]
    resources = [
      "${local.glue_arn}:catalog",
      "${local.glue_arn}:database/${var.glue_database_name}",
      "${local.glue_arn}:table/${var.glue_database_name}/${var.cases_table}",
      "${local.glue_arn}:table/${var.glue_database_name}/${var.accounts_table}",
    ]
  }

  statement {
    sid       = "ReadCaseData"
    actions   = ["s3:GetObject"]
    resources = [for p in local.read_prefixes : "${var.data_bucket_arn}/${p}/*"]
  }

  statement {
    sid       = "ListCaseData"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = flatten([for p in local.read_prefixes : [p, "${p}/*"]])
    }
  }

  statement {
    sid       = "AthenaResults"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${var.data_bucket_arn}/${var.athena_results_prefix}/*"]
  }

  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.data_bucket_arn]
  }

  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

################################################################################
# Routes on the existing HTTP API, behind its JWT authorizer
################################################################################

locals {
  # Route key => the permission's statement id and the execute-api path (after the stage) that
  # may invoke the function for it.
  routes = {
    "GET /cases/summary"  = { sid = "AllowConsoleCasesSummary", path = "GET/cases/summary" }
    "GET /cases"          = { sid = "AllowConsoleCases", path = "GET/cases" }
    "GET /cases/{caseId}" = { sid = "AllowConsoleCase", path = "GET/cases/*" }
  }
}

resource "aws_apigatewayv2_integration" "this" {
  api_id                 = var.api_id
  description            = "CIMA console-api"
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.function.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "this" {
  for_each = local.routes

  api_id             = var.api_id
  route_key          = each.key
  authorization_type = "JWT"
  authorizer_id      = var.authorizer_id
  target             = "integrations/${aws_apigatewayv2_integration.this.id}"
}

resource "aws_lambda_permission" "api" {
  for_each = local.routes

  statement_id  = each.value.sid
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${var.api_execution_arn}/*/${each.value.path}"
}
