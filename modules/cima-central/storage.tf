################################################################################
# Data bucket: case events, account inventory, Athena results
################################################################################

# Server access logging needs a separate log bucket: set access_log_bucket (aws_s3_bucket_logging below).
#trivy:ignore:AVD-AWS-0089
resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice for the caller; the data can be rebuilt by a backfill (up to 365 days).
  #checkov:skip=CKV2_AWS_62:Nothing consumes object notifications; Athena reads the bucket on demand.
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket: set access_log_bucket (aws_s3_bucket_logging below).
  bucket        = local.data_bucket
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    id     = "case-events-retention"
    status = "Enabled"

    filter {
      prefix = "${local.data_prefix}/"
    }

    expiration {
      days = var.data_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }

  rule {
    id     = "delivery-errors-retention"
    status = "Enabled"

    filter {
      prefix = "${local.error_prefix}/"
    }

    expiration {
      days = var.data_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }

  rule {
    id     = "athena-results-retention"
    status = "Enabled"

    filter {
      prefix = "${local.results_prefix}/"
    }

    expiration {
      days = 30
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # The inventory object is rewritten on every change; its old versions are kept briefly.
  rule {
    id     = "noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.data]
}

data "aws_iam_policy_document" "data_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]

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

  statement {
    sid       = "DenyOutdatedTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.data_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.data]
}

resource "aws_s3_bucket_logging" "data" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.data.id
  target_bucket = var.access_log_bucket
  target_prefix = "${local.data_bucket}/"
}

################################################################################
# Firehose: enriched events -> S3, partitioned as the seed's Glue table expects
################################################################################

resource "aws_cloudwatch_log_group" "firehose" {
  name              = "/aws/kinesisfirehose/${local.stream_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_stream" "firehose" {
  name           = "DestinationDelivery"
  log_group_name = aws_cloudwatch_log_group.firehose.name
}

data "aws_iam_policy_document" "firehose_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "firehose" {
  name                 = "${var.name_prefix}-firehose-to-s3"
  description          = "CIMA: Firehose ${local.stream_name} writes case events to ${local.data_bucket}"
  assume_role_policy   = data.aws_iam_policy_document.firehose_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "firehose" {
  statement {
    sid = "Bucket"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:PutObject",
    ]
    resources = [
      aws_s3_bucket.data.arn,
      "${aws_s3_bucket.data.arn}/${local.data_prefix}/*",
      "${aws_s3_bucket.data.arn}/${local.error_prefix}/*",
    ]
  }

  statement {
    sid       = "BucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.firehose.arn}:*"]
  }
}

resource "aws_iam_role_policy" "firehose" {
  name   = "firehose-to-s3"
  role   = aws_iam_role.firehose.id
  policy = data.aws_iam_policy_document.firehose.json
}

resource "aws_kinesis_firehose_delivery_stream" "this" {
  name        = local.stream_name
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = local.kms_key_arn
  }

  extended_s3_configuration {
    bucket_arn  = aws_s3_bucket.data.arn
    role_arn    = aws_iam_role.firehose.arn
    kms_key_arn = local.kms_key_arn
    # DataCollection-data/<source>/yyyy/MM/dd/: exactly the Glue table's storage.location.template
    # (source_partition, then date_created as yyyy/MM/dd).
    prefix              = "${local.data_prefix}/!{partitionKeyFromQuery:source}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    error_output_prefix = "${local.error_prefix}/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    buffering_size      = var.firehose_buffering_size
    buffering_interval  = var.firehose_buffering_interval
    compression_format  = "UNCOMPRESSED"

    dynamic_partitioning_configuration {
      enabled        = true
      retry_duration = 300
    }

    processing_configuration {
      enabled = true

      processors {
        type = "MetadataExtraction"

        parameters {
          parameter_name  = "MetadataExtractionQuery"
          parameter_value = "{source:.source}"
        }

        parameters {
          parameter_name  = "JsonParsingEngine"
          parameter_value = "JQ-1.6"
        }
      }

      # One event per line: Athena's JSON SerDe reads newline-delimited JSON.
      processors {
        type = "AppendDelimiterToRecord"
      }
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.firehose.name
      log_stream_name = aws_cloudwatch_log_stream.firehose.name
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.firehose]
}

# EventBridge's role for the store rule's Firehose target.
data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "events_to_firehose" {
  name                 = "${var.name_prefix}-events-to-firehose"
  description          = "CIMA: the central bus's store rule puts enriched events on ${local.stream_name}"
  assume_role_policy   = data.aws_iam_policy_document.events_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "events_to_firehose" {
  statement {
    actions   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
    resources = [aws_kinesis_firehose_delivery_stream.this.arn]
  }
}

resource "aws_iam_role_policy" "events_to_firehose" {
  name   = "put-records"
  role   = aws_iam_role.events_to_firehose.id
  policy = data.aws_iam_policy_document.events_to_firehose.json
}

################################################################################
# Glue catalog: supportcaseevents (seed-compatible) and accountsinfo
################################################################################

resource "aws_glue_catalog_database" "this" {
  name        = var.glue_database_name
  description = "CIMA: AWS Support case events and the organization's account inventory"
  tags        = var.tags
}

resource "aws_glue_catalog_table" "supportcaseevents" {
  name          = "supportcaseevents"
  database_name = aws_glue_catalog_database.this.name
  description   = "AWS Support case events enriched by CIMA (one JSON event per line, latest per caseId wins)"
  table_type    = "EXTERNAL_TABLE"

  # Partition projection: no crawler and no MSCK REPAIR; the template is the Firehose prefix above.
  parameters = {
    EXTERNAL                                = "TRUE"
    "classification"                        = "json"
    "projection.enabled"                    = "true"
    "projection.date_created.type"          = "date"
    "projection.date_created.format"        = "yyyy/MM/dd"
    "projection.date_created.interval"      = "1"
    "projection.date_created.interval.unit" = "DAYS"
    "projection.date_created.range"         = "2021/01/01,NOW"
    "projection.source_partition.type"      = "enum"
    "projection.source_partition.values"    = var.enriched_source
    "storage.location.template"             = "s3://${local.data_bucket}/${local.data_prefix}/$${source_partition}/$${date_created}/"
  }

  partition_keys {
    name = "date_created"
    type = "string"
  }

  partition_keys {
    name = "source_partition"
    type = "string"
  }

  storage_descriptor {
    location      = "s3://${local.data_bucket}/${local.data_prefix}/"
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    compressed    = false

    ser_de_info {
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
      parameters = {
        paths = "account,detail,detail-type,id,region,resources,source,time,version"
      }
    }

    dynamic "columns" {
      for_each = local.supportcaseevents_columns

      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}

locals {
  # The EventBridge envelope and the enriched detail, as the seed's table declares them (plus the
  # fields CIMA adds: firstResponseTime and accountName). Hive names are case-insensitive.
  supportcaseevents_columns = [
    { name = "version", type = "string" },
    { name = "id", type = "string" },
    { name = "detail-type", type = "string" },
    { name = "source", type = "string" },
    { name = "account", type = "string" },
    { name = "time", type = "string" },
    { name = "region", type = "string" },
    { name = "resources", type = "array<string>" },
    { name = "detail", type = "struct<caseid:string,displayid:string,subject:string,status:string,servicecode:string,categorycode:string,severitycode:string,submittedby:string,timecreated:string,ccemailaddresses:array<string>,language:string,submittedrole:string,lastcommunicationtime:string,firstresponsetime:string,accountname:string>" },
  ]

  # cima_org_query's CSV columns, read by position (OpenCSVSerde): `tags` came later, so it is last
  # and the table still reads objects written without it.
  accountsinfo_columns = ["accountid", "arn", "email", "name", "status", "joinedmethod", "joinedtimestamp", "tag", "ou_path", "tags"]
}

resource "aws_glue_catalog_table" "accountsinfo" {
  name          = "accountsinfo"
  database_name = aws_glue_catalog_database.this.name
  description   = "The organization's accounts, written by cima_org_query, for the account-name join"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                 = "TRUE"
    "classification"         = "csv"
    "skip.header.line.count" = "1"
  }

  storage_descriptor {
    location      = "s3://${local.data_bucket}/${local.inventory_path}/"
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
      parameters = {
        separatorChar = ","
        quoteChar     = "\""
        escapeChar    = "\\"
      }
    }

    dynamic "columns" {
      for_each = local.accountsinfo_columns

      content {
        name = columns.value
        type = "string"
      }
    }
  }
}

################################################################################
# Athena workgroup
################################################################################

resource "aws_athena_workgroup" "this" {
  name          = var.name_prefix
  description   = "CIMA: queries over supportcaseevents and accountsinfo"
  force_destroy = var.force_destroy

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff_per_query

    result_configuration {
      output_location = "s3://${local.data_bucket}/${local.results_prefix}/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = local.kms_key_arn
      }
    }
  }

  tags = var.tags
}

################################################################################
# Account inventory for the accountsinfo join (cima provider)
################################################################################

resource "cima_org_query" "inventory" {
  count = var.create_accounts_inventory ? 1 : 0

  statuses = var.inventory_statuses

  destination {
    bucket  = local.data_bucket
    key     = "${local.inventory_path}/accounts.csv"
    format  = "csv"
    tag_key = var.inventory_tag_key
  }

  depends_on = [
    aws_s3_bucket.data,
    aws_s3_bucket_server_side_encryption_configuration.data,
    aws_s3_bucket_policy.data,
  ]
}
