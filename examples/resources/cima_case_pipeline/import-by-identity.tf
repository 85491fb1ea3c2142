# Adopt the pipeline built around the central bus `cima-cases` in the provider's account and region.
import {
  to       = cima_case_pipeline.this
  identity = { bus_name = "cima-cases" }
}
