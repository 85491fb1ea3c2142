# Adopt an inventory object by where it is.
import {
  to = cima_org_query.accountsinfo
  identity = {
    bucket = "cima-data-123456789012"
    key    = "accountsinfo/accounts.csv"
  }
}
