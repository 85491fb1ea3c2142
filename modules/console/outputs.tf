output "url" {
  description = "URL of the page (https://<distribution domain or domain_name>/): the client's callback and sign-out URL; without the trailing slash it is the origin the API's CORS must allow."
  value       = local.url
}

output "origin" {
  description = "Origin of the page (the url without its trailing slash), for the API's CORS allowed origins."
  value       = local.origin
}

output "distribution_id" {
  description = "Id of the CloudFront distribution (invalidate /index.html and /config.json after changing the page outside Terraform)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_domain_name" {
  description = "The distribution's *.cloudfront.net name (the DNS target of domain_name)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "bucket_name" {
  description = "Name of the page's private bucket."
  value       = aws_s3_bucket.this.id
}

output "client_id" {
  description = "Id of the page's public Cognito app client: add it to the API's JWT authorizer audience (chat-api's extra_jwt_audiences)."
  value       = aws_cognito_user_pool_client.this.id
}

output "cognito_domain" {
  description = "Base URL of the managed login (hosted UI): https://<prefix>.auth.<region>.amazoncognito.com."
  value       = local.cognito_domain
}

output "page_config" {
  description = "What config.json holds: api_base_url, cognito_domain, client_id, redirect_uri, logout_uri, region."
  value       = local.page_config
}

output "content_security_policy" {
  description = "The Content-Security-Policy the distribution sends with every response."
  value       = local.content_security_policy
}

output "function_name" {
  description = "Name of the console-api function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the console-api function."
  value       = module.function.function_arn
}

output "function_role_arn" {
  description = "ARN of the console-api function's role."
  value       = module.function.role_arn
}
