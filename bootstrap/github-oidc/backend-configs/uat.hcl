# State of bootstrap/github-oidc in the uat account's bucket; bucket and kms_key_id on the command
# line (../README.md, step 10).
key          = "bootstrap/github-oidc/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
