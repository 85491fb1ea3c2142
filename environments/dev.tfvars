# dev: the CIMA central pipeline, chat API and console in the dev account.
# Example values (account ids 111111111111 = management, 444444444444 dev, 555555555555 staging,
# 666666666666 uat, 777777777777 prod; o-a1b2c3d4e5): replace them with your organization's.
# Used as: terraform apply -var-file=environments/dev.tfvars

environment        = "dev"
region             = "us-east-1"
central_account_id = "444444444444"
organization_id    = "o-a1b2c3d4e5"

# Both providers assume the environment's deploy role (bootstrap/github-oidc creates it).
deploy_role_arn = "arn:aws:iam::444444444444:role/github-deploy-dev"

# The deploy role creates roles only with its workload boundary (bootstrap/github-oidc output
# workload_boundary_arn).
permissions_boundary_arn = "arn:aws:iam::444444444444:policy/cima-workload-boundary"

# Not linked: prod owns the organization-wide wiring. This environment's pipeline is
# exercised with backfill requests and test events put on its own bus.
link_accounts = false

# The central account reads Organizations for the inventory (delegated administrator).
create_accounts_inventory = true
# Each account's label in accountsinfo.tag: its Environment tag (the org tag policy's key).
inventory_tag_key = "Environment"

enricher_reserved_concurrency = 5
lambda_architectures          = ["x86_64"]
lambda_log_level              = "debug,aws_config=info,hyper=info"

log_retention_days  = 30
data_retention_days = 90
force_destroy       = true
deletion_protection = false

alarm_emails       = ["cima-dev-alerts@example.com"]
enable_case_alerts = false

# CORS: the root adds the console's origin; localhost runs the page locally.
enable_chat_api                = true
chat_allowed_origins           = ["http://localhost:5173"]
cognito_user_pool_tier         = "ESSENTIALS"
cognito_advanced_security_mode = "OFF"

# The console: the page on CloudFront, managed login on the chat API's user pool, case routes.
enable_console              = true
console_extra_callback_urls = ["http://localhost:5173/"]

tags = {
  CostCenter = "platform"
  Owner      = "cloud-ops"
}
