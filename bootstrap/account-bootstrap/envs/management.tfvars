# bootstrap/account-bootstrap for the management account (management credentials). Replace the example emails.
environment         = "management"
alert_emails        = ["ops@example.com"]
budget_alert_emails = ["finance@example.com"]
# Not in the seed's budget table: set one here if the payer account should have its own.
# monthly_budget_limit = 100
