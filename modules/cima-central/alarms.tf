################################################################################
# Alarm topic
################################################################################

resource "aws_sns_topic" "alarms" {
  count = local.create_sns_topic ? 1 : 0

  name              = "${var.name_prefix}-alarms"
  display_name      = "CIMA alarms"
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  count = local.create_sns_topic ? 1 : 0

  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms[0].arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }

  statement {
    sid       = "CaseAlertRule"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms[0].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["${local.rule_arn_base}/${var.bus_name}-case-alerts"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms[0].arn]

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

resource "aws_sns_topic_policy" "alarms" {
  count = local.create_sns_topic ? 1 : 0

  arn    = aws_sns_topic.alarms[0].arn
  policy = data.aws_iam_policy_document.alarms_topic[0].json
}

resource "aws_sns_topic_subscription" "alarm_emails" {
  for_each = local.create_sns_topic ? toset(var.alarm_emails) : toset([])

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = each.value
}

################################################################################
# Alarms: nothing is dropped silently
################################################################################

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  alarm_name          = "${var.name_prefix}-case-events-dlq-not-empty"
  alarm_description   = "Case events EventBridge or the enricher could not deliver are waiting in ${aws_sqs_queue.dlq.name}: inspect, fix, redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "enricher_errors" {
  alarm_name          = "${var.name_prefix}-case-enricher-errors"
  alarm_description   = "The case enricher failed invocations (EventBridge retries them, then dead-letters them)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = module.enricher.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.enricher_error_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "firehose_delivery" {
  alarm_name          = "${var.name_prefix}-case-events-s3-delivery-failing"
  alarm_description   = "Firehose ${local.stream_name} failed to deliver records to S3 (see ${local.error_prefix}/ and its log group)."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.Success"
  dimensions          = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.this.name }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]
  tags                = var.tags
}

################################################################################
# Optional: alert on urgent / critical cases
################################################################################

resource "aws_cloudwatch_event_rule" "case_alerts" {
  count = var.enable_case_alerts ? 1 : 0

  name           = "${var.bus_name}-case-alerts"
  description    = "CIMA: enriched events of ${join("/", var.case_alert_severities)} cases -> alarm topic"
  event_bus_name = cima_case_pipeline.this.id
  # Put by the enricher in this account: an event another account managed to put never alerts.
  event_pattern = jsonencode({
    source        = [var.enriched_source]
    "detail-type" = [var.enriched_detail_type]
    account       = [local.account_id]
    detail = merge(
      { severityCode = var.case_alert_severities },
      length(var.case_alert_statuses) == 0 ? {} : { status = var.case_alert_statuses },
    )
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "case_alerts" {
  count = var.enable_case_alerts ? 1 : 0

  rule           = aws_cloudwatch_event_rule.case_alerts[0].name
  event_bus_name = cima_case_pipeline.this.id
  target_id      = "alarm-topic"
  arn            = local.alarm_topic_arn

  input_transformer {
    input_paths = {
      account  = "$.account"
      name     = "$.detail.accountName"
      display  = "$.detail.displayId"
      severity = "$.detail.severityCode"
      status   = "$.detail.status"
      subject  = "$.detail.subject"
    }
    input_template = "\"Support case <display> (<severity>, <status>) in account <name> (<account>): <subject>\""
  }

  retry_policy {
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_seconds
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }

  depends_on = [aws_sns_topic_policy.alarms]
}
