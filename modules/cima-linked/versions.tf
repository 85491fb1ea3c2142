terraform {
  required_version = ">= 1.5"

  required_providers {
    cima = {
      source  = "cimahq/cima"
      version = "~> 0.1"
    }
  }
}
