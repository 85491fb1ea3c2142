data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  create_kms_key   = var.kms_key_arn == null
  kms_key_arn      = local.create_kms_key ? module.kms[0].key_arn : var.kms_key_arn
  create_sns_topic = var.alarm_sns_topic_arn == null
  alarm_topic_arn  = local.create_sns_topic ? aws_sns_topic.alarms[0].arn : var.alarm_sns_topic_arn

  function_name = "${var.name_prefix}-case-enricher"
  stream_name   = "${var.name_prefix}-case-events"
  data_bucket   = coalesce(var.data_bucket_name, "${var.name_prefix}-data-${local.account_id}-${local.region}")
  bus_arn       = "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${var.bus_name}"
  enrich_rule   = "${var.bus_name}-enrich" # named by cima_case_pipeline
  store_rule    = "${var.bus_name}-store"  # named by cima_case_pipeline
  backfill_rule = "${var.bus_name}-backfill"
  rule_arn_base = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.bus_name}"
  # The rule cima_linked_account makes on each member's default bus (its name is fixed).
  forward_rule   = "cima-forward-support"
  data_prefix    = "DataCollection-data"
  error_prefix   = "DataCollection-error"
  inventory_path = "DataCollection-metadata/ReferenceOds/AccountsInfo"
  results_prefix = "athena-results"
}

################################################################################
# KMS key (bucket, queue, topic, log groups, stream)
################################################################################

module "kms" {
  source = "../kms-key"
  count  = local.create_kms_key ? 1 : 0

  description           = "CIMA central (${var.name_prefix}): case events bucket, Firehose, dead-letter queue, alarm topic and logs"
  alias                 = "${var.name_prefix}-central"
  allow_cloudwatch_logs = true

  # EventBridge writes to the encrypted dead-letter queue and alert topic; CloudWatch alarms publish
  # to the encrypted topic.
  service_statements = [
    {
      sid      = "EventBridgeAndAlarms"
      actions  = ["kms:Decrypt", "kms:GenerateDataKey"]
      services = ["events.amazonaws.com", "cloudwatch.amazonaws.com"]
      conditions = [
        { test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] },
      ]
    },
    {
      # The members' forwarding rules, which dead-letter into the encrypted queue.
      sid      = "MemberForwardingDeadLetters"
      actions  = ["kms:Decrypt", "kms:GenerateDataKey"]
      services = ["events.amazonaws.com"]
      conditions = [
        { test = "StringEquals", variable = "aws:SourceOrgID", values = var.organization_ids },
        { test = "ArnLike", variable = "aws:SourceArn", values = ["arn:${local.partition}:events:${local.region}:*:rule/${local.forward_rule}"] },
      ]
    },
  ]

  tags = var.tags
}

# The key and alias lived in this module before modules/kms-key: moved, never replaced.
moved {
  from = aws_kms_key.this[0]
  to   = module.kms[0].aws_kms_key.this
}

moved {
  from = aws_kms_alias.this[0]
  to   = module.kms[0].aws_kms_alias.this
}

################################################################################
# Central event bus, enrich and store rules (cima provider)
################################################################################

resource "cima_case_pipeline" "this" {
  bus_name              = var.bus_name
  organization_ids      = var.organization_ids
  enricher_function_arn = module.enricher.function_arn
  store_target_arn      = aws_kinesis_firehose_delivery_stream.this.arn
  store_role_arn        = aws_iam_role.events_to_firehose.arn
  dead_letter_queue_arn = aws_sqs_queue.dlq.arn
  enriched_source       = var.enriched_source

  retry_policy {
    maximum_event_age_seconds = var.retry_policy.maximum_event_age_seconds
    maximum_retry_attempts    = var.retry_policy.maximum_retry_attempts
  }

  tags = var.tags

  # The targets deliver from the moment they exist: the queue policy, the store role's policy and
  # the enricher's invoke permission come first.
  depends_on = [aws_sqs_queue_policy.dlq, aws_iam_role_policy.events_to_firehose, aws_lambda_permission.enrich]
}

# The rule ARNs are built from the names cima_case_pipeline gives its rules, so the permissions exist
# before the rules start delivering and never depend on a value that is null while a rule is missing.
resource "aws_lambda_permission" "enrich" {
  statement_id   = "AllowCentralBusEnrichRule"
  action         = "lambda:InvokeFunction"
  function_name  = module.enricher.function_name
  principal      = "events.amazonaws.com"
  source_arn     = "${local.rule_arn_base}/${local.enrich_rule}"
  source_account = local.account_id
}

################################################################################
# Backfill requests (cima.backfill on the central bus) -> enricher
################################################################################

resource "aws_cloudwatch_event_rule" "backfill" {
  name           = local.backfill_rule
  description    = "CIMA backfill requests from cima_linked_account and the enricher's continuations -> enricher"
  event_bus_name = cima_case_pipeline.this.id
  event_pattern = jsonencode({
    source        = ["cima.backfill"]
    "detail-type" = ["CIMA Backfill Request"]
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "backfill" {
  rule           = aws_cloudwatch_event_rule.backfill.name
  event_bus_name = cima_case_pipeline.this.id
  target_id      = "enricher"
  arn            = module.enricher.function_arn

  retry_policy {
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_seconds
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }

  depends_on = [aws_lambda_permission.backfill]
}

resource "aws_lambda_permission" "backfill" {
  statement_id   = "AllowCentralBusBackfillRule"
  action         = "lambda:InvokeFunction"
  function_name  = module.enricher.function_name
  principal      = "events.amazonaws.com"
  source_arn     = "${local.rule_arn_base}/${local.backfill_rule}"
  source_account = local.account_id
}
