//! The provider: the document's schemas, served with schema-only behaviour.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::schema::{BlockNesting, Schema};
use tfplugin::{
    AttributePath, Ctx, Diagnostics, DynDataSource, DynResource, Encoded, PlanChanges, Provider, Type, Value,
};

use crate::document::ProviderSchemas;
use crate::placeholder::Namer;
use crate::special;

/// The provider block is type-checked by Terraform against the served schema; nothing in it is used.
#[derive(Debug, Deserialize)]
pub struct NoConfig {}

pub struct Standin {
    provider: Schema,
    resources: Vec<Arc<StandinResource>>,
    data_sources: Vec<Arc<StandinDataSource>>,
}

impl Standin {
    pub fn new(schemas: ProviderSchemas) -> Self {
        Self {
            provider: schemas.provider,
            resources: schemas
                .resources
                .into_iter()
                .map(|(name, schema)| Arc::new(StandinResource::new(name, schema)))
                .collect(),
            data_sources: schemas
                .data_sources
                .into_iter()
                .map(|(name, schema)| Arc::new(StandinDataSource { name, schema, ty: OnceLock::new() }))
                .collect(),
        }
    }
}

#[async_trait]
impl Provider for Standin {
    type Config = NoConfig;

    fn schema(&self) -> Schema {
        self.provider.clone()
    }

    async fn configure(
        &self,
        _ctx: &Ctx,
        _config: NoConfig,
        _wholly_known: bool,
        _terraform_version: &str,
    ) -> Result<Diagnostics, Diagnostics> {
        Ok(Diagnostics::new())
    }

    // Serving 2,300 schemas costs a noticeable part of a second in a debug build.
    fn schema_cacheable(&self) -> bool {
        true
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        self.data_sources.iter().map(|d| Arc::clone(d) as Arc<dyn DynDataSource>).collect()
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        self.resources.iter().map(|r| Arc::clone(r) as Arc<dyn DynResource>).collect()
    }
}

pub struct StandinResource {
    name: String,
    schema: Schema,
    /// Top-level computed attributes: they keep their prior value on update (see `stable_computed`).
    computed: Vec<String>,
    // Only needed for resources a command actually applies; most of the 1,600 never are.
    ty: OnceLock<Type>,
}

impl StandinResource {
    fn new(name: String, schema: Schema) -> Self {
        let computed = schema.block.attributes.iter().filter(|a| a.computed).map(|a| a.name.clone()).collect();
        Self { name, schema, computed, ty: OnceLock::new() }
    }

    fn ty(&self) -> &Type {
        self.ty.get_or_init(|| self.schema.value_type())
    }

    fn applied(&self, planned: &Value, config: &Value) -> (Option<Value>, Diagnostics) {
        let namer = Namer::new(&self.name, config);
        // Known parts of the plan are kept exactly: Terraform rejects a result that differs.
        let mut state = namer.resolve(planned, config, self.ty(), "");
        if let Value::Object(attrs) = &mut state {
            for a in self.schema.block.attributes.iter().filter(|a| a.computed) {
                let was_unknown = planned.get_attr(&a.name).is_some_and(Value::is_unknown);
                let configured = config.get_attr(&a.name).is_some_and(|v| !v.is_null());
                if was_unknown
                    && !configured
                    && let Some(v) = special::resource_value(&self.name, &a.name, &a.value_type(), &namer)
                {
                    attrs.insert(a.name.clone(), v);
                }
            }
        }
        (Some(state), Diagnostics::new())
    }
}

#[async_trait]
impl DynResource for StandinResource {
    fn type_name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> Schema {
        self.schema.clone()
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    fn requires_replace(&self) -> Vec<AttributePath> {
        Vec::new()
    }

    // Simplest behaviour that is still correct: computed values are unknown on create only.
    fn stable_computed(&self) -> Vec<&str> {
        self.computed.iter().map(String::as_str).collect()
    }

    async fn modify_plan(&self, _ctx: &Ctx, _prior: &Value, _config: &Value) -> Result<PlanChanges, Diagnostics> {
        Ok(PlanChanges::default())
    }

    async fn create(&self, _ctx: &Ctx, config: &Value) -> (Option<Value>, Diagnostics) {
        self.applied(config, config)
    }

    async fn create_planned(&self, _ctx: &Ctx, planned: &Value, config: &Value) -> (Option<Value>, Diagnostics) {
        self.applied(planned, config)
    }

    async fn read(&self, _ctx: &Ctx, state: &Value) -> (Option<Value>, Diagnostics) {
        (Some(state.clone()), Diagnostics::new())
    }

    async fn update(&self, _ctx: &Ctx, _prior: &Value, config: &Value) -> (Option<Value>, Diagnostics) {
        self.applied(config, config)
    }

    async fn update_planned(
        &self,
        _ctx: &Ctx,
        _prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> (Option<Value>, Diagnostics) {
        self.applied(planned, config)
    }

    async fn delete(&self, _ctx: &Ctx, _prior: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn import(&self, _ctx: &Ctx, id: &str) -> (Option<Value>, Diagnostics) {
        let mut state = Value::null_of_object(self.ty());
        if let Value::Object(attrs) = &mut state {
            // Repeated blocks are empty rather than null in any state the real provider writes.
            for b in &self.schema.block.blocks {
                let empty = match b.nesting {
                    BlockNesting::List => Value::List(Vec::new()),
                    BlockNesting::Set => Value::Set(Vec::new()),
                    BlockNesting::Map => Value::Map(Default::default()),
                    BlockNesting::Single | BlockNesting::Group => continue,
                };
                attrs.insert(b.type_name.clone(), empty);
            }
            if attrs.contains_key("id") {
                attrs.insert("id".to_owned(), Value::String(id.to_owned()));
            }
        }
        (Some(state), Diagnostics::new())
    }

    fn upgrade_state(&self, _version: i64, state: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        Ok(state)
    }
}

pub struct StandinDataSource {
    name: String,
    schema: Schema,
    ty: OnceLock<Type>,
}

#[async_trait]
impl DynDataSource for StandinDataSource {
    fn type_name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> Schema {
        self.schema.clone()
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn read(&self, _ctx: &Ctx, config: &Value) -> (Option<Encoded>, Diagnostics) {
        let ty = self.ty.get_or_init(|| self.schema.value_type());
        let state = self.read_value(config, ty);
        match Encoded::new(&state, ty) {
            Ok(encoded) => (Some(encoded), Diagnostics::new()),
            Err(e) => (None, e.into()),
        }
    }
}

impl StandinDataSource {
    /// The data source's state: the configuration with every computed attribute filled.
    fn read_value(&self, config: &Value, ty: &Type) -> Value {
        let namer = Namer::new(&self.name, config);
        let Value::Object(mut attrs) = namer.fill(config, ty, "") else {
            return config.clone();
        };
        for a in self.schema.block.attributes.iter().filter(|a| a.computed) {
            let slot = attrs.entry(a.name.clone()).or_insert(Value::Null);
            if slot.is_null() {
                *slot = special::data_source_value(&self.name, &a.name, config)
                    .unwrap_or_else(|| namer.placeholder(&a.value_type(), &a.name));
            }
        }
        Value::Object(attrs)
    }
}
