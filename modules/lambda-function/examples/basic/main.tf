# A Rust Lambda on provided.al2023 with its role, log group and a permission of its own. The
# module is internal: the repository's modules call it; this example shows its inputs. Build the
# package first (`cargo xtask lambdas`).
provider "aws" {
  region = "us-east-1"
}

data "aws_iam_policy_document" "function" {
  statement {
    sid       = "ReadHistory"
    actions   = ["dynamodb:Query"]
    resources = ["arn:aws:dynamodb:us-east-1:111111111111:table/example-history"]
  }
}

module "function" {
  source = "../.."

  function_name    = "example-query"
  description      = "Example function"
  zip_path         = "${path.root}/../../../../target/lambda/chat-query/bootstrap.zip"
  kms_key_arn      = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000" # CloudWatch Logs must be allowed to use it
  role_policy_name = "example-query"
  policy_json      = data.aws_iam_policy_document.function.json

  environment_variables = {
    HISTORY_TABLE_NAME = "example-history"
    RUST_LOG           = "info"
  }
}

output "function_arn" {
  description = "ARN of the example function."
  value       = module.function.function_arn
}
