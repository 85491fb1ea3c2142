//! Actions (Terraform ≥ 1.14): an operation a configuration declares and Terraform runs on
//! demand (`terraform apply -invoke=action.TYPE.NAME`) or around a resource's lifecycle
//! (`action_trigger`). It changes no state; what it does is reported as progress lines while it
//! runs, then diagnostics.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::diag::Diagnostics;
use crate::provider::{Ctx, validate_typed};
use crate::schema::Schema;
use crate::value::{self, Value};

/// Where an action says how it is getting on; Terraform prints each line as it comes.
#[derive(Clone, Debug)]
pub struct Progress {
    tx: mpsc::UnboundedSender<String>,
}

impl Progress {
    /// A progress line and the receiving end its lines arrive at.
    pub fn channel() -> (Progress, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Progress { tx }, rx)
    }

    pub fn say(&self, message: impl Into<String>) {
        // Terraform stopped listening: the action still finishes, unheard.
        let _ = self.tx.send(message.into());
    }
}

/// An action on a typed configuration.
#[async_trait]
pub trait Action: Send + Sync + 'static {
    const TYPE_NAME: &'static str;
    type Config: DeserializeOwned + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks a configuration whose unknown parts arrive as absent.
    fn validate(&self, _config: &Self::Config) -> Diagnostics {
        Diagnostics::new()
    }

    /// Plan-time checks with the provider configured; the default has none.
    async fn plan(&self, _ctx: &Ctx, _config: &Self::Config) -> Diagnostics {
        Diagnostics::new()
    }

    /// Runs the action, saying how it goes on `progress`.
    async fn invoke(&self, ctx: &Ctx, config: Self::Config, progress: &Progress) -> Diagnostics;
}

/// An action as the server holds it.
#[async_trait]
pub trait DynAction: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn plan(&self, ctx: &Ctx, config: &Value) -> Diagnostics;
    async fn invoke(&self, ctx: &Ctx, config: &Value, progress: &Progress) -> Diagnostics;
}

#[async_trait]
impl<T: Action> DynAction for T {
    fn type_name(&self) -> &str {
        T::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Action::schema(self)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_typed::<T::Config>(config, |c| Action::validate(self, c))
    }

    async fn plan(&self, ctx: &Ctx, config: &Value) -> Diagnostics {
        // An unknown value (from a resource not yet applied) is checked at invoke time.
        match value::from_value_partial::<T::Config>(config) {
            Ok(c) if config.is_wholly_known() => Action::plan(self, ctx, &c).await,
            Ok(_) => Diagnostics::new(),
            Err(e) if config.is_wholly_known() => e.into(),
            Err(_) => Diagnostics::new(),
        }
    }

    async fn invoke(&self, ctx: &Ctx, config: &Value, progress: &Progress) -> Diagnostics {
        match value::from_value::<T::Config>(config) {
            Ok(c) => Action::invoke(self, ctx, c, progress).await,
            Err(e) => e.into(),
        }
    }
}
