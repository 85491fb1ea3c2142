# Applies against the stand-in itself (no mock): its aws_iam_policy_document renders a document's
# own statements (not source_policy_documents), and unknown attributes get placeholders;
# account 123456789012, region us-east-1.
variables {
  function_name    = "cima-test-fn"
  zip_path         = "tests/fixtures/bootstrap.zip"
  kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
  role_policy_name = "test-fn"
  policy_json      = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Own\",\"Effect\":\"Allow\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}]}"
  environment_variables = {
    TABLE    = "history"
    RUST_LOG = "info"
  }
}

run "defaults" {
  command = apply

  assert {
    condition     = aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.handler == "bootstrap" && aws_lambda_function.this.architectures == tolist(["x86_64"])
    error_message = "The function runs the bootstrap executable on provided.al2023, x86_64 by default."
  }

  assert {
    condition     = output.environment_variables == tomap({ TABLE = "history", RUST_LOG = "info" }) && aws_lambda_function.this.kms_key_arn == var.kms_key_arn
    error_message = "The function gets exactly the given environment, encrypted with the given key."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "PassThrough" && length(aws_lambda_function.this.dead_letter_config) == 0 && aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "No active tracing, no dead-letter target and no reserved concurrency unless asked for."
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_format == "JSON" && aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/cima-test-fn" && aws_cloudwatch_log_group.this.retention_in_days == 365 && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn
    error_message = "JSON logs go to /aws/lambda/<name>, kept a year, encrypted with the given key."
  }

  assert {
    condition     = aws_iam_role.this.name == "cima-test-fn" && jsondecode(data.aws_iam_policy_document.assume.json).Statement[0].Principal.Service == "lambda.amazonaws.com" && jsondecode(data.aws_iam_policy_document.assume.json).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "The role is named after the function and trusts Lambda of this account only."
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == null
    error_message = "No permissions boundary unless one is given."
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.logs.json).Statement[0].Resource == "${aws_cloudwatch_log_group.this.arn}:*"
    error_message = "The role may write to the function's own log group only."
  }

  assert {
    condition     = data.aws_iam_policy_document.this.source_policy_documents == tolist([data.aws_iam_policy_document.logs.json, var.policy_json]) && length(jsondecode(data.aws_iam_policy_document.this.json).Statement) == 0
    error_message = "The role policy is the logs statement, then the caller's document; no X-Ray statement without tracing."
  }

  assert {
    condition     = aws_iam_role_policy.this.name == "test-fn" && aws_iam_role_policy.this.role == aws_iam_role.this.id
    error_message = "The inline policy is attached to the function's role under the given name."
  }
}

run "arm64_dead_letters_and_tracing" {
  command = apply

  variables {
    architectures                  = ["arm64"]
    dead_letter_target_arn         = "arn:aws:sqs:us-east-1:123456789012:cima-test-dlq"
    enable_xray_tracing            = true
    reserved_concurrent_executions = 5
    log_retention_days             = 30
    permissions_boundary_arn       = "arn:aws:iam::123456789012:policy/cima-workload-boundary"
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::123456789012:policy/cima-workload-boundary"
    error_message = "The given permissions boundary is on the function's role (the deploy role creates roles only with it)."
  }

  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["arm64"]) && aws_lambda_function.this.reserved_concurrent_executions == 5 && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "Architecture, reserved concurrency and log retention pass through."
  }

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == "arn:aws:sqs:us-east-1:123456789012:cima-test-dlq"
    error_message = "A dead-letter target is configured when given."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && [for s in jsondecode(data.aws_iam_policy_document.this.json).Statement : s.Sid] == ["XRay"]
    error_message = "Active tracing, and the role may write trace segments."
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    function_name      = "a name with spaces"
    architectures      = ["x86_64", "arm64"]
    kms_key_arn        = ""
    log_retention_days = 2
    role_policy_name   = ""
  }

  expect_failures = [
    var.function_name,
    var.architectures,
    var.kms_key_arn,
    var.log_retention_days,
    var.role_policy_name,
  ]
}
