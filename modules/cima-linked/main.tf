data "cima_org_query" "this" {
  parent_ids                 = length(var.parent_ids) == 0 ? null : var.parent_ids
  recursive                  = var.recursive
  statuses                   = var.statuses
  tags                       = length(var.account_tags) == 0 ? null : var.account_tags
  include_account_ids        = length(var.include_account_ids) == 0 ? null : var.include_account_ids
  exclude_account_ids        = length(var.exclude_account_ids) == 0 ? null : var.exclude_account_ids
  include_management_account = var.include_management_account
}

locals {
  # Keys come from the organization query and plain variables only, so for_each is known at plan.
  account_ids = toset([
    for id in data.cima_org_query.this.account_ids : id
    if var.include_central_account || id != var.central_account_id
  ])
  organization_id = coalesce(var.organization_id, data.cima_org_query.this.organization_id)
}

resource "cima_linked_account" "this" {
  for_each = local.account_ids

  account_id            = each.value
  central_bus_arn       = var.central_bus_arn
  enricher_role_arn     = var.enricher_role_arn
  organization_id       = local.organization_id
  access_role_name      = var.access_role_name
  case_reader_role_name = var.case_reader_role_name
  dead_letter_queue_arn = var.dead_letter_queue_arn
  backfill_days         = var.backfill_days
  tags                  = length(var.tags) == 0 ? null : var.tags

  dynamic "query_role" {
    for_each = var.enable_query_role ? [1] : []

    content {
      trusted_role_arn = var.query_role_trusted_arn
      name             = var.query_role_name
      external_id      = var.query_role_external_id
    }
  }

  timeouts {
    create = var.timeouts.create
    delete = var.timeouts.delete
  }

  lifecycle {
    precondition {
      condition     = !var.enable_query_role || var.query_role_trusted_arn != null
      error_message = "enable_query_role needs query_role_trusted_arn (the chat-query Lambda's role)."
    }
  }
}
