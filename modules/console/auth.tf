################################################################################
# Cognito: the page's public client (authorization code + PKCE) and the managed login domain
################################################################################

resource "aws_cognito_user_pool_client" "this" {
  name         = "${var.name_prefix}-console"
  user_pool_id = var.user_pool_id

  # A browser keeps no secret: the page proves itself with PKCE (S256) on the code exchange.
  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = concat([local.url], var.extra_callback_urls)
  logout_urls                          = concat([local.url], var.extra_callback_urls)

  # Sign-in happens on the managed login pages only; the page itself may just refresh.
  explicit_auth_flows           = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  access_token_validity         = var.access_token_validity_minutes
  id_token_validity             = var.access_token_validity_minutes
  refresh_token_validity        = var.refresh_token_validity_hours
  auth_session_validity         = 3

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "hours"
  }

  lifecycle {
    precondition {
      condition     = var.access_token_validity_minutes < var.refresh_token_validity_hours * 60
      error_message = "access_token_validity_minutes must be shorter than refresh_token_validity_hours: Cognito refuses access and id tokens that outlive the refresh token."
    }
  }
}

resource "aws_cognito_user_pool_domain" "this" {
  domain                = var.cognito_domain_prefix
  user_pool_id          = var.user_pool_id
  managed_login_version = var.managed_login_version
}

# Managed login shows an app client's pages only once a style is assigned to it: Cognito's own.
resource "aws_cognito_managed_login_branding" "this" {
  count = var.managed_login_version == 2 ? 1 : 0

  user_pool_id                = var.user_pool_id
  client_id                   = aws_cognito_user_pool_client.this.id
  use_cognito_provided_values = true

  depends_on = [aws_cognito_user_pool_domain.this]
}
