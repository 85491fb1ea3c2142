# Import an inventory object by bucket/key; the query is read back from the object's metadata.
terraform import cima_org_query.accountsinfo cima-data-123456789012/accountsinfo/accounts.csv
