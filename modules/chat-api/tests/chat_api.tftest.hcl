mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_cognito_user_pool" {
    defaults = {
      endpoint = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI"
    }
  }
}

variables {
  lambda_zip_path      = "tests/fixtures/bootstrap.zip"
  cors_allowed_origins = ["https://chat.example.com", "http://localhost:5173"]
}

run "defaults" {
  command = apply

  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.this.statement : s.actions]), "ce:GetCostAndUsage") && length([for s in data.aws_iam_policy_document.this.statement : s if contains(s.actions, "ce:GetCostAndUsage")]) == 1 && [for s in data.aws_iam_policy_document.this.statement : s.actions if contains(s.actions, "ce:GetCostAndUsage")][0] == toset(["ce:GetCostAndUsage"])
    error_message = "In the management account the function's role reads the organization's spend, with Cost Explorer's one call and nothing more."
  }

  assert {
    condition     = aws_apigatewayv2_api.this.protocol_type == "HTTP" && aws_apigatewayv2_api.this.cors_configuration[0].allow_origins == toset(["https://chat.example.com", "http://localhost:5173"])
    error_message = "An HTTP API whose CORS allows exactly the given origins."
  }

  assert {
    condition     = toset([for r in aws_apigatewayv2_route.this : r.route_key]) == toset(["POST /query", "GET /history"]) && alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "JWT"])
    error_message = "POST /query and GET /history, both behind the JWT authorizer."
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.cognito.jwt_configuration[0].issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI"
    error_message = "The authorizer trusts the user pool's issuer."
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.cognito.jwt_configuration[0].audience == toset([aws_cognito_user_pool_client.this.id])
    error_message = "The authorizer's audience is the app client."
  }

  assert {
    condition     = aws_apigatewayv2_integration.this.payload_format_version == "2.0" && aws_apigatewayv2_integration.this.integration_type == "AWS_PROXY"
    error_message = "Lambda proxy integration with payload 2.0."
  }

  assert {
    condition     = aws_apigatewayv2_stage.this.default_route_settings[0].throttling_rate_limit == 20 && aws_apigatewayv2_stage.this.default_route_settings[0].throttling_burst_limit == 40 && length(aws_apigatewayv2_stage.this.access_log_settings) == 1
    error_message = "The stage throttles and writes access logs."
  }

  assert {
    condition     = aws_dynamodb_table.history.hash_key == "userId" && aws_dynamodb_table.history.range_key == "timestamp" && aws_dynamodb_table.history.ttl[0].attribute_name == "ttl"
    error_message = "History is keyed by userId and timestamp, with TTL on ttl."
  }

  assert {
    condition     = contains([for a in aws_dynamodb_table.history.attribute : "${a.name}:${a.type}"], "timestamp:N") && aws_dynamodb_table.history.point_in_time_recovery[0].enabled && aws_dynamodb_table.history.server_side_encryption[0].enabled
    error_message = "timestamp is a number; PITR and SSE are on."
  }

  assert {
    condition     = aws_cognito_user_pool.this.mfa_configuration == "ON" && aws_cognito_user_pool.this.admin_create_user_config[0].allow_admin_create_user_only && aws_cognito_user_pool.this.software_token_mfa_configuration[0].enabled
    error_message = "No self sign-up; TOTP MFA required."
  }

  assert {
    condition     = aws_cognito_user_pool.this.password_policy[0].minimum_length >= 12 && aws_cognito_user_pool.this.password_policy[0].require_symbols && aws_cognito_user_pool.this.password_policy[0].require_numbers && aws_cognito_user_pool.this.password_policy[0].require_uppercase && aws_cognito_user_pool.this.password_policy[0].require_lowercase
    error_message = "Passwords of at least 12 characters with all four classes."
  }

  assert {
    condition     = !aws_cognito_user_pool_client.this.generate_secret && aws_cognito_user_pool_client.this.explicit_auth_flows == toset(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    error_message = "A public client with SRP and refresh flows only."
  }

  assert {
    condition     = module.function.environment_variables["CORS_ALLOWED_ORIGINS"] == "https://chat.example.com,http://localhost:5173" && module.function.environment_variables["QUERY_ROLE_NAME"] == "ChatSystemReadOnlyRole" && module.function.environment_variables["HISTORY_TTL_DAYS"] == "30" && module.function.environment_variables["MAX_CONCURRENCY"] == "64" && module.function.environment_variables["ACCOUNT_DEADLINE_SECONDS"] == "22"
    error_message = "The function gets the contract's environment."
  }

  assert {
    condition     = module.function.environment_variables["HISTORY_TABLE_NAME"] == "cima-chat-query-history" && !contains(keys(module.function.environment_variables), "BEDROCK_MODEL_ID") && !contains(keys(module.function.environment_variables), "GROUP_OUS") && module.function.environment_variables["MAX_ACCOUNTS_PER_REQUEST"] == "1000"
    error_message = "History table named; no Bedrock model unless given."
  }
}

run "rejects_wildcard_origin_and_short_passwords" {
  command = plan

  variables {
    cors_allowed_origins     = ["*"]
    password_minimum_length  = 8
    timeout                  = 60
    account_deadline_seconds = 29
  }

  expect_failures = [
    var.cors_allowed_origins,
    var.password_minimum_length,
    var.timeout,
    var.account_deadline_seconds,
  ]
}

run "bedrock_and_external_key" {
  command = plan

  variables {
    bedrock_model_id       = "us.anthropic.claude-3-haiku-20240307-v1:0"
    kms_key_arn            = "arn:aws:kms:us-east-1:111111111111:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    organizations_role_arn = "arn:aws:iam::999999999999:role/CimaOrganizationsReader"
    deletion_protection    = false
  }

  assert {
    condition     = module.function.environment_variables["BEDROCK_MODEL_ID"] == "us.anthropic.claude-3-haiku-20240307-v1:0" && module.function.environment_variables["ORGANIZATIONS_ROLE_ARN"] == "arn:aws:iam::999999999999:role/CimaOrganizationsReader"
    error_message = "Model id and organizations role reach the function."
  }

  assert {
    condition     = !contains(flatten([for s in data.aws_iam_policy_document.this.statement : s.actions]), "ce:GetCostAndUsage") && !contains(flatten([for s in data.aws_iam_policy_document.this.statement : s.actions]), "organizations:ListAccounts")
    error_message = "Outside the management account the function's own role reads neither the organization nor its spend."
  }

  assert {
    condition     = contains(local.bedrock_resources, "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0") && contains(local.bedrock_resources, "arn:aws:bedrock:*:111111111111:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0")
    error_message = "An inference profile id grants the profile and the model it routes to."
  }

  assert {
    condition     = length(module.kms) == 0 && aws_dynamodb_table.history.server_side_encryption[0].kms_key_arn == "arn:aws:kms:us-east-1:111111111111:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    error_message = "A given key encrypts the table; none is created."
  }

  assert {
    condition     = aws_cognito_user_pool.this.deletion_protection == "INACTIVE" && aws_dynamodb_table.history.deletion_protection_enabled == false
    error_message = "deletion_protection = false lifts both protections."
  }
}

run "threat_protection_needs_plus" {
  command = plan

  variables {
    user_pool_tier         = "ESSENTIALS"
    advanced_security_mode = "ENFORCED"
  }

  expect_failures = [
    aws_cognito_user_pool.this,
  ]
}

run "extra_jwt_audiences" {
  command = apply

  variables {
    cors_allowed_origins = ["https://d111111abcdef8.cloudfront.net"]
    extra_jwt_audiences  = ["1example23456789abcdefghij"]
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.cognito.jwt_configuration[0].audience == toset([aws_cognito_user_pool_client.this.id, "1example23456789abcdefghij"])
    error_message = "The authorizer accepts this module's client and the further clients given (the console's)."
  }

  assert {
    condition     = output.authorizer_id == aws_apigatewayv2_authorizer.cognito.id && output.api_execution_arn == aws_apigatewayv2_api.this.execution_arn
    error_message = "The authorizer id and execution ARN are outputs, for further routes on the API."
  }
}

run "rejects_bad_audience" {
  command = plan

  variables {
    extra_jwt_audiences = ["not a client id"]
  }

  expect_failures = [
    var.extra_jwt_audiences,
  ]
}

run "group_ous_and_the_account_cap_reach_the_function" {
  command = plan

  variables {
    group_ous = {
      support-web = ["/Production/Web"]
    }
    max_accounts_per_request = 50
  }

  assert {
    condition     = jsondecode(module.function.environment_variables["GROUP_OUS"]) == { support-web = ["/Production/Web"] } && module.function.environment_variables["MAX_ACCOUNTS_PER_REQUEST"] == "50"
    error_message = "The mapping and the cap reach chat-query as GROUP_OUS and MAX_ACCOUNTS_PER_REQUEST."
  }
}

run "rejects_bad_group_ous_and_caps" {
  command = plan

  variables {
    group_ous = {
      "two words" = ["/"]
      empty       = []
    }
    max_accounts_per_request = 0
  }

  expect_failures = [
    var.group_ous,
    var.max_accounts_per_request,
  ]
}
