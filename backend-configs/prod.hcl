# S3 backend of the prod root state, in the prod account's state bucket (modules/account-bootstrap:
# <name_prefix>-tfstate-<account id>). Used as: terraform init -backend-config=backend-configs/prod.hcl
bucket  = "cima-prod-tfstate-777777777777"
key     = "cima/prod/terraform.tfstate"
region  = "us-east-1"
encrypt = true

# DynamoDB locking (account-bootstrap lock_mode = "dynamodb").
dynamodb_table = "cima-prod-tfstate-lock"
