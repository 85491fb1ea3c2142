# State of bootstrap/shared-services in the shared-services account's bucket; bucket and kms_key_id on
# the command line (../README.md, step 7).
key          = "bootstrap/shared-services/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
