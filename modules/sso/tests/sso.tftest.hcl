mock_provider "aws" {
  mock_data "aws_ssoadmin_instances" {
    defaults = {
      arns               = ["arn:aws:sso:::instance/ssoins-1234567890abcdef"]
      identity_store_ids = ["d-1234567890"]
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  account_assignments = {
    dev = {
      account_id = "111111111111"
      production = false
      groups = {
        Developers = ["developer"]
        DevOps     = ["devops"]
      }
    }
    prod = {
      account_id = "222222222222"
      production = true
      groups = {
        DevOps   = ["devops"]
        Auditors = ["auditor"]
      }
    }
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = toset(keys(aws_ssoadmin_permission_set.this)) == toset(["admin", "devops", "developer", "finance", "auditor"])
    error_message = "The five permission sets exist."
  }

  assert {
    condition     = aws_ssoadmin_permission_set.this["admin"].session_duration == "PT1H" && aws_ssoadmin_permission_set.this["developer"].session_duration == "PT8H"
    error_message = "Default session durations apply."
  }

  assert {
    condition     = aws_ssoadmin_permission_set.this["admin"].instance_arn == "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    error_message = "The instance is looked up when not given."
  }

  assert {
    condition     = length(aws_ssoadmin_account_assignment.this) == 4 && toset(keys(aws_identitystore_group.this)) == toset(["Developers", "DevOps", "Auditors"])
    error_message = "One assignment per account, group and permission set; groups created once."
  }

  assert {
    condition     = aws_ssoadmin_managed_policy_attachment.this["finance/Billing"].managed_policy_arn == "arn:aws:iam::aws:policy/job-function/Billing"
    error_message = "Finance gets the Billing job-function policy."
  }

  assert {
    condition     = output.portal_url == "https://d-1234567890.awsapps.com/start"
    error_message = "The portal URL derives from the identity store id."
  }
}

run "developer_in_production_rejected" {
  command = plan

  variables {
    account_assignments = {
      prod = {
        account_id = "222222222222"
        production = true
        groups = {
          Developers = ["developer"]
        }
      }
    }
  }

  expect_failures = [var.account_assignments]
}

run "bad_session_duration_rejected" {
  command = plan

  variables {
    session_durations = { admin = "PT13H" }
  }

  expect_failures = [var.session_durations]
}

run "existing_groups_looked_up" {
  command = plan

  variables {
    create_groups     = false
    session_durations = { admin = "PT2H" }
  }

  assert {
    condition     = length(aws_identitystore_group.this) == 0 && length(data.aws_identitystore_group.this) == 3
    error_message = "Groups are looked up, not created, when create_groups is false."
  }

  assert {
    condition     = aws_ssoadmin_permission_set.this["admin"].session_duration == "PT2H"
    error_message = "A session duration override applies."
  }
}
