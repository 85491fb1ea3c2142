//! The gRPC services: tfplugin6's Provider, go-plugin's controller and stdio, and health.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::convert;
use crate::action::DynAction;
use crate::diag::{Diagnostic, Diagnostics};
use crate::list::DynListResource;
use crate::path::AttributePath;
use crate::proto::goplugin as gp;
use crate::proto::health as hp;
use crate::proto::tfplugin6 as pb;
use crate::provider::{Ctx, DynDataSource, DynEphemeralResource, DynResource, Provider};
use crate::schema::{BlockNesting, IdentitySchema, Schema};
use crate::value::{self, Type, Value};

struct DataSourceEntry {
    imp: Arc<dyn DynDataSource>,
    schema: Schema,
    ty: Type,
}

struct ResourceEntry {
    imp: Arc<dyn DynResource>,
    schema: Schema,
    ty: Type,
    /// The identity schema and the type of its values, when the resource has one.
    identity: Option<(IdentitySchema, Type)>,
}

impl ResourceEntry {
    /// The identity of `state` for Terraform, when the resource has one and the state tells it.
    fn identity_of(&self, state: Option<&Value>, diags: &mut Diagnostics) -> Option<pb::ResourceIdentityData> {
        self.identity.as_ref()?;
        let json = self.imp.identity(state?)?;
        match self.encode_identity(&json) {
            Ok(data) => Some(data),
            Err(d) => {
                diags.extend(d);
                None
            }
        }
    }

    /// An identity (JSON of the identity schema's attributes) as Terraform reads it.
    fn encode_identity(&self, json: &serde_json::Value) -> Result<pb::ResourceIdentityData, Diagnostics> {
        let invalid = |why: String| {
            Diagnostics::from(Diagnostic::error(
                "Provider produced an invalid identity",
                format!("{}: {why}. This is a bug in the provider.", self.imp.type_name()),
            ))
        };
        let Some((_, ty)) = self.identity.as_ref() else { return Err(invalid("the type has no identity".into())) };
        let bytes = serde_json::to_vec(json).map_err(|e| invalid(e.to_string()))?;
        let v = value::json::decode(&bytes, ty).map_err(|e| invalid(e.to_string()))?;
        let data = convert::dynamic_to_proto(&v, ty).map_err(|e| invalid(e.to_string()))?;
        Ok(pb::ResourceIdentityData { identity_data: Some(data) })
    }

    /// An identity Terraform sent, as JSON.
    fn identity_json(&self, data: &pb::ResourceIdentityData) -> Result<serde_json::Value, Diagnostics> {
        let Some((_, ty)) = self.identity.as_ref() else {
            return Err(Diagnostic::error(
                "Import by identity not supported",
                format!("{} has no identity.", self.imp.type_name()),
            )
            .into());
        };
        let v = convert::dynamic_from_proto(data.identity_data.as_ref(), ty)?;
        let bytes = value::json::encode(&v, ty)?;
        serde_json::from_slice(&bytes).map_err(|e| Diagnostic::error("Invalid identity", e.to_string()).into())
    }
}

struct ListEntry {
    imp: Arc<dyn DynListResource>,
    schema: Schema,
    /// The `list` block as Terraform sends it: `config`, `include_resource`, `limit`.
    block_ty: Type,
}

struct ActionEntry {
    imp: Arc<dyn DynAction>,
    schema: Schema,
    ty: Type,
}

struct EphemeralEntry {
    imp: Arc<dyn DynEphemeralResource>,
    schema: Schema,
    ty: Type,
}

pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_type: Type,
    data_sources: BTreeMap<String, DataSourceEntry>,
    resources: BTreeMap<String, ResourceEntry>,
    functions: BTreeMap<String, crate::function::Function>,
    ephemeral: BTreeMap<String, EphemeralEntry>,
    lists: BTreeMap<String, ListEntry>,
    actions: BTreeMap<String, ActionEntry>,
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
                (imp.type_name().to_owned(), DataSourceEntry { imp, schema, ty })
            })
            .collect();
        let resources = provider
            .resources()
            .into_iter()
            .map(|imp| {
                let schema = imp.schema();
                let ty = schema.value_type();
                let identity = imp.identity_schema().map(|i| {
                    let ty = i.value_type();
                    (i, ty)
                });
                (imp.type_name().to_owned(), ResourceEntry { imp, schema, ty, identity })
            })
            .collect();
        let functions = provider.functions().into_iter().map(|f| (f.name.clone(), f)).collect();
        let lists = provider
            .list_resources()
            .into_iter()
            .map(|imp| {
                let schema = imp.schema();
                let block_ty = Type::object([
                    ("config", schema.value_type()),
                    ("include_resource", Type::Bool),
                    ("limit", Type::Number),
                ]);
                (imp.type_name().to_owned(), ListEntry { imp, schema, block_ty })
            })
            .collect();
        let actions = provider
            .actions()
            .into_iter()
            .map(|imp| {
                let schema = imp.schema();
                let ty = schema.value_type();
                (imp.type_name().to_owned(), ActionEntry { imp, schema, ty })
            })
            .collect();
        let ephemeral = provider
            .ephemeral_resources()
            .into_iter()
            .map(|imp| {
                let schema = imp.schema();
                let ty = schema.value_type();
                (imp.type_name().to_owned(), EphemeralEntry { imp, schema, ty })
            })
            .collect();
        Self {
            provider: Arc::new(provider),
            provider_schema,
            provider_type,
            data_sources,
            resources,
            functions,
            ephemeral,
            lists,
            actions,
            stop,
        }
    }

    fn ctx(&self) -> Ctx {
        Ctx::new(self.stop.clone())
    }

    fn data_source(&self, name: &str) -> Result<&DataSourceEntry, Diagnostics> {
        self.data_sources.get(name).ok_or_else(|| {
            Diagnostic::error("Unknown data source", format!("This provider has no data source named {name:?}.")).into()
        })
    }

    fn resource(&self, name: &str) -> Result<&ResourceEntry, Diagnostics> {
        self.resources.get(name).ok_or_else(|| {
            Diagnostic::error("Unknown resource type", format!("This provider has no resource named {name:?}.")).into()
        })
    }

    fn list_resource(&self, name: &str) -> Result<&ListEntry, Diagnostics> {
        self.lists.get(name).ok_or_else(|| {
            Diagnostic::error("Unknown list resource", format!("This provider has no list resource named {name:?}."))
                .into()
        })
    }

    fn action(&self, name: &str) -> Result<&ActionEntry, Diagnostics> {
        self.actions.get(name).ok_or_else(|| {
            Diagnostic::error("Unknown action", format!("This provider has no action named {name:?}.")).into()
        })
    }

    /// The `config` object of a `list` block as Terraform sends it (the whole block; a bare
    /// `config` object is accepted too).
    fn list_config(&self, e: &ListEntry, config: Option<&pb::DynamicValue>) -> Result<Value, Diagnostics> {
        match convert::dynamic_from_proto(config, &e.block_ty) {
            Ok(block) => Ok(block.get_attr("config").cloned().unwrap_or(Value::Null)),
            Err(first) => convert::dynamic_from_proto(config, &e.schema.value_type()).map_err(|_| first.into()),
        }
    }

    /// Every event of one `ListResource` call: one per object found, then the warnings (or the
    /// error) on an event of their own, after the objects, so Terraform keeps every object.
    async fn list_events(&self, req: &pb::list_resource::Request) -> Vec<pb::list_resource::Event> {
        let only = |d: Diagnostics| {
            vec![pb::list_resource::Event { diagnostic: convert::diagnostics(&d), ..Default::default() }]
        };
        let (list, resource) = match (self.list_resource(&req.type_name), self.resource(&req.type_name)) {
            (Ok(l), Ok(r)) if r.identity.is_some() => (l, r),
            (Err(d), _) | (_, Err(d)) => return only(d),
            (Ok(_), Ok(_)) => {
                return only(
                    Diagnostic::error(
                        "List resource without identity",
                        format!(
                            "{} has no identity, so it cannot be listed. This is a bug in the provider.",
                            req.type_name
                        ),
                    )
                    .into(),
                );
            }
        };
        let config = match self.list_config(list, req.config.as_ref()) {
            Ok(c) => c,
            Err(d) => return only(d),
        };
        let limit = usize::try_from(req.limit).ok().filter(|l| *l > 0).unwrap_or(usize::MAX);
        let (found, mut diags) =
            list.imp.list(&self.ctx(), &config, req.include_resource_object, limit, &resource.ty).await;
        let mut events = Vec::with_capacity(found.len() + 1);
        for item in found {
            let identity = match resource.encode_identity(&item.identity) {
                Ok(i) => i,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            let resource_object = item.resource.and_then(|v| encode_state(Some(v), resource, &mut diags));
            events.push(pb::list_resource::Event {
                identity: Some(identity),
                display_name: item.display_name,
                resource_object,
                diagnostic: Vec::new(),
            });
        }
        if !diags.is_empty() {
            events.extend(only(diags));
        }
        events
    }

    fn ephemeral_resource(&self, name: &str) -> Result<&EphemeralEntry, Diagnostics> {
        self.ephemeral.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown ephemeral resource",
                format!("This provider has no ephemeral resource named {name:?}."),
            )
            .into()
        })
    }

    pub fn schema_response(&self) -> pb::get_provider_schema::Response {
        pb::get_provider_schema::Response {
            provider: Some(convert::schema(&self.provider_schema)),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, e)| (name.clone(), convert::schema(&e.schema)))
                .collect(),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, e)| (name.clone(), convert::schema(&e.schema)))
                .collect(),
            server_capabilities: Some(capabilities(self.provider.schema_cacheable())),
            functions: self.function_schemas(),
            ephemeral_resource_schemas: self
                .ephemeral
                .iter()
                .map(|(name, e)| (name.clone(), convert::schema(&e.schema)))
                .collect(),
            list_resource_schemas: self
                .lists
                .iter()
                .map(|(name, e)| (name.clone(), convert::schema(&e.schema)))
                .collect(),
            action_schemas: self
                .actions
                .iter()
                .map(|(name, e)| (name.clone(), pb::ActionSchema { schema: Some(convert::schema(&e.schema)) }))
                .collect(),
            ..Default::default()
        }
    }

    fn identity_schemas(&self) -> std::collections::HashMap<String, pb::ResourceIdentitySchema> {
        self.resources
            .iter()
            .filter_map(|(name, e)| e.identity.as_ref().map(|(i, _)| (name.clone(), convert::identity_schema(i))))
            .collect()
    }

    fn function_schemas(&self) -> std::collections::HashMap<String, pb::Function> {
        self.functions.iter().map(|(name, f)| (name.clone(), convert::function(f))).collect()
    }
}

/// A moment as the protocol's Timestamp (seconds and nanoseconds since the Unix epoch).
fn timestamp(t: std::time::SystemTime) -> pb::Timestamp {
    let since = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    pb::Timestamp { seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX), nanos: since.subsec_nanos() as i32 }
}

fn capabilities(schema_cacheable: bool) -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: schema_cacheable,
        move_resource_state: false,
    }
}

/// Plans a change the way Terraform expects of a provider: the proposed state, with computed
/// attributes the configuration leaves unset turned unknown where they will change, and the
/// attributes that force a replacement.
async fn plan_change(
    e: &ResourceEntry,
    ctx: &Ctx,
    prior: &Value,
    proposed: Value,
    config: &Value,
) -> Result<(Value, Vec<AttributePath>), Diagnostics> {
    if proposed.is_null() {
        return Ok((Value::Null, Vec::new()));
    }
    let changes = e.imp.modify_plan(ctx, prior, config).await?;
    let creating = prior.is_null();
    let changed = creating || &proposed != prior || !changes.unknown.is_empty();
    let stable = e.imp.stable_computed();
    let Value::Object(mut attrs) = proposed else {
        return Err(Diagnostic::error("Invalid plan", "The proposed new state is not an object.").into());
    };
    for a in e.schema.block.attributes.iter().filter(|a| a.computed) {
        let unset = config.get_attr(&a.name).is_none_or(Value::is_null);
        let will_change = creating || (changed && !stable.contains(&a.name.as_str()));
        if (unset && will_change) || changes.unknown.contains(&a.name) {
            attrs.insert(a.name.clone(), Value::Unknown);
        }
    }
    if creating {
        // A single nested block's computed attributes too: an unset `format` filled in at
        // apply must be unknown in the plan, or Terraform rejects the new value as inconsistent.
        for b in e.schema.block.blocks.iter().filter(|b| b.nesting == BlockNesting::Single) {
            let configured = config.get_attr(&b.type_name);
            let Some(Value::Object(inner)) = attrs.get_mut(&b.type_name) else { continue };
            for a in b.block.attributes.iter().filter(|a| a.computed) {
                if configured.and_then(|c| c.get_attr(&a.name)).is_none_or(Value::is_null) {
                    inner.insert(a.name.clone(), Value::Unknown);
                }
            }
        }
    }
    let planned = Value::Object(attrs);
    let mut replace = Vec::new();
    if !creating {
        for path in e.imp.requires_replace().into_iter().chain(changes.requires_replace) {
            if prior.at_path(&path) != planned.at_path(&path) && !replace.contains(&path) {
                replace.push(path);
            }
        }
    }
    Ok((planned, replace))
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities(self.provider.schema_cacheable())),
            data_sources: self
                .data_sources
                .keys()
                .map(|n| pb::get_metadata::DataSourceMetadata { type_name: n.clone() })
                .collect(),
            resources: self
                .resources
                .keys()
                .map(|n| pb::get_metadata::ResourceMetadata { type_name: n.clone() })
                .collect(),
            ephemeral_resources: self
                .ephemeral
                .keys()
                .map(|n| pb::get_metadata::EphemeralMetadata { type_name: n.clone() })
                .collect(),
            list_resources: self
                .lists
                .keys()
                .map(|n| pb::get_metadata::ListResourceMetadata { type_name: n.clone() })
                .collect(),
            actions: self.actions.keys().map(|n| pb::get_metadata::ActionMetadata { type_name: n.clone() }).collect(),
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
                    let (state, diags) = e.imp.read(&self.ctx(), &config).await;
                    (state.map(|s| pb::DynamicValue { msgpack: s.0, json: Vec::new() }), diags)
                }
                Err(err) => (None, err.into()),
            },
            Err(d) => (None, d),
        };
        // INFO: one line per read, which `TF_LOG_PROVIDER=INFO` shows without the SDK's
        // per-call DEBUG lines (whose writing would be part of what it times).
        tracing::info!(
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
        let req = req.into_inner();
        let diags = match self.resource(&req.type_name) {
            Ok(e) => match convert::dynamic_from_proto(req.config.as_ref(), &e.ty) {
                Ok(v) => e.imp.validate(&v),
                Err(err) => err.into(),
            },
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_resource_config::Response { diagnostics: convert::diagnostics(&diags) }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        let result = (|| -> Result<pb::DynamicValue, Diagnostics> {
            let e = self.resource(&req.type_name)?;
            let raw = req.raw_state.as_ref().map(|r| r.json.as_slice()).unwrap_or_default();
            if raw.is_empty() {
                return Err(Diagnostic::error(
                    "Cannot upgrade state",
                    "The stored state is in the legacy flatmap format, which this provider never wrote.",
                )
                .into());
            }
            let json: serde_json::Value = serde_json::from_slice(raw).map_err(|err| {
                Diagnostic::error("Cannot upgrade state", format!("The stored state is not JSON: {err}"))
            })?;
            let upgraded = e.imp.upgrade_state(req.version, json)?;
            let bytes = serde_json::to_vec(&upgraded)
                .map_err(|err| Diagnostic::error("Cannot upgrade state", err.to_string()))?;
            let v = value::json::decode_with(
                &bytes,
                &e.ty,
                value::json::DecodeOptions { ignore_undefined_attributes: true },
            )?;
            Ok(convert::dynamic_to_proto(&e.schema.block.null_write_only(v), &e.ty)?)
        })();
        let (upgraded_state, diags) = match result {
            Ok(s) => (Some(s), Diagnostics::new()),
            Err(d) => (None, d),
        };
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _req: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: self.identity_schemas(),
            diagnostics: Vec::new(),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = req.into_inner();
        let result = (|| -> Result<pb::ResourceIdentityData, Diagnostics> {
            let e = self.resource(&req.type_name)?;
            let Some((_, ty)) = e.identity.as_ref() else {
                return Err(Diagnostic::error(
                    "Cannot upgrade identity",
                    format!("{} has no identity.", req.type_name),
                )
                .into());
            };
            let raw = req.raw_identity.as_ref().map(|r| r.json.as_slice()).unwrap_or_default();
            let json: serde_json::Value = serde_json::from_slice(raw).map_err(|err| {
                Diagnostic::error("Cannot upgrade identity", format!("The stored identity is not JSON: {err}"))
            })?;
            let upgraded = e.imp.upgrade_identity(req.version, json)?;
            let bytes = serde_json::to_vec(&upgraded)
                .map_err(|err| Diagnostic::error("Cannot upgrade identity", err.to_string()))?;
            let v = value::json::decode(&bytes, ty)?;
            Ok(pb::ResourceIdentityData { identity_data: Some(convert::dynamic_to_proto(&v, ty)?) })
        })();
        let (upgraded_identity, diags) = match result {
            Ok(i) => (Some(i), Diagnostics::new()),
            Err(d) => (None, d),
        };
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity,
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        let (new_state, new_identity, diags) = match self.resource(&req.type_name) {
            Ok(e) => match convert::dynamic_from_proto(req.current_state.as_ref(), &e.ty) {
                Ok(state) => {
                    let (v, mut diags) = e.imp.read(&self.ctx(), &state).await;
                    let identity = e.identity_of(v.as_ref(), &mut diags);
                    (encode_state(v, e, &mut diags), identity, diags)
                }
                Err(err) => (None, None, err.into()),
            },
            Err(d) => (None, None, d),
        };
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics: convert::diagnostics(&diags),
            private: req.private,
            deferred: None,
            new_identity,
        }))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = req.into_inner();
        let result = async {
            let e = self.resource(&req.type_name)?;
            let prior = convert::dynamic_from_proto(req.prior_state.as_ref(), &e.ty)?;
            let proposed = convert::dynamic_from_proto(req.proposed_new_state.as_ref(), &e.ty)?;
            let config = convert::dynamic_from_proto(req.config.as_ref(), &e.ty)?;
            let (planned, replace) = plan_change(e, &self.ctx(), &prior, proposed, &config).await?;
            let planned = e.schema.block.null_write_only(planned);
            Ok::<_, Diagnostics>((convert::dynamic_to_proto(&planned, &e.ty)?, replace))
        }
        .await;
        let (planned_state, requires_replace, diags) = match result {
            Ok((p, r)) => (Some(p), r.iter().map(convert::path_to_proto).collect(), Diagnostics::new()),
            Err(d) => (None, Vec::new(), d),
        };
        // An identity names the object for good: an update keeps the prior one, and a create's
        // is told by apply (its attributes may still be unknown here).
        let planned_identity = req.prior_identity.filter(|_| planned_state.is_some());
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state,
            requires_replace,
            planned_private: req.prior_private,
            diagnostics: convert::diagnostics(&diags),
            legacy_type_system: false,
            deferred: None,
            planned_identity,
        }))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        let (new_state, new_identity, diags) = match self.resource(&req.type_name) {
            Err(d) => (None, None, d),
            Ok(e) => {
                let decoded = (|| {
                    Ok::<_, Diagnostics>((
                        convert::dynamic_from_proto(req.prior_state.as_ref(), &e.ty)?,
                        convert::dynamic_from_proto(req.planned_state.as_ref(), &e.ty)?,
                        convert::dynamic_from_proto(req.config.as_ref(), &e.ty)?,
                    ))
                })();
                match decoded {
                    Err(d) => (None, None, d),
                    Ok((prior, planned, config)) => {
                        let ctx = self.ctx();
                        let (v, mut diags) = if planned.is_null() {
                            let d = e.imp.delete(&ctx, &prior).await;
                            // A failed delete keeps the prior state so Terraform still tracks the object.
                            (Some(if d.has_errors() { prior } else { Value::Null }), d)
                        } else if prior.is_null() {
                            e.imp.create_planned(&ctx, &planned, &config).await
                        } else {
                            e.imp.update_planned(&ctx, &prior, &planned, &config).await
                        };
                        let identity = e.identity_of(v.as_ref(), &mut diags);
                        (encode_state(v, e, &mut diags), identity, diags)
                    }
                }
            }
        };
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private: Vec::new(),
            diagnostics: convert::diagnostics(&diags),
            legacy_type_system: false,
            new_identity,
        }))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        let (imported, diags) = match self.resource(&req.type_name) {
            Err(d) => (Vec::new(), d),
            Ok(e) => {
                // `import { identity = … }` sends the identity and no id.
                let (v, mut diags) = match req.identity.as_ref().filter(|_| req.id.is_empty()) {
                    Some(identity) => match e.identity_json(identity) {
                        Ok(json) => e.imp.import_identity(&self.ctx(), &json).await,
                        Err(d) => (None, d),
                    },
                    None => e.imp.import(&self.ctx(), &req.id).await,
                };
                let identity = e.identity_of(v.as_ref(), &mut diags);
                let state = encode_state(v, e, &mut diags);
                let imported = state
                    .map(|state| pb::import_resource_state::ImportedResource {
                        type_name: req.type_name.clone(),
                        state: Some(state),
                        private: Vec::new(),
                        identity,
                    })
                    .into_iter()
                    .collect();
                (imported, diags)
            }
        };
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported,
            diagnostics: convert::diagnostics(&diags),
            deferred: None,
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diags = match self.ephemeral_resource(&req.type_name) {
            Ok(e) => match convert::dynamic_from_proto(req.config.as_ref(), &e.ty) {
                Ok(v) => e.imp.validate(&v),
                Err(err) => err.into(),
            },
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_ephemeral_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let (opened, mut diags) = match self.ephemeral_resource(&req.type_name) {
            Ok(e) => match convert::dynamic_from_proto(req.config.as_ref(), &e.ty) {
                Ok(config) => {
                    let (opened, diags) = e.imp.open(&self.ctx(), &config).await;
                    (opened.map(|o| (o, &e.ty)), diags)
                }
                Err(err) => (None, err.into()),
            },
            Err(d) => (None, d),
        };
        let mut response = pb::open_ephemeral_resource::Response::default();
        if let Some(((result, renew_at, private), ty)) = opened {
            match convert::dynamic_to_proto(&result, ty) {
                Ok(v) => {
                    response.result = Some(v);
                    response.renew_at = renew_at.map(timestamp);
                    response.private = private;
                }
                Err(e) => diags.push(e.into()),
            }
        }
        tracing::debug!(type_name = %req.type_name, diagnostics = diags.len() as u64, "opened ephemeral resource");
        response.diagnostics = convert::diagnostics(&diags);
        Ok(Response::new(response))
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let (renew_at, private, diags) = match self.ephemeral_resource(&req.type_name) {
            Ok(e) => e.imp.renew(&self.ctx(), req.private.as_deref()).await,
            Err(d) => (None, None, d),
        };
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: convert::diagnostics(&diags),
            renew_at: renew_at.map(timestamp),
            private,
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let diags = match self.ephemeral_resource(&req.type_name) {
            Ok(e) => e.imp.close(&self.ctx(), req.private.as_deref()).await,
            Err(d) => d,
        };
        Ok(Response::new(pb::close_ephemeral_resource::Response { diagnostics: convert::diagnostics(&diags) }))
    }

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let events = self.list_events(&req.into_inner()).await;
        Ok(Response::new(Box::pin(futures::stream::iter(events.into_iter().map(Ok)))))
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diags = match self.list_resource(&req.type_name) {
            Ok(e) => match self.list_config(e, req.config.as_ref()) {
                Ok(config) => e.imp.validate(&config),
                Err(d) => d,
            },
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_list_resource_config::Response { diagnostics: convert::diagnostics(&diags) }))
    }

    async fn validate_action_config(
        &self,
        req: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        let req = req.into_inner();
        let diags = match self.action(&req.type_name) {
            Ok(e) => match convert::dynamic_from_proto(req.config.as_ref(), &e.ty) {
                Ok(v) => e.imp.validate(&v),
                Err(err) => err.into(),
            },
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_action_config::Response { diagnostics: convert::diagnostics(&diags) }))
    }

    async fn plan_action(
        &self,
        req: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        let req = req.into_inner();
        let diags = match self.action(&req.action_type) {
            Ok(e) => match convert::dynamic_from_proto(req.config.as_ref(), &e.ty) {
                Ok(v) => e.imp.plan(&self.ctx(), &v).await,
                Err(err) => err.into(),
            },
            Err(d) => d,
        };
        Ok(Response::new(pb::plan_action::Response { diagnostics: convert::diagnostics(&diags), deferred: None }))
    }

    /// Progress lines stream out while the action runs; the last event says how it ended.
    async fn invoke_action(
        &self,
        req: Request<pb::invoke_action::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::invoke_action::Event>>, Status> {
        use pb::invoke_action::event::{Completed, Progress as ProgressEvent, Type as EventType};
        let req = req.into_inner();
        let completed = |d: &Diagnostics| pb::invoke_action::Event {
            r#type: Some(EventType::Completed(Completed { diagnostics: convert::diagnostics(d) })),
        };
        let prepared = self.action(&req.action_type).and_then(|e| {
            let config = convert::dynamic_from_proto(req.config.as_ref(), &e.ty)?;
            Ok((e.imp.clone(), config))
        });
        let (imp, config) = match prepared {
            Ok(p) => p,
            Err(d) => return Ok(Response::new(Box::pin(futures::stream::iter([Ok(completed(&d))])))),
        };
        let ctx = self.ctx();
        let (progress, lines) = crate::action::Progress::channel();
        let run = tokio::spawn(async move { imp.invoke(&ctx, &config, &progress).await });
        let progress = tokio_stream::wrappers::UnboundedReceiverStream::new(lines).map(|message| {
            Ok(pb::invoke_action::Event { r#type: Some(EventType::Progress(ProgressEvent { message })) })
        });
        let done = futures::stream::once(async move {
            let diags = run.await.unwrap_or_else(|e| {
                Diagnostic::error("The action failed", format!("It stopped unexpectedly: {e}")).into()
            });
            Ok(completed(&diags))
        });
        Ok(Response::new(Box::pin(progress.chain(done))))
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response { functions: self.function_schemas(), diagnostics: Vec::new() }))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let req = req.into_inner();
        let failed = |text: String, argument: Option<usize>| pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError { text, function_argument: argument.and_then(|i| i64::try_from(i).ok()) }),
        };
        let Some(f) = self.functions.get(&req.name) else {
            return Ok(Response::new(failed(format!("This provider has no function named {:?}.", req.name), None)));
        };
        if req.arguments.len() != f.parameters.len() {
            let text = format!("{} takes {} arguments, not {}.", f.name, f.parameters.len(), req.arguments.len());
            return Ok(Response::new(failed(text, None)));
        }
        let mut arguments = Vec::with_capacity(req.arguments.len());
        for (i, (arg, p)) in req.arguments.iter().zip(&f.parameters).enumerate() {
            match convert::dynamic_from_proto(Some(arg), &p.ty) {
                Ok(v) => arguments.push(v),
                Err(e) => return Ok(Response::new(failed(format!("{}: {e}", p.name), Some(i)))),
            }
        }
        let answer = match f.call(&arguments) {
            Ok(v) => match convert::dynamic_to_proto(&v, &f.returns) {
                Ok(result) => pb::call_function::Response { result: Some(result), error: None },
                Err(e) => failed(format!("{}: the result does not encode: {e}", f.name), None),
            },
            Err(e) => failed(e.text, e.argument),
        };
        Ok(Response::new(answer))
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

/// A resource's state for Terraform: write-only attributes nulled, then encoded.
fn encode_state(v: Option<Value>, e: &ResourceEntry, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    encode_or_push(v.map(|v| e.schema.block.null_write_only(v)), &e.ty, diags)
}

fn encode_or_push(v: Option<Value>, ty: &Type, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    match v.map(|v| convert::dynamic_to_proto(&v, ty)).transpose() {
        Ok(s) => s,
        Err(err) => {
            diags.push(err.into());
            None
        }
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
