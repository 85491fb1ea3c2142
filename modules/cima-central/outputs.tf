output "bus_arn" {
  description = "ARN of the central event bus (cima_linked_account's central_bus_arn)."
  value       = cima_case_pipeline.this.bus_arn
}

output "bus_name" {
  description = "Name of the central event bus."
  value       = cima_case_pipeline.this.id
}

output "enricher_function_arn" {
  description = "ARN of the case-enricher function."
  value       = module.enricher.function_arn
}

output "enricher_function_name" {
  description = "Name of the case-enricher function."
  value       = module.enricher.function_name
}

output "enricher_role_arn" {
  description = "ARN of the enricher's role: the only principal the linked accounts' case-reader roles trust (cima_linked_account's enricher_role_arn)."
  value       = module.enricher.role_arn
}

output "data_bucket_name" {
  description = "Name of the data bucket (case events, inventory, Athena results)."
  value       = aws_s3_bucket.data.id
}

output "data_bucket_arn" {
  description = "ARN of the data bucket."
  value       = aws_s3_bucket.data.arn
}

output "firehose_stream_arn" {
  description = "ARN of the Firehose stream the store rule targets."
  value       = aws_kinesis_firehose_delivery_stream.this.arn
}

output "glue_database_name" {
  description = "Glue database holding supportcaseevents and accountsinfo."
  value       = aws_glue_catalog_database.this.name
}

output "glue_table_name" {
  description = "Name of the case events table (supportcaseevents)."
  value       = aws_glue_catalog_table.supportcaseevents.name
}

output "athena_workgroup_name" {
  description = "Athena workgroup for the case queries (encrypted results, bytes-scanned limit)."
  value       = aws_athena_workgroup.this.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue of every target."
  value       = aws_sqs_queue.dlq.arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic alarms and case alerts go to (created or passed in)."
  value       = local.alarm_topic_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key the module's data is encrypted with (created or passed in)."
  value       = local.kms_key_arn
}

output "inventory_object_key" {
  description = "S3 key of the account inventory CSV; null when create_accounts_inventory is false."
  value       = try(cima_org_query.inventory[0].destination.key, null)
}

output "inventory_account_count" {
  description = "How many accounts the inventory lists; null when create_accounts_inventory is false."
  value       = try(cima_org_query.inventory[0].account_count, null)
}
