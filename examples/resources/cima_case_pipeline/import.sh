# Import a case pipeline by its event bus name.
terraform import cima_case_pipeline.this cima-cases
