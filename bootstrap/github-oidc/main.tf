data "aws_caller_identity" "current" {}

# The state key made by bootstrap/account-bootstrap in this account.
data "aws_kms_alias" "state" {
  name = "alias/${var.project}-${var.environment}-tfstate"
}

# The baseline's general key (CloudTrail, alerts): tagged like the stack's keys, never the deploy's.
data "aws_kms_alias" "baseline" {
  name = "alias/${var.project}-${var.environment}"
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  github_owner         = var.github_owner
  github_repository    = var.github_repository
  max_session_duration = var.max_session_duration

  environments = {
    (var.environment) = {
      resource_prefix     = var.resource_prefix
      glue_databases      = var.glue_databases
      state_bucket_name   = "${var.project}-${var.environment}-tfstate-${data.aws_caller_identity.current.account_id}"
      state_key_prefix    = var.state_key_prefix
      state_kms_key_arn   = data.aws_kms_alias.state.target_key_arn
      assumable_role_arns = var.organization_role_arn == null ? [] : [var.organization_role_arn]
      lock_table_name     = var.lock_table_name

      # A refresh reads the console's uploaded assets.
      plan_object_read_arns  = ["arn:aws:s3:::${var.resource_prefix}-*console-*/*"]
      protected_kms_key_arns = [data.aws_kms_alias.baseline.target_key_arn]
      protected_kms_aliases  = ["${var.project}-${var.environment}"]
    }
  }
}
