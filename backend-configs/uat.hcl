# S3 backend of the uat root state, in the uat account's state bucket (modules/account-bootstrap:
# <name_prefix>-tfstate-<account id>). Used as: terraform init -backend-config=backend-configs/uat.hcl
bucket  = "cima-uat-tfstate-666666666666"
key     = "cima/uat/terraform.tfstate"
region  = "us-east-1"
encrypt = true

# S3-native locking (account-bootstrap lock_mode = "s3_lockfile").
use_lockfile = true
