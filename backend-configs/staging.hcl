# S3 backend of the staging root state, in the staging account's state bucket (modules/account-bootstrap:
# <name_prefix>-tfstate-<account id>). Used as: terraform init -backend-config=backend-configs/staging.hcl
bucket  = "cima-staging-tfstate-555555555555"
key     = "cima/staging/terraform.tfstate"
region  = "us-east-1"
encrypt = true

# S3-native locking (account-bootstrap lock_mode = "s3_lockfile").
use_lockfile = true
