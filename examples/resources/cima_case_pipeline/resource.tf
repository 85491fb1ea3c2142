# The central account's event flow: support case events from every member account arrive on the
# bus, go to the enricher, and the enriched events go to Firehose. Nothing is dropped silently:
# both targets retry and then dead-letter to SQS.
resource "cima_case_pipeline" "this" {
  bus_name              = "cima-cases"
  organization_ids      = ["o-a1b2c3d4e5"]
  enricher_function_arn = "arn:aws:lambda:us-east-1:111111111111:function:cima-case-enricher"
  store_target_arn      = "arn:aws:firehose:us-east-1:111111111111:deliverystream/cima-cases"
  store_role_arn        = "arn:aws:iam::111111111111:role/cima-eventbridge-to-firehose"
  dead_letter_queue_arn = "arn:aws:sqs:us-east-1:111111111111:cima-cases-dlq"

  retry_policy {
    maximum_event_age_seconds = 3600
    maximum_retry_attempts    = 20
  }

  tags = {
    application = "cima"
  }
}

output "central_bus_arn" {
  value = cima_case_pipeline.this.bus_arn
}
