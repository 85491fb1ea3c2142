# How many of the organization's Support cases there are per severity, by the names AWS gives them.
data "cima_cases" "all" {
  role_name = "CimaCaseReaderRole"
}

output "cases_by_severity_name" {
  value = {
    for code in distinct(data.cima_cases.all.cases[*].severity_code) :
    provider::cima::severity_name(code) => length([for c in data.cima_cases.all.cases : c if c.severity_code == code])
  }
}
