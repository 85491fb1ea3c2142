mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }
}

variables {
  github_owner      = "cimahq"
  github_repository = "terraform-provider-cima"
  environments = {
    dev = {
      resource_prefix   = "cima-dev"
      state_bucket_name = "cima-dev-tfstate-123456789012"
    }
    prod = {
      resource_prefix   = "cima-prod"
      state_bucket_name = "cima-prod-tfstate-123456789012"
      lock_table_name   = "cima-prod-tfstate-lock"
    }
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = length(aws_iam_openid_connect_provider.this) == 1 && aws_iam_openid_connect_provider.this[0].url == "https://token.actions.githubusercontent.com"
    error_message = "The GitHub OIDC provider is created."
  }

  assert {
    condition     = toset(aws_iam_openid_connect_provider.this[0].client_id_list) == toset(["sts.amazonaws.com"])
    error_message = "The only audience is sts.amazonaws.com."
  }

  assert {
    condition     = output.subjects.prod == "repo:cimahq/terraform-provider-cima:environment:prod"
    error_message = "Each role trusts exactly its repository environment."
  }

  assert {
    condition     = aws_iam_role.this["dev"].name == "github-deploy-dev" && aws_iam_role.this["prod"].max_session_duration == 3600
    error_message = "Roles are named per environment with a one-hour session."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.deploy) == 12
    error_message = "Six deploy policies per role (state, read, compute, data, console, guard)."
  }

  assert {
    condition     = aws_iam_role.plan["dev"].name == "github-plan-dev" && length(aws_iam_role_policy_attachment.plan_read) == 2 && length(aws_iam_role_policy_attachment.plan_state) == 2
    error_message = "A plan role per environment, with the read policy and its own state policy."
  }

  assert {
    condition     = aws_iam_policy.workload_boundary.name == "cima-workload-boundary"
    error_message = "The workload boundary policy is created with its default name."
  }

  assert {
    condition     = aws_iam_role.this["dev"].permissions_boundary == null
    error_message = "No permissions boundary unless asked for."
  }
}

run "unknown_environment_rejected" {
  command = plan

  variables {
    environments = {
      production = {
        resource_prefix   = "cima-prod"
        state_bucket_name = "cima-prod-tfstate-123456789012"
      }
    }
  }

  expect_failures = [var.environments]
}

run "short_session_rejected" {
  command = plan

  variables {
    max_session_duration = 900
  }

  expect_failures = [var.max_session_duration]
}

run "existing_provider_and_boundary" {
  command = plan

  variables {
    create_oidc_provider     = false
    oidc_provider_arn        = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/deploy-boundary"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.this) == 0 && output.oidc_provider_arn == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "An existing provider is used when create_oidc_provider is false."
  }

  assert {
    condition     = aws_iam_role.this["prod"].permissions_boundary == "arn:aws:iam::123456789012:policy/deploy-boundary"
    error_message = "The permissions boundary is set on every role."
  }
}

run "missing_provider_arn_rejected" {
  command = plan

  variables {
    create_oidc_provider = false
  }

  expect_failures = [aws_iam_role.this, aws_iam_role.plan]
}
