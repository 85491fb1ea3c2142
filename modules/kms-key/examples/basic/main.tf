# A customer managed key that CloudWatch Logs and EventBridge (for this account's rules) may use.
# The module is internal: the repository's modules call it; this example shows its inputs.
provider "aws" {
  region = "us-east-1"
}

module "kms" {
  source = "../.."

  description           = "Example: log groups and an encrypted dead-letter queue"
  alias                 = "example-logs"
  allow_cloudwatch_logs = true

  service_statements = [
    {
      sid      = "EventBridge"
      actions  = ["kms:Decrypt", "kms:GenerateDataKey"]
      services = ["events.amazonaws.com"]
      conditions = [
        { test = "StringEquals", variable = "aws:SourceAccount", values = ["111111111111"] },
      ]
    },
  ]

  tags = { Project = "example" }
}

output "key_arn" {
  description = "ARN of the example key."
  value       = module.kms.key_arn
}
