# Act in one member account for this run only: the credentials never reach plan or state.
ephemeral "cima_member_credentials" "audit" {
  account_id       = "333333333333"
  duration_seconds = 1800
}

provider "aws" {
  alias      = "audit"
  region     = "us-east-1"
  access_key = ephemeral.cima_member_credentials.audit.access_key_id
  secret_key = ephemeral.cima_member_credentials.audit.secret_access_key
  token      = ephemeral.cima_member_credentials.audit.session_token
}

# The cima provider takes them the same way.
provider "cima" {
  alias      = "audit"
  access_key = ephemeral.cima_member_credentials.audit.access_key_id
  secret_key = ephemeral.cima_member_credentials.audit.secret_access_key
  token      = ephemeral.cima_member_credentials.audit.session_token
}

data "cima_caller_identity" "audit" {
  provider = cima.audit
}
