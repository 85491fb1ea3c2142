# The chat API in the central account: HTTP API with a Cognito JWT authorizer, the chat-query
# Lambda and its history table. Build the Lambda first (`cargo xtask lambdas`).
terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      Project   = "cima"
      ManagedBy = "terraform"
    }
  }
}

module "chat_api" {
  source = "../.."

  lambda_zip_path      = "${path.root}/../../../../target/lambda/chat-query/bootstrap.zip"
  cors_allowed_origins = ["https://chat.example.com"]
  bedrock_model_id     = "anthropic.claude-3-haiku-20240307-v1:0"
}

output "api_endpoint" {
  description = "POST <endpoint>/query and GET <endpoint>/history with a Cognito id or access token."
  value       = module.chat_api.api_endpoint
}

output "user_pool_id" {
  description = "Create users here (aws cognito-idp admin-create-user)."
  value       = module.chat_api.user_pool_id
}

output "user_pool_client_id" {
  description = "The front end's app client."
  value       = module.chat_api.user_pool_client_id
}

output "query_role_trusted_arn" {
  description = "Pass to cima-linked so each member's read-only role trusts this function."
  value       = module.chat_api.function_role_arn
}
