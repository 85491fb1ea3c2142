//! Domain code shared by the provider and the Lambdas. No Terraform or protocol types here: the
//! provider maps these models onto its schemas, the Lambdas onto their events.

pub mod ids;
pub mod org;
