# The organization query is mocked with three accounts, one of them the central account.
mock_provider "cima" {
  mock_data "cima_org_query" {
    defaults = {
      organization_id       = "o-a1b2c3d4e5"
      management_account_id = "111111111111"
      account_ids           = ["111111111111", "444444444444", "777777777777"]
    }
  }

  mock_resource "cima_linked_account" {
    defaults = {
      status = "wired"
    }
  }
}

variables {
  central_bus_arn    = "arn:aws:events:us-east-1:777777777777:event-bus/cima-cases"
  enricher_role_arn  = "arn:aws:iam::777777777777:role/cima-case-enricher"
  central_account_id = "777777777777"
}

run "defaults" {
  command = apply

  assert {
    condition     = output.account_ids == tolist(["111111111111", "444444444444"])
    error_message = "Every selected account except the central one is wired."
  }

  assert {
    condition     = cima_linked_account.this["444444444444"].backfill_days == 90 && cima_linked_account.this["444444444444"].case_reader_role_name == "CimaCaseReaderRole"
    error_message = "New accounts backfill 90 days and get the CimaCaseReaderRole."
  }

  assert {
    condition     = cima_linked_account.this["444444444444"].organization_id == "o-a1b2c3d4e5"
    error_message = "Without organization_id, the queried organization's id restricts the trust."
  }

  assert {
    condition     = cima_linked_account.this["444444444444"].query_role == null
    error_message = "No chat read-only role unless asked."
  }

  assert {
    condition     = cima_linked_account.this["444444444444"].dead_letter_queue_arn == null
    error_message = "No dead-letter queue unless one is given."
  }

  assert {
    condition     = length(output.unhealthy_accounts) == 0 && output.wired_accounts["111111111111"].status == "wired"
    error_message = "Healthy accounts are reported as wired and none as unhealthy."
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    backfill_days         = 400
    exclude_account_ids   = ["12345"]
    central_account_id    = "central"
    dead_letter_queue_arn = "cima-case-events-dlq"
  }

  expect_failures = [
    var.dead_letter_queue_arn,
    var.backfill_days,
    var.exclude_account_ids,
    var.central_account_id,
  ]
}

run "query_role_and_central_account" {
  command = plan

  variables {
    include_central_account = true
    enable_query_role       = true
    query_role_trusted_arn  = "arn:aws:iam::777777777777:role/cima-chat-query"
    organization_id         = "o-zz9988776655"
    backfill_days           = 0
    dead_letter_queue_arn   = "arn:aws:sqs:us-east-1:777777777777:cima-case-events-dlq"
  }

  assert {
    condition     = alltrue([for a in cima_linked_account.this : a.dead_letter_queue_arn == "arn:aws:sqs:us-east-1:777777777777:cima-case-events-dlq"])
    error_message = "Every forwarding target dead-letters into the given queue."
  }

  assert {
    condition     = length(cima_linked_account.this) == 3
    error_message = "include_central_account wires the central account too."
  }

  assert {
    condition     = cima_linked_account.this["777777777777"].query_role.trusted_role_arn == "arn:aws:iam::777777777777:role/cima-chat-query" && cima_linked_account.this["777777777777"].query_role.name == "ChatSystemReadOnlyRole"
    error_message = "The read-only role trusts the chat-query role."
  }

  assert {
    condition     = cima_linked_account.this["444444444444"].organization_id == "o-zz9988776655" && cima_linked_account.this["444444444444"].backfill_days == 0
    error_message = "An explicit organization id and backfill_days are passed through."
  }
}

run "query_role_needs_trusted_arn" {
  command = plan

  variables {
    enable_query_role = true
  }

  expect_failures = [
    cima_linked_account.this,
  ]
}
