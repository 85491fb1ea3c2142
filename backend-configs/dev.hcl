# S3 backend of the dev root state, in the dev account's state bucket (modules/account-bootstrap:
# <name_prefix>-tfstate-<account id>). Used as: terraform init -backend-config=backend-configs/dev.hcl
bucket  = "cima-dev-tfstate-444444444444"
key     = "cima/dev/terraform.tfstate"
region  = "us-east-1"
encrypt = true

# S3-native locking (account-bootstrap lock_mode = "s3_lockfile").
use_lockfile = true
