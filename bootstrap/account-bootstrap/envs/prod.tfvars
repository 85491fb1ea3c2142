# bootstrap/account-bootstrap for the prod account (AWS_PROFILE=cima-prod). Replace the example emails.
environment               = "prod"
alert_emails              = ["ops@example.com"]
budget_alert_emails       = ["finance@example.com"]
cloudtrail_retention_days = 2557 # the seed: 7-year retention for production
# The repo root's backend-configs/prod.hcl locks with DynamoDB (dynamodb_table = "cima-prod-tfstate-lock").
lock_mode = "dynamodb"
