locals {
  name_prefix = "${var.name_prefix}-${var.environment}"

  # Relative zip paths are relative to this directory, where `cargo xtask lambdas` writes target/.
  enricher_zip_path    = startswith(var.enricher_zip_path, "/") ? var.enricher_zip_path : "${path.root}/${var.enricher_zip_path}"
  chat_query_zip_path  = startswith(var.chat_query_zip_path, "/") ? var.chat_query_zip_path : "${path.root}/${var.chat_query_zip_path}"
  console_api_zip_path = startswith(var.console_api_zip_path, "/") ? var.console_api_zip_path : "${path.root}/${var.console_api_zip_path}"

  # The console uses the chat API's user pool, HTTP API and authorizer, so it needs the chat API.
  # The API then answers the console's origin (and the further origins given) and accepts the
  # console's tokens. Only the console's routes and client depend on the API, never its
  # distribution, so this stays acyclic.
  enable_console            = var.enable_console && var.enable_chat_api
  chat_cors_allowed_origins = concat(local.enable_console ? [module.console[0].origin] : [], var.chat_allowed_origins)
  chat_extra_jwt_audiences  = local.enable_console ? [module.console[0].client_id] : []
}

################################################################################
# Central account: bus, enricher, Firehose -> S3, Glue/Athena, inventory, alarms
################################################################################

module "cima_central" {
  source = "./modules/cima-central"

  name_prefix      = local.name_prefix
  organization_ids = [var.organization_id]
  bus_name         = "${local.name_prefix}-cases"

  enricher_zip_path              = local.enricher_zip_path
  architectures                  = var.lambda_architectures
  reserved_concurrent_executions = var.enricher_reserved_concurrency
  case_reader_role_name          = var.case_reader_role_name
  organizations_role_arn         = var.organizations_reader_role_arn
  enable_xray_tracing            = var.enable_xray_tracing
  log_level                      = var.lambda_log_level
  log_retention_days             = var.log_retention_days

  data_retention_days                   = var.data_retention_days
  force_destroy                         = var.force_destroy
  access_log_bucket                     = var.access_log_bucket
  athena_bytes_scanned_cutoff_per_query = var.athena_bytes_scanned_cutoff_per_query
  create_accounts_inventory             = var.create_accounts_inventory
  inventory_tag_key                     = var.inventory_tag_key

  alarm_emails       = var.alarm_emails
  enable_case_alerts = var.enable_case_alerts

  permissions_boundary_arn = var.permissions_boundary_arn

  tags = var.tags
}

################################################################################
# Chat API (optional)
################################################################################

module "chat_api" {
  source = "./modules/chat-api"
  count  = var.enable_chat_api ? 1 : 0

  name_prefix          = "${local.name_prefix}-chat"
  lambda_zip_path      = local.chat_query_zip_path
  architectures        = var.lambda_architectures
  cors_allowed_origins = local.chat_cors_allowed_origins
  extra_jwt_audiences  = local.chat_extra_jwt_audiences
  query_role_name      = var.query_role_name
  bedrock_model_id     = var.bedrock_model_id

  organizations_role_arn = var.organizations_reader_role_arn
  group_ous              = var.group_ous
  enable_xray_tracing    = var.enable_xray_tracing
  log_level              = var.lambda_log_level
  log_retention_days     = var.log_retention_days
  deletion_protection    = var.deletion_protection
  user_pool_tier         = var.cognito_user_pool_tier
  advanced_security_mode = var.cognito_advanced_security_mode

  permissions_boundary_arn = var.permissions_boundary_arn

  tags = var.tags
}

################################################################################
# Console (optional; on the chat API): the page on CloudFront, its sign-in and its case routes
################################################################################

module "console" {
  source = "./modules/console"
  count  = local.enable_console ? 1 : 0

  name_prefix           = local.name_prefix
  assets_dir            = "${path.root}/web"
  cognito_domain_prefix = coalesce(var.console_cognito_domain_prefix, "${local.name_prefix}-console-${var.central_account_id}")
  extra_callback_urls   = var.console_extra_callback_urls
  web_acl_arn           = var.console_web_acl_arn
  cloudfront_log_bucket = var.console_cloudfront_log_bucket
  access_log_bucket     = var.access_log_bucket
  force_destroy         = var.force_destroy
  group_ous             = var.group_ous

  # The chat API's user pool, HTTP API and JWT authorizer.
  user_pool_id      = module.chat_api[0].user_pool_id
  api_id            = module.chat_api[0].api_id
  api_execution_arn = module.chat_api[0].api_execution_arn
  api_endpoint      = module.chat_api[0].api_endpoint
  authorizer_id     = module.chat_api[0].authorizer_id

  # The case data the central pipeline keeps.
  athena_workgroup_name = module.cima_central.athena_workgroup_name
  glue_database_name    = module.cima_central.glue_database_name
  cases_table           = module.cima_central.glue_table_name
  data_bucket_arn       = module.cima_central.data_bucket_arn
  kms_key_arn           = module.cima_central.kms_key_arn

  lambda_zip_path     = local.console_api_zip_path
  architectures       = var.lambda_architectures
  enable_xray_tracing = var.enable_xray_tracing
  log_retention_days  = var.log_retention_days

  permissions_boundary_arn = var.permissions_boundary_arn

  tags = var.tags
}

################################################################################
# Organization-wide wiring (optional; one environment per organization links it)
################################################################################

module "cima_linked" {
  source = "./modules/cima-linked"
  count  = var.link_accounts ? 1 : 0

  providers = {
    cima = cima.organization
  }

  central_account_id      = var.central_account_id
  central_bus_arn         = module.cima_central.bus_arn
  enricher_role_arn       = module.cima_central.enricher_role_arn
  organization_id         = var.organization_id
  case_reader_role_name   = var.case_reader_role_name
  include_central_account = var.link_central_account
  dead_letter_queue_arn   = module.cima_central.dlq_arn

  parent_ids          = var.linked_parent_ids
  include_account_ids = var.linked_include_account_ids
  exclude_account_ids = var.linked_exclude_account_ids
  backfill_days       = var.backfill_days

  # The chat API's read-only role goes where the case wiring goes, trusted by chat-query only.
  enable_query_role      = var.enable_chat_api
  query_role_trusted_arn = var.enable_chat_api ? module.chat_api[0].function_role_arn : null
  query_role_name        = var.query_role_name

  tags = var.tags
}
