//! The traits a provider implements, in Rust terms. Implementations work on typed serde models;
//! the blanket adapters at the bottom of this file are the only place raw [`Value`]s meet them.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};
use crate::path::AttributePath;
use crate::schema::{IdentitySchema, Schema};
use crate::value::{self, Encoded, Value};

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

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        Vec::new()
    }

    /// Provider-defined functions (Terraform ≥ 1.8).
    fn functions(&self) -> Vec<crate::function::Function> {
        Vec::new()
    }

    /// Ephemeral resources (Terraform ≥ 1.10): values Terraform never writes to plan or state.
    /// List resources (`terraform query`, Terraform ≥ 1.14), each named after a resource of
    /// [`Provider::resources`] that has an identity.
    fn list_resources(&self) -> Vec<Arc<dyn crate::list::DynListResource>> {
        Vec::new()
    }

    /// Actions (Terraform ≥ 1.14).
    fn actions(&self) -> Vec<Arc<dyn crate::action::DynAction>> {
        Vec::new()
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>> {
        Vec::new()
    }

    /// True lets Terraform reuse the schema it got from another instance of this provider in the
    /// same command instead of asking every instance (GetProviderSchemaOptional), which pays off
    /// when serving the schema is costly.
    fn schema_cacheable(&self) -> bool {
        false
    }
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

/// What `Resource::modify_plan` may change in a plan: computed attributes that will change and
/// attributes whose change needs a replacement, beyond what the framework infers.
#[derive(Debug, Default)]
pub struct PlanChanges {
    /// Top-level computed attributes to plan as unknown ("known after apply").
    pub unknown: Vec<String>,
    /// Attributes whose planned change forces a new object.
    pub requires_replace: Vec<AttributePath>,
}

/// A managed resource on typed models. `Model` holds every attribute. In `create` and `update`
/// the model is the configuration: computed attributes it leaves unset arrive as absent.
///
/// The framework plans by itself: on create every computed attribute the configuration leaves
/// unset is unknown; on update the same happens when anything changed, except for the attributes
/// `stable_computed` names; `requires_replace` attributes that change force a replacement.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    const TYPE_NAME: &'static str;
    type Model: DeserializeOwned + Serialize + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks a configuration whose unknown parts arrive as absent.
    fn validate(&self, _config: &Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    /// Attributes whose change cannot be applied in place.
    fn requires_replace(&self) -> Vec<AttributePath> {
        Vec::new()
    }

    /// Computed attributes that keep their prior value on update instead of becoming unknown.
    fn stable_computed(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// Plan-time hook, e.g. to notice that the outside world moved. `prior` is `None` on create;
    /// `config` has unknown parts dropped.
    async fn modify_plan(
        &self,
        _ctx: &Ctx,
        _prior: Option<&Self::Model>,
        _config: &Self::Model,
        _changes: &mut PlanChanges,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn create(&self, ctx: &Ctx, config: Self::Model, diags: &mut Diagnostics)
    -> Result<Self::Model, Diagnostics>;

    /// `Ok(None)` when the object no longer exists, so Terraform plans to create it again.
    async fn read(
        &self,
        ctx: &Ctx,
        state: Self::Model,
        diags: &mut Diagnostics,
    ) -> Result<Option<Self::Model>, Diagnostics>;

    async fn update(
        &self,
        ctx: &Ctx,
        prior: Self::Model,
        config: Self::Model,
        diags: &mut Diagnostics,
    ) -> Result<Self::Model, Diagnostics>;

    async fn delete(&self, ctx: &Ctx, prior: Self::Model, diags: &mut Diagnostics) -> Result<(), Diagnostics>;

    /// Builds a state from an import id; the framework then reads it like any other state.
    async fn import(&self, _ctx: &Ctx, id: &str, _diags: &mut Diagnostics) -> Result<Self::Model, Diagnostics> {
        Err(Diagnostic::error("Import not supported", format!("{} cannot be imported (id {id:?}).", Self::TYPE_NAME))
            .into())
    }

    /// Turns state written under schema `version` (as JSON) into the current schema's JSON.
    /// The default accepts it unchanged, dropping attributes the current schema no longer has.
    fn upgrade_state(&self, _version: i64, state: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        Ok(state)
    }

    /// The type's identity (protocol 6.9), when it has one; Terraform before 1.12 never asks.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of a state, as a JSON object of the identity schema's attributes.
    fn identity(&self, _state: &Self::Model) -> Option<serde_json::Value> {
        None
    }

    /// The import id an identity names: `import { identity = { … } }` then imports as `import`
    /// does with that id, so both ways of importing give the same state.
    fn import_id(&self, _identity: &serde_json::Value) -> Result<String, Diagnostics> {
        Err(Diagnostic::error("Import by identity not supported", format!("{} has no identity.", Self::TYPE_NAME))
            .into())
    }

    /// Turns an identity written under identity `version` (as JSON) into the current one's JSON.
    fn upgrade_identity(&self, _version: i64, identity: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        Ok(identity)
    }
}

/// The string attribute `name` of an identity Terraform sent (`import { identity = … }`), or an
/// error naming it.
pub fn identity_string<'a>(identity: &'a serde_json::Value, name: &str) -> Result<&'a str, Diagnostics> {
    identity.get(name).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| {
        Diagnostic::error("Invalid identity", format!("The identity has no {name:?}; it is required for import."))
            .into()
    })
}

/// What opening an ephemeral resource gives Terraform: the result, when Terraform should renew it
/// (None: never), and what the provider keeps for renew and close. Terraform holds `private` in
/// memory for the run only, never in plan or state.
#[derive(Debug)]
pub struct Opened<M, P> {
    pub result: M,
    pub renew_at: Option<std::time::SystemTime>,
    pub private: Option<P>,
}

/// What renewing gives: the next renewal time (None: no more) and the private data from then on.
#[derive(Debug)]
pub struct Renewed<P> {
    pub renew_at: Option<std::time::SystemTime>,
    pub private: Option<P>,
}

/// An ephemeral resource on typed models: opened when a run needs its value, renewed at
/// `renew_at` while the run goes on, closed when the run no longer needs it.
#[async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    const TYPE_NAME: &'static str;
    type Model: DeserializeOwned + Serialize + Send + Sync;
    /// Kept between open, renew and close (as JSON, in Terraform's memory).
    type Private: DeserializeOwned + Serialize + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks a configuration whose unknown parts arrive as absent.
    fn validate(&self, _config: &Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    async fn open(
        &self,
        ctx: &Ctx,
        config: Self::Model,
        diags: &mut Diagnostics,
    ) -> Result<Opened<Self::Model, Self::Private>, Diagnostics>;

    /// Called at `renew_at`; the default has nothing to renew.
    async fn renew(
        &self,
        _ctx: &Ctx,
        private: Option<Self::Private>,
        _diags: &mut Diagnostics,
    ) -> Result<Renewed<Self::Private>, Diagnostics> {
        Ok(Renewed { renew_at: None, private })
    }

    /// Called once Terraform no longer needs the value; the default has nothing to release.
    async fn close(
        &self,
        _ctx: &Ctx,
        _private: Option<Self::Private>,
        _diags: &mut Diagnostics,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }
}

/// An opened ephemeral resource, its types erased: the result, when to renew, the private bytes.
pub type OpenedValue = (Value, Option<std::time::SystemTime>, Option<Vec<u8>>);

/// An ephemeral resource with its types erased, as the server holds it.
#[async_trait]
pub trait DynEphemeralResource: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn open(&self, ctx: &Ctx, config: &Value) -> (Option<OpenedValue>, Diagnostics);
    async fn renew(
        &self,
        ctx: &Ctx,
        private: Option<&[u8]>,
    ) -> (Option<std::time::SystemTime>, Option<Vec<u8>>, Diagnostics);
    async fn close(&self, ctx: &Ctx, private: Option<&[u8]>) -> Diagnostics;
}

fn private_bytes<P: Serialize>(type_name: &str, p: Option<&P>, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    let p = p?;
    match serde_json::to_vec(p) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            diags.push(Diagnostic::error(
                "Provider produced invalid private data",
                format!("{type_name} could not encode its private data: {e}. This is a bug in the provider."),
            ));
            None
        }
    }
}

fn private_model<P: DeserializeOwned>(type_name: &str, bytes: Option<&[u8]>) -> Result<Option<P>, Diagnostics> {
    match bytes.filter(|b| !b.is_empty()) {
        None => Ok(None),
        Some(b) => serde_json::from_slice(b).map(Some).map_err(|e| {
            Diagnostic::error(
                "Invalid private data",
                format!("{type_name} could not read the private data Terraform gave back: {e}."),
            )
            .into()
        }),
    }
}

#[async_trait]
impl<T: EphemeralResource> DynEphemeralResource for T {
    fn type_name(&self) -> &str {
        T::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        EphemeralResource::schema(self)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_typed::<T::Model>(config, |model| EphemeralResource::validate(self, model))
    }

    async fn open(&self, ctx: &Ctx, config: &Value) -> (Option<OpenedValue>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let opened = match value::from_value::<T::Model>(config) {
            Ok(c) => EphemeralResource::open(self, ctx, c, &mut diags).await,
            Err(e) => Err(e.into()),
        };
        match opened {
            Ok(o) => match value::to_value(&o.result, &EphemeralResource::schema(self).value_type()) {
                Ok(v) => {
                    let private = private_bytes(T::TYPE_NAME, o.private.as_ref(), &mut diags);
                    (Some((v, o.renew_at, private)), diags)
                }
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

    async fn renew(
        &self,
        ctx: &Ctx,
        private: Option<&[u8]>,
    ) -> (Option<std::time::SystemTime>, Option<Vec<u8>>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let renewed = match private_model::<T::Private>(T::TYPE_NAME, private) {
            Ok(p) => EphemeralResource::renew(self, ctx, p, &mut diags).await,
            Err(e) => Err(e),
        };
        match renewed {
            Ok(r) => {
                let private = private_bytes(T::TYPE_NAME, r.private.as_ref(), &mut diags);
                (r.renew_at, private, diags)
            }
            Err(e) => {
                diags.extend(e);
                (None, None, diags)
            }
        }
    }

    async fn close(&self, ctx: &Ctx, private: Option<&[u8]>) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let closed = match private_model::<T::Private>(T::TYPE_NAME, private) {
            Ok(p) => EphemeralResource::close(self, ctx, p, &mut diags).await,
            Err(e) => Err(e),
        };
        if let Err(e) = closed {
            diags.extend(e);
        }
        diags
    }
}

/// A data source with its types erased, as the server holds it.
#[async_trait]
pub trait DynDataSource: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    /// The state read, already encoded for the wire (a large result is encoded as it is
    /// walked, never held as a whole `Value`).
    async fn read(&self, ctx: &Ctx, config: &Value) -> (Option<Encoded>, Diagnostics);
}

#[async_trait]
impl<T: DataSource> DynDataSource for T {
    fn type_name(&self) -> &str {
        T::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        DataSource::schema(self)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_typed::<T::Model>(config, |model| DataSource::validate(self, model))
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> (Option<Encoded>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let model = match value::from_value::<T::Model>(config) {
            Ok(m) => m,
            Err(e) => {
                diags.push(e.into());
                return (None, diags);
            }
        };
        match DataSource::read(self, ctx, model, &mut diags).await {
            Ok(state) => match Encoded::from_model(state, &DataSource::schema(self).value_type()) {
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

/// The typed checks of a configuration that may hold unknowns: none until the model can be
/// built (see [`partial_model`]), a known value that does not fit is an error with its path.
pub(crate) fn validate_typed<M: DeserializeOwned>(
    config: &Value,
    check: impl FnOnce(&M) -> Diagnostics,
) -> Diagnostics {
    match partial_model::<M>(config) {
        Ok(Some(model)) => check(&model),
        Ok(None) => Diagnostics::new(),
        Err(e) => e.into(),
    }
}

/// The model of a configuration that may hold unknowns, for validate and plan: `None` when an
/// unknown stands where the model needs a value (a required field of a nested block, say), so
/// the typed checks wait for the apply-time call, where every value is known, instead of
/// failing on a value the user did set.
fn partial_model<M: DeserializeOwned>(config: &Value) -> Result<Option<M>, value::ValueError> {
    match value::from_value_partial::<M>(config) {
        Ok(model) => Ok(Some(model)),
        Err(_) if !config.is_wholly_known() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A resource with its types erased, as the server holds it: values in, values out.
///
/// Type names are borrowed from the implementation rather than `'static` so a provider can serve
/// types it learns at run time (the hashicorp/aws stand-in reads them from a schema document).
#[async_trait]
pub trait DynResource: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    fn requires_replace(&self) -> Vec<AttributePath>;
    fn stable_computed(&self) -> Vec<&str>;
    async fn modify_plan(&self, ctx: &Ctx, prior: &Value, config: &Value) -> Result<PlanChanges, Diagnostics>;
    async fn create(&self, ctx: &Ctx, config: &Value) -> (Option<Value>, Diagnostics);
    async fn read(&self, ctx: &Ctx, state: &Value) -> (Option<Value>, Diagnostics);
    async fn update(&self, ctx: &Ctx, prior: &Value, config: &Value) -> (Option<Value>, Diagnostics);

    /// Apply-time create with the planned state at hand (unknowns where the plan left them).
    /// Typed resources build their state from the configuration, so the default ignores the plan.
    async fn create_planned(&self, ctx: &Ctx, _planned: &Value, config: &Value) -> (Option<Value>, Diagnostics) {
        self.create(ctx, config).await
    }

    /// Apply-time update with the planned state at hand; the default ignores the plan.
    async fn update_planned(
        &self,
        ctx: &Ctx,
        prior: &Value,
        _planned: &Value,
        config: &Value,
    ) -> (Option<Value>, Diagnostics) {
        self.update(ctx, prior, config).await
    }
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> Diagnostics;
    async fn import(&self, ctx: &Ctx, id: &str) -> (Option<Value>, Diagnostics);
    fn upgrade_state(&self, version: i64, state: serde_json::Value) -> Result<serde_json::Value, Diagnostics>;

    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of a wholly known, non-null state, as JSON.
    fn identity(&self, _state: &Value) -> Option<serde_json::Value> {
        None
    }

    async fn import_identity(&self, _ctx: &Ctx, _identity: &serde_json::Value) -> (Option<Value>, Diagnostics) {
        let type_name = self.type_name().to_owned();
        (None, Diagnostic::error("Import by identity not supported", format!("{type_name} has no identity.")).into())
    }

    fn upgrade_identity(&self, _version: i64, identity: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        Ok(identity)
    }
}

fn encode_result<T: Resource>(
    r: &T,
    result: Result<T::Model, Diagnostics>,
    mut diags: Diagnostics,
) -> (Option<Value>, Diagnostics) {
    match result {
        Ok(model) => match value::to_value(&model, &Resource::schema(r).value_type()) {
            Ok(v) => (Some(v), diags),
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Provider produced an invalid result",
                    format!("{} could not encode its state: {e}. This is a bug in the provider.", T::TYPE_NAME),
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

#[async_trait]
impl<T: Resource> DynResource for T {
    fn type_name(&self) -> &str {
        T::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Resource::schema(self)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_typed::<T::Model>(config, |model| Resource::validate(self, model))
    }

    fn requires_replace(&self) -> Vec<AttributePath> {
        Resource::requires_replace(self)
    }

    fn stable_computed(&self) -> Vec<&str> {
        Resource::stable_computed(self)
    }

    async fn modify_plan(&self, ctx: &Ctx, prior: &Value, config: &Value) -> Result<PlanChanges, Diagnostics> {
        let prior = if prior.is_null() { None } else { Some(value::from_value::<T::Model>(prior)?) };
        let mut changes = PlanChanges::default();
        if let Some(config) = partial_model::<T::Model>(config)? {
            Resource::modify_plan(self, ctx, prior.as_ref(), &config, &mut changes).await?;
        }
        Ok(changes)
    }

    async fn create(&self, ctx: &Ctx, config: &Value) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let result = match value::from_value::<T::Model>(config) {
            Ok(c) => Resource::create(self, ctx, c, &mut diags).await,
            Err(e) => Err(e.into()),
        };
        encode_result(self, result, diags)
    }

    async fn read(&self, ctx: &Ctx, state: &Value) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let model = match value::from_value::<T::Model>(state) {
            Ok(m) => m,
            Err(e) => return (None, e.into()),
        };
        match Resource::read(self, ctx, model, &mut diags).await {
            Ok(Some(m)) => encode_result(self, Ok(m), diags),
            // Gone: an explicit null state makes Terraform plan a create.
            Ok(None) => (Some(Value::Null), diags),
            Err(e) => encode_result(self, Err(e), diags),
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, config: &Value) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let result = match (value::from_value::<T::Model>(prior), value::from_value::<T::Model>(config)) {
            (Ok(p), Ok(c)) => Resource::update(self, ctx, p, c, &mut diags).await,
            (Err(e), _) | (_, Err(e)) => Err(e.into()),
        };
        encode_result(self, result, diags)
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let result = match value::from_value::<T::Model>(prior) {
            Ok(p) => Resource::delete(self, ctx, p, &mut diags).await,
            Err(e) => Err(e.into()),
        };
        if let Err(e) = result {
            diags.extend(e);
        }
        diags
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let result = Resource::import(self, ctx, id, &mut diags).await;
        encode_result(self, result, diags)
    }

    fn upgrade_state(&self, version: i64, state: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        Resource::upgrade_state(self, version, state)
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Resource::identity_schema(self)
    }

    fn identity(&self, state: &Value) -> Option<serde_json::Value> {
        if state.is_null() || !state.is_wholly_known() {
            return None;
        }
        Resource::identity(self, &value::from_value::<T::Model>(state).ok()?)
    }

    async fn import_identity(&self, ctx: &Ctx, identity: &serde_json::Value) -> (Option<Value>, Diagnostics) {
        match Resource::import_id(self, identity) {
            Ok(id) => DynResource::import(self, ctx, &id).await,
            Err(d) => (None, d),
        }
    }

    fn upgrade_identity(&self, version: i64, identity: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        Resource::upgrade_identity(self, version, identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stop_cancels_in_flight_work_but_not_finished_work() {
        let token = CancellationToken::new();
        let ctx = Ctx::new(token.clone());
        assert_eq!(ctx.run("counting", async { Ok::<_, Diagnostics>(7) }).await.unwrap(), 7);
        let pending = ctx.run("waiting for AWS", futures::future::pending::<Result<(), Diagnostics>>());
        token.cancel();
        let err = pending.await.unwrap_err();
        assert!(err.iter().next().unwrap().detail.contains("waiting for AWS"));
        assert!(ctx.is_cancelled());
    }

    #[derive(Debug, serde::Deserialize)]
    struct Dest {
        #[allow(dead_code)] // only its presence matters here
        bucket: String,
    }

    #[derive(Debug, serde::Deserialize)]
    struct WithBlock {
        #[allow(dead_code)]
        destination: Dest,
    }

    fn config(bucket: Value) -> Value {
        Value::Object([("destination".to_owned(), Value::Object([("bucket".to_owned(), bucket)].into()))].into())
    }

    #[test]
    fn partial_model_waits_for_unknown_required_values() {
        // A bucket from another resource is unknown at validate and plan: not an error yet.
        assert!(partial_model::<WithBlock>(&config(Value::Unknown)).unwrap().is_none());
        assert!(partial_model::<WithBlock>(&config(Value::String("b".into()))).unwrap().is_some());
        // A value that is known to be missing still fails, with its path.
        let err = partial_model::<WithBlock>(&config(Value::Null)).unwrap_err();
        assert!(err.to_string().contains("bucket"), "{err}");
    }
}
