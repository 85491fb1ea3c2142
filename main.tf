locals {
  name_prefix = "${var.name_prefix}-${var.environment}"

  # Relative zip paths are relative to this directory, where `cargo xtask lambdas` writes target/.
  enricher_zip_path   = startswith(var.enricher_zip_path, "/") ? var.enricher_zip_path : "${path.root}/${var.enricher_zip_path}"
  chat_query_zip_path = startswith(var.chat_query_zip_path, "/") ? var.chat_query_zip_path : "${path.root}/${var.chat_query_zip_path}"
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

  alarm_emails       = var.alarm_emails
  enable_case_alerts = var.enable_case_alerts

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
  cors_allowed_origins = var.chat_allowed_origins
  query_role_name      = var.query_role_name
  bedrock_model_id     = var.bedrock_model_id

  organizations_role_arn = var.organizations_reader_role_arn
  enable_xray_tracing    = var.enable_xray_tracing
  log_level              = var.lambda_log_level
  log_retention_days     = var.log_retention_days
  deletion_protection    = var.deletion_protection
  user_pool_tier         = var.cognito_user_pool_tier
  advanced_security_mode = var.cognito_advanced_security_mode

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
