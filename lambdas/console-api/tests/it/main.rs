//! console-api against the local AWS (moto with the project's extensions): the handler is called
//! with API Gateway payload 2.0 events; Athena runs its SQL for real (DuckDB over moto's S3 and
//! Glue), over tables created as cima-central's storage.tf defines them.

mod harness;
mod packaged;
mod store;
