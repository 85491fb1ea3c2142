# bootstrap/account-bootstrap for the staging account (AWS_PROFILE=cima-staging). Replace the example emails.
environment         = "staging"
alert_emails        = ["ops@example.com"]
budget_alert_emails = ["finance@example.com"]

