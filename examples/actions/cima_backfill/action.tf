# Read the last 90 days of one account's Support cases into the store, now:
#   terraform apply -invoke=action.cima_backfill.payments
action "cima_backfill" "payments" {
  config {
    account_id      = "333333333333"
    central_bus_arn = cima_case_pipeline.this.bus_arn
    days            = 90
  }
}

# Or each time an account is linked: a week of history right after its wiring is made.
action "cima_backfill" "new_account" {
  config {
    account_id      = "444444444444"
    central_bus_arn = cima_case_pipeline.this.bus_arn
    days            = 7
  }
}

resource "cima_linked_account" "new_account" {
  account_id        = "444444444444"
  central_bus_arn   = cima_case_pipeline.this.bus_arn
  enricher_role_arn = "arn:aws:iam::111111111111:role/cima-enricher"
  organization_id   = "o-abc123def4"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.cima_backfill.new_account]
    }
  }
}
