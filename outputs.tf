output "environment" {
  description = "The environment this state deploys."
  value       = var.environment
}

output "central_bus_arn" {
  description = "ARN of the central event bus the member accounts forward to."
  value       = module.cima_central.bus_arn
}

output "enricher_function_arn" {
  description = "ARN of the case-enricher function."
  value       = module.cima_central.enricher_function_arn
}

output "enricher_role_arn" {
  description = "ARN of the enricher's role (trusted by each member's case-reader role)."
  value       = module.cima_central.enricher_role_arn
}

output "data_bucket_name" {
  description = "Bucket holding the case events, the account inventory and Athena results."
  value       = module.cima_central.data_bucket_name
}

output "athena_workgroup_name" {
  description = "Athena workgroup to query supportcaseevents and accountsinfo in."
  value       = module.cima_central.athena_workgroup_name
}

output "glue_database_name" {
  description = "Glue database of the case tables."
  value       = module.cima_central.glue_database_name
}

output "dlq_arn" {
  description = "Dead-letter queue of every pipeline target."
  value       = module.cima_central.dlq_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms and case alerts."
  value       = module.cima_central.alarm_topic_arn
}

output "chat_api_endpoint" {
  description = "Base URL of the chat API; null when enable_chat_api is false."
  value       = try(module.chat_api[0].api_endpoint, null)
}

output "chat_user_pool_id" {
  description = "Cognito user pool of the chat API (administrators create users); null when disabled."
  value       = try(module.chat_api[0].user_pool_id, null)
}

output "chat_user_pool_client_id" {
  description = "App client id the chat front end signs in with; null when disabled."
  value       = try(module.chat_api[0].user_pool_client_id, null)
}

output "console_url" {
  description = "URL of the console (sign in with a user of chat_user_pool_id); null when the console is not deployed."
  value       = try(module.console[0].url, null)
}

output "console_distribution_id" {
  description = "CloudFront distribution serving the console; null when the console is not deployed."
  value       = try(module.console[0].distribution_id, null)
}

output "console_bucket_name" {
  description = "Bucket holding the console's page; null when the console is not deployed."
  value       = try(module.console[0].bucket_name, null)
}

output "linked_account_ids" {
  description = "Accounts wired into the pipeline; empty when link_accounts is false."
  value       = try(module.cima_linked[0].account_ids, [])
}

output "unhealthy_linked_accounts" {
  description = "Wired accounts whose wiring is missing or drifted; empty when link_accounts is false."
  value       = try(module.cima_linked[0].unhealthy_accounts, [])
}
