# Plans against the stand-in itself (no mock): its aws_iam_policy_document renders the configured
# statements, so the key policy can be read back; account 123456789012, region us-east-1.
variables {
  description = "Test key"
  alias       = "cima-test"
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_kms_key.this.deletion_window_in_days == 30
    error_message = "The key rotates and waits 30 days before a deletion completes."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/cima-test" && output.alias_name == "alias/cima-test"
    error_message = "The alias is alias/<alias>."
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.this.json).Statement : s.Sid] == ["AccountIamPolicies"]
    error_message = "Without further statements only the account's IAM policies administer the key."
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.this.json).Statement[0].Principal.AWS == "arn:aws:iam::123456789012:root"
    error_message = "Administration is delegated to this account's IAM policies."
  }
}

run "logs_and_service_statements" {
  command = plan

  variables {
    deletion_window_in_days = 7
    allow_cloudwatch_logs   = true
    service_statements = [
      {
        sid      = "EventBridge"
        actions  = ["kms:Decrypt", "kms:GenerateDataKey"]
        services = ["events.amazonaws.com"]
        conditions = [
          { test = "StringEquals", variable = "aws:SourceAccount", values = ["123456789012"] },
        ]
      },
      {
        sid      = "CloudTrail"
        actions  = ["kms:DescribeKey"]
        services = ["cloudtrail.amazonaws.com"]
      },
    ]
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.this.json).Statement : s.Sid] == ["AccountIamPolicies", "CloudWatchLogs", "EventBridge", "CloudTrail"]
    error_message = "The module's statements come first, then the caller's in order."
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.this.json).Statement[1].Principal.Service == "logs.us-east-1.amazonaws.com" && jsondecode(data.aws_iam_policy_document.this.json).Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:*"
    error_message = "CloudWatch Logs may use the key for this account's log groups in this region only."
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.this.json).Statement[2].Condition.StringEquals["aws:SourceAccount"] == "123456789012" && !can(jsondecode(data.aws_iam_policy_document.this.json).Statement[3].Condition)
    error_message = "A statement's conditions are rendered; a statement without any has none."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 7
    error_message = "The deletion window is configurable."
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    alias                   = "alias/cima-test"
    deletion_window_in_days = 3
    service_statements = [
      { sid = "Same", actions = ["kms:Decrypt"], services = ["events.amazonaws.com"] },
      { sid = "Same", actions = ["kms:Decrypt"], services = ["sns.amazonaws.com"] },
    ]
  }

  expect_failures = [
    var.alias,
    var.deletion_window_in_days,
    var.service_statements,
  ]
}
