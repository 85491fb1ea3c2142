# prod: the CIMA central pipeline, chat API and console in the prod account.
# Example values (account ids 111111111111 = management, 444444444444 dev, 555555555555 staging,
# 666666666666 uat, 777777777777 prod; o-a1b2c3d4e5): replace them with your organization's.
# Used as: terraform apply -var-file=environments/prod.tfvars

environment        = "prod"
region             = "us-east-1"
central_account_id = "777777777777"
organization_id    = "o-a1b2c3d4e5"

# Both providers assume the environment's deploy role (bootstrap/github-oidc creates it).
deploy_role_arn = "arn:aws:iam::777777777777:role/github-deploy-prod"

# The deploy role creates roles only with its workload boundary (bootstrap/github-oidc output
# workload_boundary_arn).
permissions_boundary_arn = "arn:aws:iam::777777777777:policy/cima-workload-boundary"

# Linking runs in the management account: it lists the organization and assumes
# OrganizationAccountAccessRole into every member. Only prod links the organization; the
# member-side roles and rules have fixed names, so one pipeline per organization owns them.
link_accounts         = true
organization_role_arn = "arn:aws:iam::111111111111:role/cima-organization-deploy"
link_central_account  = true
backfill_days         = 365
linked_exclude_account_ids = [
  "888888888888", # a sandbox left unwired
]

# The central account reads Organizations for the inventory (delegated administrator).
create_accounts_inventory = true
# Each account's label in accountsinfo.tag: its Environment tag (the org tag policy's key).
inventory_tag_key = "Environment"

enricher_reserved_concurrency = 20
lambda_architectures          = ["x86_64"]
lambda_log_level              = "info"

log_retention_days  = 365
data_retention_days = 730
force_destroy       = false
deletion_protection = true

alarm_emails       = ["cloud-ops@example.com", "support-leads@example.com"]
enable_case_alerts = true

enable_chat_api                = true
chat_allowed_origins           = [] # CORS: the console's origin only (the root adds it)
cognito_user_pool_tier         = "PLUS"
cognito_advanced_security_mode = "ENFORCED"
bedrock_model_id               = "us.anthropic.claude-3-haiku-20240307-v1:0"

# The console: the page on CloudFront, managed login on the chat API's user pool, case routes.
enable_console = true

tags = {
  CostCenter = "platform"
  Owner      = "cloud-ops"
}
