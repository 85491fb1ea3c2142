# bootstrap/account-bootstrap for the security account (AWS_PROFILE=cima-security). Replace the example emails.
environment         = "security"
alert_emails        = ["ops@example.com"]
budget_alert_emails = ["finance@example.com"]

