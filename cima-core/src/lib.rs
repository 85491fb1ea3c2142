//! Domain code shared by the provider and the Lambdas. No Terraform or protocol types here: the
//! provider maps these models onto its schemas, the Lambdas onto their events.

pub mod access;
pub mod cases;
pub mod contract;
pub mod enrich;
pub mod errors;
pub mod fanout;
pub mod ids;
pub mod org;
pub mod sdk;
pub mod sessions;
pub mod support;
