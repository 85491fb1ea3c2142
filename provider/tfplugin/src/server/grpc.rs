//! The gRPC services: tfplugin6's Provider, go-plugin's controller and stdio, and health.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::convert;
use crate::diag::{Diagnostic, Diagnostics};
use crate::proto::goplugin as gp;
use crate::proto::health as hp;
use crate::proto::tfplugin6 as pb;
use crate::provider::{Ctx, DynDataSource, Provider};
use crate::schema::Schema;
use crate::value::{self, Type};

struct DataSourceEntry {
    imp: Arc<dyn DynDataSource>,
    schema: Schema,
    ty: Type,
}

pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_type: Type,
    data_sources: BTreeMap<&'static str, DataSourceEntry>,
    stop: CancellationToken,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P, stop: CancellationToken) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.value_type();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|imp| {
                let schema = imp.schema();
                let ty = schema.value_type();
                (imp.type_name(), DataSourceEntry { imp, schema, ty })
            })
            .collect();
        Self { provider: Arc::new(provider), provider_schema, provider_type, data_sources, stop }
    }

    fn ctx(&self) -> Ctx {
        Ctx::new(self.stop.clone())
    }

    fn data_source(&self, name: &str) -> Result<&DataSourceEntry, Diagnostics> {
        self.data_sources.get(name).ok_or_else(|| {
            Diagnostic::error("Unknown data source", format!("This provider has no data source named {name:?}.")).into()
        })
    }

    pub fn schema_response(&self) -> pb::get_provider_schema::Response {
        pb::get_provider_schema::Response {
            provider: Some(convert::schema(&self.provider_schema)),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, e)| ((*name).to_owned(), convert::schema(&e.schema)))
                .collect(),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        }
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false }
}

fn no_resources(name: &str) -> Vec<pb::Diagnostic> {
    convert::diagnostics(
        &Diagnostic::error("Unknown resource type", format!("This provider has no resource named {name:?}.")).into(),
    )
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            data_sources: self
                .data_sources
                .keys()
                .map(|n| pb::get_metadata::DataSourceMetadata { type_name: (*n).to_owned() })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        tracing::debug!("serving provider schema");
        Ok(Response::new(self.schema_response()))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = req.into_inner();
        let diags = match convert::dynamic_from_proto(req.config.as_ref(), &self.provider_type) {
            Ok(v) => match value::from_value_partial::<P::Config>(&v) {
                Ok(c) => self.provider.validate(&c),
                Err(e) => e.into(),
            },
            Err(e) => e.into(),
        };
        Ok(Response::new(pb::validate_provider_config::Response { diagnostics: convert::diagnostics(&diags) }))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = req.into_inner();
        tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
        let diags = match convert::dynamic_from_proto(req.config.as_ref(), &self.provider_type) {
            Ok(v) => match value::from_value_partial::<P::Config>(&v) {
                Ok(c) => {
                    let known = v.is_wholly_known();
                    match self.provider.configure(&self.ctx(), c, known, &req.terraform_version).await {
                        Ok(d) | Err(d) => d,
                    }
                }
                Err(e) => e.into(),
            },
            Err(e) => e.into(),
        };
        Ok(Response::new(pb::configure_provider::Response { diagnostics: convert::diagnostics(&diags) }))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diags = match self.data_source(&req.type_name) {
            Ok(e) => match convert::dynamic_from_proto(req.config.as_ref(), &e.ty) {
                Ok(v) => e.imp.validate(&v),
                Err(err) => err.into(),
            },
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_data_resource_config::Response { diagnostics: convert::diagnostics(&diags) }))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = req.into_inner();
        let started = std::time::Instant::now();
        let (state, diags) = match self.data_source(&req.type_name) {
            Ok(e) => match convert::dynamic_from_proto(req.config.as_ref(), &e.ty) {
                Ok(config) => {
                    let (state, mut diags) = e.imp.read(&self.ctx(), &config).await;
                    let state = match state.map(|s| convert::dynamic_to_proto(&s, &e.ty)).transpose() {
                        Ok(s) => s,
                        Err(err) => {
                            diags.push(err.into());
                            None
                        }
                    };
                    (state, diags)
                }
                Err(err) => (None, err.into()),
            },
            Err(d) => (None, d),
        };
        tracing::debug!(
            type_name = %req.type_name,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            diagnostics = diags.len() as u64,
            "read data source"
        );
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: convert::diagnostics(&diags),
            deferred: None,
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: no_resources(&req.into_inner().type_name),
        }))
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("StopProvider: cancelling in-flight work");
        self.stop.cancel();
        Ok(Response::new(pb::stop_provider::Response { error: String::new() }))
    }
}

/// go-plugin's controller: `Shutdown` ends the process (after the server drains).
pub struct Controller {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl gp::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _req: Request<gp::Empty>) -> Result<Response<gp::Empty>, Status> {
        tracing::debug!("shutdown requested by Terraform");
        self.shutdown.cancel();
        Ok(Response::new(gp::Empty {}))
    }
}

/// go-plugin streams a plugin's stdout/stderr over this. We write nothing to stdout after the
/// handshake and log to stderr directly, so the stream stays empty until shutdown.
pub struct Stdio {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl gp::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _req: Request<()>,
    ) -> Result<Response<tonic::codegen::BoxStream<gp::StdioData>>, Status> {
        let shutdown = self.shutdown.clone();
        // Ends when the server shuts down so graceful shutdown is not held up by an open stream.
        let stream = futures::stream::once(async move {
            shutdown.cancelled().await;
        })
        .filter_map(|()| async { None });
        Ok(Response::new(Box::pin(stream)))
    }
}

pub struct Health;

#[tonic::async_trait]
impl hp::health_server::Health for Health {
    async fn check(&self, _req: Request<hp::HealthCheckRequest>) -> Result<Response<hp::HealthCheckResponse>, Status> {
        Ok(Response::new(hp::HealthCheckResponse { status: hp::health_check_response::ServingStatus::Serving as i32 }))
    }
}

use futures::StreamExt as _;
