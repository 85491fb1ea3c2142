//! Integration tests of the provider binary: the go-plugin handshake and mutual TLS on the real
//! process, and acceptance tests that drive the real Terraform against a local AWS (moto).

mod action;
mod case_pipeline;
mod case_pipeline_drift;
mod cases;
mod ephemeral;
mod faults;
mod functions;
mod handshake;
mod harness;
mod identity;
mod interrupt;
mod linked_account;
mod linked_account_import;
mod linked_account_unreachable;
mod org_query;
mod org_query_resource;
mod pipeline_e2e;
mod protocol;
mod query;
mod schema;
mod secrets;
mod validate;
