# Adopt an account CIMA already wires, by its account id alone. The wiring is read under the
# provider's role names; one wired with other names is imported by id (see above).
import {
  to       = cima_linked_account.this["333333333333"]
  identity = { account_id = "333333333333" }
}
