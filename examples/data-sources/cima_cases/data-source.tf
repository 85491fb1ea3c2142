# Open urgent and critical Support cases across every active account of the organization,
# read through the case-reader role the CIMA linked-account wiring creates.
data "cima_cases" "severe" {
  severities = ["urgent", "critical"]
  role_name  = "CimaCaseReaderRole"
  after_time = "2026-01-01T00:00:00Z"
}

output "severe_open_cases" {
  value = [
    for c in data.cima_cases.severe.cases :
    "${c.account_name} #${c.display_id} (${c.severity_name}): ${c.subject}"
  ]
}

output "severe_by_account" {
  value = data.cima_cases.severe.summary.by_account
}

# Accounts whose cases could not be read (role missing, access denied, timeout).
output "unreadable_accounts" {
  value = data.cima_cases.severe.account_errors[*].account_id
}
