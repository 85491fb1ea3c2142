# accounts.tfquery.hcl: the member accounts CIMA already runs in, to adopt them into this state.
#
#   terraform query                                      # lists them, each with its status
#   terraform query -generate-config-out=generated.tf    # a resource and an import block for each
#   terraform plan                                       # "N to import, 0 to add"
list "cima_linked_account" "workloads" {
  provider = cima

  config {
    ou_paths = ["/Workloads"]
    wiring   = "complete"
  }
}

# Wiring that an interrupted apply or a hand left half-made, to repair or remove.
list "cima_linked_account" "incomplete" {
  provider = cima

  config {
    wiring = "incomplete"
  }
}
