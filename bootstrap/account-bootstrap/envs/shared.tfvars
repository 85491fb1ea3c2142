# bootstrap/account-bootstrap for the shared account (AWS_PROFILE=cima-shared). Replace the example emails.
environment         = "shared"
alert_emails        = ["ops@example.com"]
budget_alert_emails = ["finance@example.com"]
ecr_repositories    = ["cima/case-enricher", "cima/chat-query"]
