# Import an inventory object by bucket/key; the query, the format and tag_key are read back from
# the object's metadata (tag_key null for an object written before the attribute existed).
terraform import cima_org_query.accountsinfo cima-data-123456789012/accountsinfo/accounts.csv
