# Credentials of the shared-services account (AWS_PROFILE=cima-shared: ../README.md).
provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = "shared"
      ManagedBy   = "terraform"
    })
  }
}
