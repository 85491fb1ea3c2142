# Credentials of the account being bootstrapped (AWS_PROFILE=<project>-<environment>, a profile that
# assumes OrganizationAccountAccessRole from the management account: ../README.md).
provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}
