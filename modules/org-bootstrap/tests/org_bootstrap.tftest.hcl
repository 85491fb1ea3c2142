mock_provider "aws" {}

variables {
  accounts = {
    dev = {
      name  = "dev"
      email = "ops+dev@example.com"
      ou    = "NonProduction"
    }
    prod = {
      name  = "prod"
      email = "ops+prod@example.com"
      ou    = "Production"
    }
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = toset(keys(aws_organizations_organizational_unit.this)) == toset(["Security", "Production", "NonProduction", "SharedServices"])
    error_message = "The four seed OUs must be created by default."
  }

  assert {
    condition     = aws_organizations_organization.this.feature_set == "ALL" && contains(aws_organizations_organization.this.aws_service_access_principals, "sso.amazonaws.com")
    error_message = "The organization must have all features and trust IAM Identity Center."
  }

  assert {
    condition     = !contains(keys(aws_organizations_policy.scp), "region_restriction")
    error_message = "No region SCP without allowed_regions."
  }

  assert {
    condition     = length(aws_organizations_policy_attachment.scp) == 13
    error_message = "Three SCPs on each of four OUs plus the MFA SCP on Production."
  }

  assert {
    condition     = aws_organizations_account.this["prod"].close_on_deletion == false && aws_organizations_account.this["prod"].role_name == "OrganizationAccountAccessRole"
    error_message = "Accounts are never closed on deletion and get the default access role."
  }

  assert {
    condition     = length(aws_organizations_policy_attachment.tag) == 4
    error_message = "The tag policy is attached to every OU by default."
  }
}

run "invalid_email_rejected" {
  command = plan

  variables {
    accounts = {
      dev = {
        name  = "dev"
        email = "not-an-email"
        ou    = "NonProduction"
      }
    }
  }

  expect_failures = [var.accounts]
}

run "unknown_ou_rejected" {
  command = plan

  variables {
    accounts = {
      dev = {
        name  = "dev"
        email = "ops+dev@example.com"
        ou    = "Sandbox"
      }
    }
  }

  expect_failures = [aws_organizations_account.this]
}

run "region_allow_list" {
  command = plan

  variables {
    allowed_regions = ["us-east-1", "eu-west-1"]
  }

  assert {
    condition     = contains(keys(aws_organizations_policy.scp), "region_restriction")
    error_message = "The region SCP is created when allowed_regions is set."
  }

  assert {
    condition     = length(aws_organizations_policy_attachment.scp) == 17
    error_message = "The region SCP is attached to every OU listing it."
  }
}

run "tag_policy_disabled" {
  command = plan

  variables {
    enable_tag_policy = false
  }

  assert {
    condition     = length(aws_organizations_policy.tag) == 0 && length(aws_organizations_policy_attachment.tag) == 0
    error_message = "No tag policy when disabled."
  }
}
