# Check one account's wiring without changing anything.
data "cima_linked_account" "check" {
  account_id        = "333333333333"
  central_bus_arn   = "arn:aws:events:us-east-1:111111111111:event-bus/cima-cases"
  enricher_role_arn = "arn:aws:iam::111111111111:role/cima-case-enricher"
}

output "wiring_problems" {
  value = data.cima_linked_account.check.healthy ? [] : data.cima_linked_account.check.problems
}
