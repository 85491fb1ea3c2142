# bootstrap/account-bootstrap for the dev account (AWS_PROFILE=cima-dev). Replace the example emails.
environment         = "dev"
alert_emails        = ["ops@example.com"]
budget_alert_emails = ["finance@example.com"]

