# A link to each open urgent or business-critical case, for the on-call runbook.
data "cima_cases" "urgent" {
  role_name  = "CimaCaseReaderRole"
  severities = ["urgent", "critical"]
}

output "urgent_case_links" {
  value = {
    for c in data.cima_cases.urgent.cases :
    "${c.account_name} #${c.display_id}" => provider::cima::case_console_url(c.display_id, c.account_id)
  }
}
