data "aws_partition" "current" {}

locals {
  workload_account_ids = [var.dev_account_id, var.staging_account_id, var.uat_account_id, var.prod_account_id]
}

################################################################################
# Cross-account pulls from the shared ECR repositories
################################################################################

data "aws_iam_policy_document" "ecr_pull" {
  statement {
    sid = "WorkloadAccountsPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]

    principals {
      type        = "AWS"
      identifiers = [for id in local.workload_account_ids : "arn:${data.aws_partition.current.partition}:iam::${id}:root"]
    }
  }

  # Container-image Lambda functions in the workload accounts pull through the Lambda service.
  statement {
    sid     = "WorkloadLambdaPull"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:sourceArn"
      values   = [for id in local.workload_account_ids : "arn:${data.aws_partition.current.partition}:lambda:*:${id}:function:*"]
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  for_each = toset(var.ecr_repositories)

  repository = each.value
  policy     = data.aws_iam_policy_document.ecr_pull.json
}

################################################################################
# DNS
################################################################################

resource "aws_route53_zone" "this" {
  count = var.domain_name == null ? 0 : 1

  #checkov:skip=CKV2_AWS_38:DNSSEC signing needs an asymmetric KMS key in us-east-1 and registrar changes: a decision per domain, not a bootstrap default.
  #checkov:skip=CKV2_AWS_39:Query logging needs a us-east-1 log group and resource policy; enable it with the workloads that serve the domain.
  name    = var.domain_name
  comment = "Shared zone managed by bootstrap/shared-services"
}
