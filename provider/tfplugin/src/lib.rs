//! `tfplugin`: the Terraform plugin protocol (version 6) for Rust providers.
//!
//! Everything protocol-shaped lives here and nowhere else: the generated protobuf/gRPC types, the
//! msgpack value encoding, the go-plugin handshake, mutual TLS and the gRPC server. Provider code
//! sees only [`Value`], [`schema`] types, [`Diagnostics`] and the [`provider`] traits.

pub mod action;
#[cfg(feature = "client")]
pub mod client;
pub mod diag;
pub mod function;
pub mod list;
pub mod path;
pub mod provider;
pub mod schema;
pub mod server;
pub mod value;

pub(crate) mod proto {
    #![allow(clippy::all, clippy::pedantic, missing_docs, dead_code)]
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    pub mod goplugin {
        tonic::include_proto!("plugin");
    }
    pub mod health {
        tonic::include_proto!("grpc.health.v1");
    }
}

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use path::AttributePath;
pub use provider::{
    Ctx, DataSource, DynDataSource, DynEphemeralResource, DynResource, EphemeralResource, Opened, PlanChanges,
    Provider, Renewed, Resource, identity_string,
};
pub use value::{Encoded, Number, Type, Value};
