# bootstrap/account-bootstrap for the uat account (AWS_PROFILE=cima-uat). Replace the example emails.
environment         = "uat"
alert_emails        = ["ops@example.com"]
budget_alert_emails = ["finance@example.com"]

