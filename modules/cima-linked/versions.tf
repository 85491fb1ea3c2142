terraform {
  required_version = ">= 1.6"

  required_providers {
    cima = {
      source  = "cimahq/cima"
      version = "~> 0.1"
    }
  }
}
