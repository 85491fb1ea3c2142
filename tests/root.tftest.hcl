# Plans and applies the deployable root against mocked providers with one environment's tfvars:
#
#   testing/aws-standin/tf-offline . test -var-file=environments/prod.tfvars   (and dev, staging, uat)
#
# The Lambda zips come from the modules' test fixtures so no build is needed.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "777777777777"
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
      id       = "us-east-1_AbCdEfGhI"
      endpoint = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI"
    }
  }

  # The console validates what it receives from the chat API and the central pipeline.
  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      api_endpoint  = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
      execution_arn = "arn:aws:execute-api:us-east-1:777777777777:a1b2c3d4e5"
    }
  }

  mock_resource "aws_apigatewayv2_authorizer" {
    defaults = {
      id = "abc123"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::cima-mocked-bucket"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:777777777777:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      domain_name = "d111111abcdef8.cloudfront.net"
    }
  }

  mock_resource "aws_cognito_user_pool_client" {
    defaults = {
      id = "1example23456789abcdefghij"
    }
  }

  # The cima provider checks ARN formats even under a mock, so the ARNs it receives are realistic.
  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:us-east-1:777777777777:function:mocked"
    }
  }

  mock_resource "aws_kinesis_firehose_delivery_stream" {
    defaults = {
      arn = "arn:aws:firehose:us-east-1:777777777777:deliverystream/mocked"
    }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:777777777777:mocked"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::777777777777:role/mocked"
    }
  }
}

mock_provider "cima" {
  mock_resource "cima_case_pipeline" {
    defaults = {
      bus_arn = "arn:aws:events:us-east-1:777777777777:event-bus/mocked"
    }
  }
}

mock_provider "cima" {
  alias = "organization"

  mock_data "cima_org_query" {
    defaults = {
      organization_id = "o-a1b2c3d4e5"
      account_ids     = ["111111111111", "444444444444", "777777777777", "888888888888"]
    }
  }

  mock_resource "cima_linked_account" {
    defaults = {
      status = "wired"
    }
  }
}

variables {
  enricher_zip_path    = "modules/cima-central/tests/fixtures/bootstrap.zip"
  chat_query_zip_path  = "modules/chat-api/tests/fixtures/bootstrap.zip"
  console_api_zip_path = "modules/console/tests/fixtures/bootstrap.zip"
}

run "environment" {
  command = apply

  assert {
    condition     = output.environment == var.environment && contains(["dev", "staging", "uat", "prod"], output.environment)
    error_message = "The state deploys the environment its tfvars name."
  }

  # The deploy role (modules/github-oidc) creates roles only with its workload boundary.
  assert {
    condition     = var.deploy_role_arn == null || var.permissions_boundary_arn == "arn:aws:iam::${var.central_account_id}:policy/cima-workload-boundary"
    error_message = "An environment deployed by its deploy role passes the deploy role's workload boundary to the roles it creates."
  }

  assert {
    condition     = local.name_prefix == "cima-${var.environment}" && local.enricher_zip_path == "./modules/cima-central/tests/fixtures/bootstrap.zip"
    error_message = "Names carry the environment; relative zip paths resolve against the root."
  }

  assert {
    condition     = length(module.cima_linked) == (var.link_accounts ? 1 : 0) && length(module.chat_api) == (var.enable_chat_api ? 1 : 0)
    error_message = "Linking and the chat API follow their toggles."
  }

  assert {
    condition     = !var.link_accounts || (contains(output.linked_account_ids, "444444444444") && contains(output.linked_account_ids, "777777777777") == var.link_central_account)
    error_message = "Linking wires the organization's accounts, the central one only when link_central_account is set."
  }

  assert {
    condition     = length(output.unhealthy_linked_accounts) == 0
    error_message = "Freshly wired accounts are healthy."
  }

  assert {
    condition     = !var.enable_chat_api || output.chat_api_endpoint != null
    error_message = "The chat API's endpoint is an output when it is enabled."
  }

  assert {
    condition     = length(module.console) == (var.enable_console && var.enable_chat_api ? 1 : 0) && (length(module.console) == 0 || output.console_url == "https://d111111abcdef8.cloudfront.net/")
    error_message = "The console follows its toggle (on the chat API) and its URL is an output."
  }

  assert {
    condition     = length(module.console) == 0 || (local.chat_cors_allowed_origins == tolist(concat(["https://d111111abcdef8.cloudfront.net"], var.chat_allowed_origins)) && local.chat_extra_jwt_audiences == tolist(["1example23456789abcdefghij"]))
    error_message = "The chat API's CORS allows the console's origin (and the further origins given), and its authorizer the console's client."
  }
}

run "rejects_unknown_environment" {
  command = plan

  variables {
    environment = "production"
  }

  expect_failures = [
    var.environment,
  ]
}

run "without_linking_or_chat" {
  command = plan

  variables {
    link_accounts   = false
    enable_chat_api = false
  }

  assert {
    condition     = length(module.cima_linked) == 0 && length(module.chat_api) == 0
    error_message = "Both optional parts can be turned off."
  }

  assert {
    condition     = output.chat_api_endpoint == null && length(output.linked_account_ids) == 0
    error_message = "Their outputs are null/empty when off."
  }

  assert {
    condition     = length(module.console) == 0 && output.console_url == null
    error_message = "Without the chat API there is no console, whatever enable_console says."
  }
}
