# Import an account's existing CIMA wiring by its account id.
terraform import 'cima_linked_account.this["333333333333"]' 333333333333

# Wired with names that are not the defaults: name them after the account id.
terraform import 'cima_linked_account.this["444444444444"]' \
  '444444444444,access_role_name=AcmeAdmin,case_reader_role_name=AcmeCaseReader,query_role_name=AcmeChatQuery'
