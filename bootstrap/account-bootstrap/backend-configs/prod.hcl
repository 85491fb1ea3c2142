# State of bootstrap/account-bootstrap in the prod account's own bucket. bucket and kms_key_id come
# from this root's outputs on the command line (../README.md, Phase 2).
key          = "bootstrap/account-bootstrap/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
