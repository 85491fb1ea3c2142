# Management-account credentials (the organization's payer account).
provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = "management"
      ManagedBy   = "terraform"
    })
  }
}
