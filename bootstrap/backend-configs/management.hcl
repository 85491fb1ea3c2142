# The organization root's state, in the management account's state bucket (created by
# bootstrap/account-bootstrap with envs/management.tfvars). bucket and kms_key_id are passed on the
# command line (README.md, step 5): both embed the account id.
key          = "bootstrap/org/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
