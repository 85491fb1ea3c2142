# Read the central pipeline another configuration manages, e.g. to wire member accounts to it.
data "cima_case_pipeline" "central" {
  bus_name = "cima-cases"
}

output "central_bus_arn" {
  value = data.cima_case_pipeline.central.bus_arn
}
