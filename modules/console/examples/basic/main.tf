# The CIMA console beside the chat API whose user pool, HTTP API and JWT authorizer it uses. The
# case data inputs are cima-central's outputs (written out here); build the Lambdas first
# (`cargo xtask lambdas`). web/ holds a placeholder page.
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
  source = "../../../chat-api"

  lambda_zip_path = "${path.root}/../../../../target/lambda/chat-query/bootstrap.zip"

  # The API answers the page's origin only, and accepts the page's tokens.
  cors_allowed_origins = [module.console.origin]
  extra_jwt_audiences  = [module.console.client_id]
}

module "console" {
  source = "../.."

  name_prefix           = "cima-example"
  assets_dir            = "${path.root}/web"
  lambda_zip_path       = "${path.root}/../../../../target/lambda/console-api/bootstrap.zip"
  cognito_domain_prefix = "cima-example-console"
  extra_callback_urls   = ["http://localhost:5173/"]

  user_pool_id      = module.chat_api.user_pool_id
  api_id            = module.chat_api.api_id
  api_execution_arn = module.chat_api.api_execution_arn
  api_endpoint      = module.chat_api.api_endpoint
  authorizer_id     = module.chat_api.authorizer_id

  # cima-central's outputs: athena_workgroup_name, glue_database_name, data_bucket_arn, kms_key_arn.
  athena_workgroup_name = "cima"
  glue_database_name    = "heididatacollectiondb"
  data_bucket_arn       = "arn:aws:s3:::cima-data-111111111111-us-east-1"
  kms_key_arn           = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
}

output "url" {
  description = "Open the console here; users sign in on the managed login pages."
  value       = module.console.url
}

output "cognito_domain" {
  description = "The managed login base URL the page redirects to."
  value       = module.console.cognito_domain
}
