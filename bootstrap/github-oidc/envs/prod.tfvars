# bootstrap/github-oidc for the prod account (AWS_PROFILE=cima-prod).
environment       = "prod"
github_owner      = "cimahq"
github_repository = "terraform-provider-cima"

# prod links the organization (environments/prod.tfvars organization_role_arn): replace
# 111111111111 with the management account id (terraform -chdir=bootstrap output management_account_id).
organization_role_arn = "arn:aws:iam::111111111111:role/cima-organization-deploy"

# prod locks in DynamoDB (backend-configs/prod.hcl dynamodb_table).
lock_table_name = "cima-prod-tfstate-lock"
