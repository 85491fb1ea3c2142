# Import an account's existing CIMA wiring by its account id.
terraform import 'cima_linked_account.this["333333333333"]' 333333333333
