# Credentials of the environment's account (AWS_PROFILE=cima-<env>: ../README.md).
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
