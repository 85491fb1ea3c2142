//! The traits a provider implements, in Rust terms. Implementations work on typed serde models;
//! the blanket adapters at the bottom of this file are the only place raw [`Value`]s meet them.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};
use crate::schema::Schema;
use crate::value::{self, Value};

/// Per-call context. `StopProvider` cancels it: long-running calls should give up promptly.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    cancel: CancellationToken,
}

impl Ctx {
    pub fn new(cancel: CancellationToken) -> Self {
        Self { cancel }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when Terraform has asked the provider to stop.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await;
    }

    /// Runs `fut` unless the provider is stopped first, in which case the error names `what`.
    pub async fn run<T, F>(&self, what: &str, fut: F) -> Result<T, Diagnostics>
    where
        F: std::future::Future<Output = Result<T, Diagnostics>>,
    {
        tokio::select! {
            r = fut => r,
            () = self.cancel.cancelled() => Err(Diagnostic::error(
                "Provider stopped",
                format!("Terraform asked the provider to stop while it was {what}."),
            ).into()),
        }
    }
}

/// The provider itself: its configuration schema, how it is configured, and what it serves.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider block as a typed model; unknown parts arrive as absent (see `configure`).
    type Config: DeserializeOwned + Send;

    fn schema(&self) -> Schema;

    /// Checks the provider block. Unknown values arrive as absent.
    fn validate(&self, _config: &Self::Config) -> Diagnostics {
        Diagnostics::new()
    }

    /// Called once per process before any data source or resource call. `wholly_known` is false
    /// when part of the provider block depends on values only known after apply.
    async fn configure(
        &self,
        ctx: &Ctx,
        config: Self::Config,
        wholly_known: bool,
        terraform_version: &str,
    ) -> Result<Diagnostics, Diagnostics>;

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>>;
}

/// A data source on typed models. `Model` holds every attribute of the schema: the inputs as the
/// configuration gave them and the computed results.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    const TYPE_NAME: &'static str;
    type Model: DeserializeOwned + Serialize + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks a configuration whose unknown parts arrive as absent.
    fn validate(&self, _config: &Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    /// Reads the data. Warnings go to `diags`; an `Err` fails the read.
    async fn read(&self, ctx: &Ctx, config: Self::Model, diags: &mut Diagnostics) -> Result<Self::Model, Diagnostics>;
}

/// A data source with its types erased, as the server holds it.
#[async_trait]
pub trait DynDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, ctx: &Ctx, config: &Value) -> (Option<Value>, Diagnostics);
}

#[async_trait]
impl<T: DataSource> DynDataSource for T {
    fn type_name(&self) -> &'static str {
        T::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        DataSource::schema(self)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        match value::from_value_partial::<T::Model>(config) {
            Ok(model) => DataSource::validate(self, &model),
            Err(e) => e.into(),
        }
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let model = match value::from_value::<T::Model>(config) {
            Ok(m) => m,
            Err(e) => {
                diags.push(e.into());
                return (None, diags);
            }
        };
        match DataSource::read(self, ctx, model, &mut diags).await {
            Ok(state) => match value::to_value(&state, &DataSource::schema(self).value_type()) {
                Ok(v) => (Some(v), diags),
                Err(e) => {
                    diags.push(Diagnostic::error(
                        "Provider produced an invalid result",
                        format!("{} could not encode its result: {e}. This is a bug in the provider.", T::TYPE_NAME),
                    ));
                    (None, diags)
                }
            },
            Err(e) => {
                diags.extend(e);
                (None, diags)
            }
        }
    }
}
