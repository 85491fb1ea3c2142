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

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn                         = "arn:aws:s3:::cima-console-111111111111-us-east-1"
      bucket_regional_domain_name = "cima-console-111111111111-us-east-1.s3.us-east-1.amazonaws.com"
    }
  }

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      arn         = "arn:aws:cloudfront::111111111111:distribution/E2EXAMPLE0ABCD"
      domain_name = "d111111abcdef8.cloudfront.net"
    }
  }

  mock_resource "aws_cognito_user_pool_client" {
    defaults = {
      id = "1example23456789abcdefghij"
    }
  }
}

variables {
  assets_dir            = "examples/basic/web"
  lambda_zip_path       = "tests/fixtures/bootstrap.zip"
  cognito_domain_prefix = "cima-test-console"
  user_pool_id          = "us-east-1_AbCdEfGhI"
  api_id                = "a1b2c3d4e5"
  api_execution_arn     = "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5"
  api_endpoint          = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
  authorizer_id         = "abc123"
  athena_workgroup_name = "cima"
  glue_database_name    = "heididatacollectiondb"
  data_bucket_arn       = "arn:aws:s3:::cima-data-111111111111-us-east-1"
  kms_key_arn           = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
}

run "defaults" {
  command = apply

  # The page's bucket: private, encrypted, versioned, readable only by this distribution.
  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ]) && aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "The page's bucket blocks every public access and ACL."
  }

  assert {
    condition     = aws_s3_bucket.this.bucket == "cima-console-111111111111-us-east-1" && aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled" && one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "The bucket is named per account and region, versioned and encrypted at rest."
  }

  assert {
    condition = length([
      for s in data.aws_iam_policy_document.bucket.statement : s
      if s.effect == "Deny" && one(s.condition).variable == "aws:SecureTransport" && one(one(s.condition).values) == "false"
    ]) == 1
    error_message = "The bucket policy refuses every request without TLS."
  }

  assert {
    condition = length([
      for s in data.aws_iam_policy_document.bucket.statement : s
      if coalesce(s.effect, "Allow") == "Allow"
      ]) == 1 && alltrue([
      for s in data.aws_iam_policy_document.bucket.statement : (
        s.actions == toset(["s3:GetObject"]) &&
        one(s.principals).type == "Service" && one(s.principals).identifiers == toset(["cloudfront.amazonaws.com"]) &&
        one(s.condition).test == "StringEquals" && one(s.condition).variable == "AWS:SourceArn" &&
        one(s.condition).values == tolist([aws_cloudfront_distribution.this.arn])
      ) if coalesce(s.effect, "Allow") == "Allow"
    ])
    error_message = "The only reader is CloudFront, for this distribution (AWS:SourceArn), GetObject only."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.origin).origin_access_control_id == aws_cloudfront_origin_access_control.this.id && one(aws_cloudfront_distribution.this.origin).domain_name == aws_s3_bucket.this.bucket_regional_domain_name && length(one(aws_cloudfront_distribution.this.origin).s3_origin_config) == 0
    error_message = "The distribution's one origin is the bucket, through the origin access control (no legacy OAI)."
  }

  assert {
    condition     = aws_cloudfront_origin_access_control.this.origin_access_control_origin_type == "s3" && aws_cloudfront_origin_access_control.this.signing_behavior == "always" && aws_cloudfront_origin_access_control.this.signing_protocol == "sigv4"
    error_message = "The origin access control signs every request with SigV4."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_root_object == "index.html" && one(aws_cloudfront_distribution.this.default_cache_behavior).viewer_protocol_policy == "redirect-to-https" && one(aws_cloudfront_distribution.this.default_cache_behavior).allowed_methods == toset(["GET", "HEAD"])
    error_message = "HTTPS only (HTTP redirects), index.html at the root, read-only methods."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.default_cache_behavior).response_headers_policy_id == aws_cloudfront_response_headers_policy.this.id && aws_cloudfront_distribution.this.web_acl_id == null && length(aws_cloudfront_distribution.this.logging_config) == 0
    error_message = "Every response carries the headers policy; WAF and logging are off unless asked for."
  }

  # Security headers.
  assert {
    condition     = strcontains(local.content_security_policy, "script-src 'self';") && !strcontains(local.content_security_policy, "unsafe-inline") && !strcontains(local.content_security_policy, "unsafe-eval")
    error_message = "The CSP allows scripts from the page's origin only: no inline script, no eval."
  }

  assert {
    condition = alltrue([
      for d in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "default-src 'none'"] :
      strcontains(local.content_security_policy, d)
    ]) && one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).content_security_policy).content_security_policy == local.content_security_policy && one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).content_security_policy).override
    error_message = "The CSP forbids framing, plugins and base changes, and the headers policy sends it."
  }

  assert {
    condition     = strcontains(local.content_security_policy, "connect-src 'self' https://*.execute-api.us-east-1.amazonaws.com https://cima-test-console.auth.us-east-1.amazoncognito.com;")
    error_message = "connect-src allows the page, the region's HTTP APIs and the Cognito domain."
  }

  assert {
    condition = (
      one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).strict_transport_security).access_control_max_age_sec >= 31536000 &&
      one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).strict_transport_security).include_subdomains &&
      one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).strict_transport_security).override
    )
    error_message = "HSTS for at least a year, including subdomains."
  }

  assert {
    condition     = one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).frame_options).frame_option == "DENY" && one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).content_type_options).override && one(one(aws_cloudfront_response_headers_policy.this.security_headers_config).referrer_policy).referrer_policy == "same-origin"
    error_message = "X-Frame-Options DENY, X-Content-Type-Options nosniff and a Referrer-Policy."
  }

  # The page's files and config.json.
  assert {
    condition     = toset(keys(aws_s3_object.asset)) == toset(["index.html", "app.js", "style.css"]) && aws_s3_object.asset["index.html"].content_type == "text/html; charset=utf-8" && aws_s3_object.asset["app.js"].content_type == "text/javascript; charset=utf-8" && aws_s3_object.asset["style.css"].content_type == "text/css; charset=utf-8"
    error_message = "Every file of assets_dir is uploaded with the content type of its extension."
  }

  assert {
    condition     = aws_s3_object.asset["index.html"].etag == filemd5("examples/basic/web/index.html") && aws_s3_object.asset["index.html"].cache_control == "no-cache"
    error_message = "Objects are versioned by their MD5 (etag); the HTML is revalidated on each load."
  }

  assert {
    condition = jsondecode(aws_s3_object.config.content) == {
      api_base_url   = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
      cognito_domain = "https://cima-test-console.auth.us-east-1.amazoncognito.com"
      client_id      = "1example23456789abcdefghij"
      redirect_uri   = "https://d111111abcdef8.cloudfront.net/"
      logout_uri     = "https://d111111abcdef8.cloudfront.net/"
      region         = "us-east-1"
    } && aws_s3_object.config.key == "config.json" && aws_s3_object.config.content_type == "application/json"
    error_message = "config.json tells the page its API, Cognito domain, client, redirect and sign-out URLs and region."
  }

  # Cognito.
  assert {
    condition     = !aws_cognito_user_pool_client.this.generate_secret && aws_cognito_user_pool_client.this.allowed_oauth_flows == toset(["code"]) && aws_cognito_user_pool_client.this.allowed_oauth_flows_user_pool_client
    error_message = "A public client (no secret) allowed the authorization code flow only."
  }

  assert {
    condition     = aws_cognito_user_pool_client.this.allowed_oauth_scopes == toset(["openid", "email", "profile"]) && aws_cognito_user_pool_client.this.explicit_auth_flows == toset(["ALLOW_REFRESH_TOKEN_AUTH"]) && aws_cognito_user_pool_client.this.user_pool_id == "us-east-1_AbCdEfGhI"
    error_message = "Scopes openid, email and profile; no password flows from the page; on the given pool."
  }

  assert {
    condition     = aws_cognito_user_pool_client.this.callback_urls == toset(["https://d111111abcdef8.cloudfront.net/"]) && aws_cognito_user_pool_client.this.logout_urls == toset(["https://d111111abcdef8.cloudfront.net/"])
    error_message = "The client redirects to the distribution's https URL only."
  }

  assert {
    condition     = aws_cognito_user_pool_client.this.access_token_validity == 60 && one(aws_cognito_user_pool_client.this.token_validity_units).access_token == "minutes" && aws_cognito_user_pool_client.this.refresh_token_validity == 12 && one(aws_cognito_user_pool_client.this.token_validity_units).refresh_token == "hours" && aws_cognito_user_pool_client.this.enable_token_revocation
    error_message = "Bounded token lifetimes, revocable refresh tokens."
  }

  assert {
    condition     = aws_cognito_user_pool_domain.this.domain == "cima-test-console" && aws_cognito_user_pool_domain.this.managed_login_version == 2 && length(aws_cognito_managed_login_branding.this) == 1 && aws_cognito_managed_login_branding.this[0].use_cognito_provided_values
    error_message = "A managed login domain, with Cognito's style assigned to the page's client."
  }

  # Routes.
  assert {
    condition     = toset([for r in aws_apigatewayv2_route.this : r.route_key]) == toset(["GET /cases/summary", "GET /cases", "GET /cases/{caseId}"])
    error_message = "The three console routes exist."
  }

  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "JWT" && r.authorizer_id == "abc123" && r.api_id == "a1b2c3d4e5" && r.target == "integrations/${aws_apigatewayv2_integration.this.id}"])
    error_message = "Every console route is on the given API, behind its JWT authorizer, to the console integration."
  }

  assert {
    condition     = aws_apigatewayv2_integration.this.integration_type == "AWS_PROXY" && aws_apigatewayv2_integration.this.payload_format_version == "2.0" && aws_apigatewayv2_integration.this.api_id == "a1b2c3d4e5"
    error_message = "Lambda proxy integration with payload 2.0."
  }

  assert {
    condition = toset([for p in aws_lambda_permission.api : p.source_arn]) == toset([
      "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/cases/summary",
      "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/cases",
      "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/cases/*",
    ]) && alltrue([for p in aws_lambda_permission.api : p.principal == "apigateway.amazonaws.com"])
    error_message = "API Gateway may invoke the function for the console's routes only."
  }

  # The function's contract and permissions.
  assert {
    condition     = module.function.function_name == "cima-console-api" && toset(keys(module.function.environment_variables)) == toset(["ATHENA_WORKGROUP", "GLUE_DATABASE", "CASES_TABLE", "ACCOUNTS_TABLE", "CACHE_TTL_SECONDS", "FIRST_RESPONSE_TARGETS", "MAX_ACCOUNTS_PER_REQUEST"])
    error_message = "The function is <name_prefix>-console-api with exactly its contract's environment."
  }

  assert {
    condition = (
      module.function.environment_variables["ATHENA_WORKGROUP"] == "cima" &&
      module.function.environment_variables["GLUE_DATABASE"] == "heididatacollectiondb" &&
      module.function.environment_variables["CASES_TABLE"] == "supportcaseevents" &&
      module.function.environment_variables["ACCOUNTS_TABLE"] == "accountsinfo" &&
      module.function.environment_variables["CACHE_TTL_SECONDS"] == "60" &&
      module.function.environment_variables["MAX_ACCOUNTS_PER_REQUEST"] == "200"
    )
    error_message = "The contract's values: workgroup, database, tables, cache TTL, account limit."
  }

  assert {
    condition     = jsondecode(module.function.environment_variables["FIRST_RESPONSE_TARGETS"]) == { low = 1440, normal = 720, high = 240, urgent = 60, critical = 15 }
    error_message = "FIRST_RESPONSE_TARGETS is AWS's published first-response times (minutes) per severity code."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.function.statement : !contains(s.resources, "*") && !anytrue([for r in s.resources : endswith(r, ":*") || r == "arn:aws:s3:::*"])])
    error_message = "No statement of the function's policy has a wildcard resource."
  }

  assert {
    condition = {
      for s in data.aws_iam_policy_document.function.statement : s.sid => s.resources
      } == {
      Athena = toset(["arn:aws:athena:us-east-1:111111111111:workgroup/cima"])
      GlueCatalog = toset([
        "arn:aws:glue:us-east-1:111111111111:catalog",
        "arn:aws:glue:us-east-1:111111111111:database/heididatacollectiondb",
        "arn:aws:glue:us-east-1:111111111111:table/heididatacollectiondb/supportcaseevents",
        "arn:aws:glue:us-east-1:111111111111:table/heididatacollectiondb/accountsinfo",
      ])
      ReadCaseData = toset([
        "arn:aws:s3:::cima-data-111111111111-us-east-1/DataCollection-data/*",
        "arn:aws:s3:::cima-data-111111111111-us-east-1/DataCollection-metadata/ReferenceOds/AccountsInfo/*",
      ])
      ListCaseData   = toset(["arn:aws:s3:::cima-data-111111111111-us-east-1"])
      AthenaResults  = toset(["arn:aws:s3:::cima-data-111111111111-us-east-1/athena-results/*"])
      BucketLocation = toset(["arn:aws:s3:::cima-data-111111111111-us-east-1"])
      DataKey        = toset(["arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"])
    }
    error_message = "Athena on the workgroup, Glue on the catalog, database and its two tables, S3 on the data, inventory and results prefixes, KMS on the data key: nothing else."
  }

  assert {
    condition = {
      for s in data.aws_iam_policy_document.function.statement : s.sid => s.actions
      } == {
      Athena         = toset(["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"])
      GlueCatalog    = toset(["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"])
      ReadCaseData   = toset(["s3:GetObject"])
      ListCaseData   = toset(["s3:ListBucket"])
      AthenaResults  = toset(["s3:GetObject", "s3:PutObject"])
      BucketLocation = toset(["s3:GetBucketLocation"])
      DataKey        = toset(["kms:Decrypt", "kms:GenerateDataKey"])
    }
    error_message = "Read-only Athena, Glue and S3 actions; writes only to the Athena results prefix."
  }

  assert {
    condition     = output.url == "https://d111111abcdef8.cloudfront.net/" && output.origin == "https://d111111abcdef8.cloudfront.net" && output.cognito_domain == "https://cima-test-console.auth.us-east-1.amazoncognito.com" && output.client_id == "1example23456789abcdefghij" && output.function_name == "cima-console-api"
    error_message = "The outputs name the page, its origin, the managed login and the client."
  }
}

run "custom_domain_waf_logging_and_local_development" {
  command = apply

  variables {
    name_prefix           = "cima-prod"
    domain_name           = "console.example.com"
    acm_certificate_arn   = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"
    web_acl_arn           = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/cima/00000000-0000-0000-0000-000000000000"
    cloudfront_log_bucket = "cima-logs.s3.amazonaws.com"
    access_log_bucket     = "cima-logs"
    api_connect_origin    = "https://api.example.com"
    extra_callback_urls   = ["http://localhost:5173/"]
    managed_login_version = 1
    first_response_target_minutes = {
      low      = 480
      normal   = 240
      high     = 60
      urgent   = 30
      critical = 15
    }
  }

  assert {
    condition     = output.url == "https://console.example.com/" && aws_cloudfront_distribution.this.aliases == toset(["console.example.com"])
    error_message = "With a custom domain the page is served, and redirected to, there."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.viewer_certificate).minimum_protocol_version == "TLSv1.2_2021" && one(aws_cloudfront_distribution.this.viewer_certificate).ssl_support_method == "sni-only" && !one(aws_cloudfront_distribution.this.viewer_certificate).cloudfront_default_certificate
    error_message = "A custom certificate enforces TLS 1.2 at least."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.web_acl_id == var.web_acl_arn && one(aws_cloudfront_distribution.this.logging_config).bucket == "cima-logs.s3.amazonaws.com" && aws_s3_bucket_logging.this[0].target_bucket == "cima-logs"
    error_message = "WAF and both logs are attached when given."
  }

  assert {
    condition     = strcontains(local.content_security_policy, "connect-src 'self' https://api.example.com https://cima-test-console.auth.us-east-1.amazoncognito.com;") && !strcontains(local.content_security_policy, "execute-api")
    error_message = "A given API origin replaces the regional wildcard in connect-src."
  }

  assert {
    condition     = aws_cognito_user_pool_client.this.callback_urls == toset(["https://console.example.com/", "http://localhost:5173/"]) && aws_cognito_user_pool_client.this.logout_urls == aws_cognito_user_pool_client.this.callback_urls
    error_message = "Extra callback URLs are added for local development."
  }

  assert {
    condition     = aws_cognito_user_pool_domain.this.managed_login_version == 1 && length(aws_cognito_managed_login_branding.this) == 0
    error_message = "The classic hosted UI needs no managed login style."
  }

  assert {
    condition     = jsondecode(module.function.environment_variables["FIRST_RESPONSE_TARGETS"]) == { low = 480, normal = 240, high = 60, urgent = 30, critical = 15 } && module.function.function_name == "cima-prod-console-api"
    error_message = "First-response targets follow the variable."
  }
}

run "missing_assets_dir_uploads_only_config" {
  command = plan

  variables {
    assets_dir = "tests/no-such-directory"
  }

  assert {
    condition     = length(aws_s3_object.asset) == 0
    error_message = "Without the page's directory nothing but config.json is uploaded."
  }
}

run "rejects_bad_input" {
  command = plan

  variables {
    cognito_domain_prefix = "my-cognito-login"
    extra_callback_urls   = ["http://console.example.com/"]
    lambda_zip_path       = "tests/fixtures/bootstrap"
    api_endpoint          = "http://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
    api_connect_origin    = "https://*.example.com"
    web_acl_arn           = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/cima/0000"
    acm_certificate_arn   = "arn:aws:acm:eu-west-1:111111111111:certificate/0000"
    timeout               = 60
    managed_login_version = 3
  }

  expect_failures = [
    var.cognito_domain_prefix,
    var.extra_callback_urls,
    var.lambda_zip_path,
    var.api_endpoint,
    var.api_connect_origin,
    var.web_acl_arn,
    var.acm_certificate_arn,
    var.timeout,
    var.managed_login_version,
  ]
}

run "rejects_incomplete_first_response_targets" {
  command = plan

  variables {
    first_response_target_minutes = {
      low    = 1440
      normal = 720
      high   = 240
      urgent = 60
    }
  }

  expect_failures = [
    var.first_response_target_minutes,
  ]
}

run "rejects_unknown_severity_and_non_positive_targets" {
  command = plan

  variables {
    first_response_target_minutes = {
      low       = 1440
      normal    = 720
      high      = 0
      urgent    = 60
      critical  = 15
      emergency = 5
    }
    name_prefix = "This_Is_Not_Valid"
  }

  expect_failures = [
    var.first_response_target_minutes,
    var.name_prefix,
  ]
}

run "rejects_domain_without_certificate" {
  command = plan

  variables {
    domain_name = "console.example.com"
  }

  expect_failures = [
    aws_cloudfront_distribution.this,
  ]
}

run "rejects_tokens_outliving_the_refresh_token" {
  command = plan

  variables {
    access_token_validity_minutes = 180
    refresh_token_validity_hours  = 2
  }

  expect_failures = [
    aws_cognito_user_pool_client.this,
  ]
}

run "group_ous_reach_the_function" {
  command = plan

  variables {
    group_ous = {
      support-web = ["/Production/Web"]
      security    = ["/Security", "/"]
    }
  }

  assert {
    condition     = jsondecode(module.function.environment_variables["GROUP_OUS"]) == { support-web = ["/Production/Web"], security = ["/Security", "/"] }
    error_message = "The mapping reaches console-api as GROUP_OUS, as given."
  }
}

run "rejects_bad_group_ous" {
  command = plan

  variables {
    group_ous = {
      web = ["Production/Web", "/a//b"]
    }
  }

  expect_failures = [
    var.group_ous,
  ]
}
