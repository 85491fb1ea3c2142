output "api_endpoint" {
  description = "Base URL of the HTTP API (POST <endpoint>/query, GET <endpoint>/history)."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_execution_arn" {
  description = "Execution ARN of the HTTP API (Lambda permissions of further routes scope their source_arn under it)."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "authorizer_id" {
  description = "Id of the Cognito JWT authorizer, for further routes on the API (the console's)."
  value       = aws_apigatewayv2_authorizer.cognito.id
}

output "user_pool_id" {
  description = "Id of the Cognito user pool (administrators create the users)."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_client_id" {
  description = "Id of the public app client (SRP sign-in) the front end uses; the JWT authorizer's audience."
  value       = aws_cognito_user_pool_client.this.id
}

output "jwt_issuer" {
  description = "Issuer the JWT authorizer accepts."
  value       = aws_apigatewayv2_authorizer.cognito.jwt_configuration[0].issuer
}

output "history_table_name" {
  description = "Name of the query-history table."
  value       = aws_dynamodb_table.history.name
}

output "function_arn" {
  description = "ARN of the chat-query function."
  value       = module.function.function_arn
}

output "function_role_arn" {
  description = "ARN of the chat-query function's role: the principal each member account's read-only role trusts (cima-linked's query_role_trusted_arn)."
  value       = module.function.role_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key the module's data is encrypted with (created or passed in)."
  value       = local.kms_key_arn
}
