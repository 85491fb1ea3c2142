data "aws_caller_identity" "current" {}

# The state key made by bootstrap/account-bootstrap in this account.
data "aws_kms_alias" "state" {
  name = "alias/${var.project}-${var.environment}-tfstate"
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
    }
  }
}
