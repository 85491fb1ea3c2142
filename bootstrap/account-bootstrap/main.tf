module "account" {
  source = "../../modules/account-bootstrap"

  name_prefix               = "${var.project}-${var.environment}"
  environment               = var.environment
  lock_mode                 = var.lock_mode
  alert_emails              = var.alert_emails
  budget_alert_emails       = var.budget_alert_emails
  budget_limits             = var.budget_limits
  monthly_budget_limit      = var.monthly_budget_limit
  cloudtrail_retention_days = var.cloudtrail_retention_days
  ecr_repositories          = var.ecr_repositories
}
