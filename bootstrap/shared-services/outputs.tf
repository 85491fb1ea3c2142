output "ecr_repository_policies" {
  description = "Repositories opened to the workload accounts."
  value       = keys(aws_ecr_repository_policy.this)
}

output "zone_id" {
  description = "Route 53 zone id, null without domain_name."
  value       = try(aws_route53_zone.this[0].zone_id, null)
}

output "name_servers" {
  description = "Name servers to delegate the domain to, empty without domain_name."
  value       = try(aws_route53_zone.this[0].name_servers, [])
}
