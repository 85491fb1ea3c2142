//! The resource lifecycle through the protocol layer, with a toy resource kept in memory:
//! requests are encoded as Terraform encodes them and answers decoded back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use tonic::Request;

use super::convert;
use super::grpc::ProviderService;
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as _;
use crate::provider::{
    Ctx, DynDataSource, DynEphemeralResource, DynResource, EphemeralResource, Opened, Provider, Renewed, Resource,
};
use crate::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use crate::{AttributePath, Diagnostic, Diagnostics, Type, Value};

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
struct Widget {
    name: String,
    size: Option<i64>,
    id: Option<String>,
    revision: Option<i64>,
    secret: Option<String>,
}

#[derive(Default)]
struct Widgets(Mutex<BTreeMap<String, Widget>>);

#[async_trait]
impl Resource for Arc<Widgets> {
    const TYPE_NAME: &'static str = "toy_widget";
    type Model = Widget;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A widget.")
                .attribute(Attribute::new("name", Type::String).required())
                .attribute(Attribute::new("size", Type::Number).optional())
                .attribute(Attribute::new("id", Type::String).computed())
                .attribute(Attribute::new("revision", Type::Number).computed())
                .attribute(Attribute::new("secret", Type::String).optional().write_only()),
        )
    }

    fn validate(&self, config: &Widget) -> Diagnostics {
        match config.size {
            Some(s) if s < 0 => {
                Diagnostic::error("Invalid size", "negative").at(AttributePath::root().attribute("size")).into()
            }
            _ => Diagnostics::new(),
        }
    }

    fn requires_replace(&self) -> Vec<AttributePath> {
        vec![AttributePath::root().attribute("name")]
    }

    fn stable_computed(&self) -> Vec<&'static str> {
        vec!["id"]
    }

    async fn create(&self, _: &Ctx, config: Widget, _: &mut Diagnostics) -> Result<Widget, Diagnostics> {
        let w = Widget { id: Some(format!("w-{}", config.name)), revision: Some(1), ..config };
        self.0.lock().unwrap().insert(w.id.clone().unwrap(), w.clone());
        Ok(w)
    }

    async fn read(&self, _: &Ctx, state: Widget, _: &mut Diagnostics) -> Result<Option<Widget>, Diagnostics> {
        Ok(self.0.lock().unwrap().get(state.id.as_deref().unwrap_or_default()).cloned())
    }

    async fn update(&self, _: &Ctx, prior: Widget, config: Widget, _: &mut Diagnostics) -> Result<Widget, Diagnostics> {
        let w = Widget { id: prior.id.clone(), revision: prior.revision.map(|r| r + 1), ..config };
        self.0.lock().unwrap().insert(w.id.clone().unwrap(), w.clone());
        Ok(w)
    }

    async fn delete(&self, _: &Ctx, prior: Widget, _: &mut Diagnostics) -> Result<(), Diagnostics> {
        self.0.lock().unwrap().remove(prior.id.as_deref().unwrap_or_default());
        Ok(())
    }

    async fn import(&self, _: &Ctx, id: &str, _: &mut Diagnostics) -> Result<Widget, Diagnostics> {
        Ok(Widget { id: Some(id.to_owned()), ..Widget::default() })
    }

    // Version 1; version 0 called the attribute `widget`.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(vec![IdentityAttribute::required("id", Type::String, "The widget's id.")]).version(1))
    }

    fn identity(&self, state: &Widget) -> Option<serde_json::Value> {
        state.id.as_ref().map(|id| serde_json::json!({ "id": id }))
    }

    fn import_id(&self, identity: &serde_json::Value) -> Result<String, Diagnostics> {
        crate::identity_string(identity, "id").map(str::to_owned)
    }

    fn upgrade_identity(&self, version: i64, identity: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        match version {
            0 => Ok(serde_json::json!({ "id": crate::identity_string(&identity, "widget")? })),
            _ => Ok(identity),
        }
    }
}

/// A token the toy hands out ephemerally; `closed` records the generation each close saw.
#[derive(Default)]
struct Tokens {
    closed: Mutex<Vec<u32>>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
struct Token {
    audience: String,
    value: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TokenPrivate {
    generation: u32,
}

/// When the toy's tokens are due for renewal: a fixed moment, so the answer can be compared.
const RENEW_AT_SECONDS: u64 = 1_800_000_000;

#[async_trait]
impl EphemeralResource for Arc<Tokens> {
    const TYPE_NAME: &'static str = "toy_token";
    type Model = Token;
    type Private = TokenPrivate;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A token.")
                .attribute(Attribute::new("audience", Type::String).required())
                .attribute(Attribute::new("value", Type::String).computed().sensitive()),
        )
    }

    fn validate(&self, config: &Token) -> Diagnostics {
        if config.audience.is_empty() {
            return Diagnostic::error("Invalid audience", "empty")
                .at(AttributePath::root().attribute("audience"))
                .into();
        }
        Diagnostics::new()
    }

    async fn open(
        &self,
        _: &Ctx,
        config: Token,
        _: &mut Diagnostics,
    ) -> Result<Opened<Token, TokenPrivate>, Diagnostics> {
        let value = Some(format!("t-{}-1", config.audience));
        Ok(Opened {
            result: Token { value, ..config },
            renew_at: Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(RENEW_AT_SECONDS)),
            private: Some(TokenPrivate { generation: 1 }),
        })
    }

    async fn renew(
        &self,
        _: &Ctx,
        private: Option<TokenPrivate>,
        _: &mut Diagnostics,
    ) -> Result<Renewed<TokenPrivate>, Diagnostics> {
        let generation = private.map_or(0, |p| p.generation) + 1;
        Ok(Renewed { renew_at: None, private: Some(TokenPrivate { generation }) })
    }

    async fn close(&self, _: &Ctx, private: Option<TokenPrivate>, _: &mut Diagnostics) -> Result<(), Diagnostics> {
        self.closed.lock().unwrap().push(private.map_or(0, |p| p.generation));
        Ok(())
    }
}

struct Toy(Arc<Widgets>);

#[async_trait]
impl Provider for Toy {
    type Config = BTreeMap<String, Option<String>>;
    fn schema(&self) -> Schema {
        Schema::new(Block::new("toy"))
    }
    async fn configure(&self, _: &Ctx, _: Self::Config, _: bool, _: &str) -> Result<Diagnostics, Diagnostics> {
        Ok(Diagnostics::new())
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        Vec::new()
    }
    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![Arc::new(self.0.clone())]
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>> {
        vec![Arc::new(TOKENS.with(Arc::clone))]
    }
    fn list_resources(&self) -> Vec<Arc<dyn crate::list::DynListResource>> {
        vec![Arc::new(WidgetList(self.0.clone()))]
    }
    fn actions(&self) -> Vec<Arc<dyn crate::action::DynAction>> {
        vec![Arc::new(Shout)]
    }
}

/// Lists the stored widgets whose name starts with `prefix`; one named `hidden` cannot be looked at.
struct WidgetList(Arc<Widgets>);

#[derive(Debug, Deserialize)]
struct ListFilter {
    prefix: Option<String>,
}

#[async_trait]
impl crate::list::ListResource for WidgetList {
    const TYPE_NAME: &'static str = "toy_widget";
    type Config = ListFilter;
    type Model = Widget;

    fn schema(&self) -> Schema {
        Schema::new(Block::new("Widgets.").attribute(Attribute::new("prefix", Type::String).optional()))
    }

    fn validate(&self, config: &ListFilter) -> Diagnostics {
        match &config.prefix {
            Some(p) if p.is_empty() => {
                Diagnostic::error("Invalid prefix", "empty").at(AttributePath::root().attribute("prefix")).into()
            }
            _ => Diagnostics::new(),
        }
    }

    async fn list(
        &self,
        _: &Ctx,
        config: ListFilter,
        include_resource: bool,
        _limit: usize,
        diags: &mut Diagnostics,
    ) -> Result<Vec<crate::list::Listed<Widget>>, Diagnostics> {
        let mut out = Vec::new();
        for w in self.0.0.lock().unwrap().values() {
            if w.name == "hidden" {
                diags.push(Diagnostic::warning("Widget not looked at", format!("{:?} hides", w.id)));
                continue;
            }
            if config.prefix.as_deref().is_none_or(|p| w.name.starts_with(p)) {
                out.push(crate::list::Listed {
                    identity: serde_json::json!({ "id": w.id }),
                    display_name: w.name.clone(),
                    resource: include_resource.then(|| w.clone()),
                });
            }
        }
        Ok(out)
    }
}

/// Says "shout N" `times` times, then fails on `times = 3`.
struct Shout;

#[derive(Debug, Deserialize)]
struct ShoutConfig {
    times: i64,
}

#[async_trait]
impl crate::action::Action for Shout {
    const TYPE_NAME: &'static str = "toy_shout";
    type Config = ShoutConfig;

    fn schema(&self) -> Schema {
        Schema::new(Block::new("Shouts.").attribute(Attribute::new("times", Type::Number).required()))
    }

    fn validate(&self, config: &ShoutConfig) -> Diagnostics {
        if config.times < 1 {
            return Diagnostic::error("Invalid times", "at least 1")
                .at(AttributePath::root().attribute("times"))
                .into();
        }
        Diagnostics::new()
    }

    async fn invoke(&self, _: &Ctx, config: ShoutConfig, progress: &crate::action::Progress) -> Diagnostics {
        for i in 1..=config.times {
            progress.say(format!("shout {i}"));
        }
        if config.times == 3 {
            return Diagnostic::error("Hoarse", "three is too many").into();
        }
        Diagnostics::new()
    }
}

thread_local! {
    /// The toy's token store, per test thread, so a test can look at what close saw.
    static TOKENS: Arc<Tokens> = Arc::new(Tokens::default());
}

fn ty() -> Type {
    Resource::schema(&Arc::new(Widgets::default())).value_type()
}

fn obj(name: &str, size: Option<i64>, id: Value, revision: Value) -> Value {
    Value::object([
        ("name", Value::string(name)),
        ("size", size.map(Value::from).unwrap_or(Value::Null)),
        ("id", id),
        ("revision", revision),
        ("secret", Value::Null),
    ])
}

/// `v` with `secret` set, as Terraform sends a configuration that gives a write-only value.
fn with_secret(v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            m.insert("secret".into(), Value::string("s3cret"));
            Value::Object(m)
        }
        other => other,
    }
}

fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(convert::dynamic_to_proto(v, &ty()).unwrap())
}

fn back(v: Option<pb::DynamicValue>) -> Value {
    convert::dynamic_from_proto(v.as_ref(), &ty()).unwrap()
}

async fn plan(
    svc: &ProviderService<Toy>,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> pb::plan_resource_change::Response {
    svc.plan_resource_change(Request::new(pb::plan_resource_change::Request {
        type_name: "toy_widget".into(),
        prior_state: dv(prior),
        proposed_new_state: dv(proposed),
        config: dv(config),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn apply(
    svc: &ProviderService<Toy>,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> pb::apply_resource_change::Response {
    svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
        type_name: "toy_widget".into(),
        prior_state: dv(prior),
        planned_state: dv(planned),
        config: dv(config),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
}

#[tokio::test]
async fn lifecycle_create_noop_update_replace_read_gone_import_delete() {
    let store = Arc::new(Widgets::default());
    let svc = ProviderService::new(Toy(store.clone()), CancellationToken::new());
    let schema = svc.schema_response();
    assert!(schema.resource_schemas.contains_key("toy_widget"));
    // Terraform asks every instance for the schema unless the provider says it may cache it.
    assert_eq!(schema.server_capabilities.map(|c| c.get_provider_schema_optional), Some(false));

    // Create: computed attributes are unknown in the plan, known after apply.
    let config = obj("a", Some(1), Value::Null, Value::Null);
    let p = plan(&svc, &Value::Null, &config, &config).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(back(p.planned_state.clone()), obj("a", Some(1), Value::Unknown, Value::Unknown));
    assert!(p.requires_replace.is_empty());
    let a = apply(&svc, &Value::Null, &back(p.planned_state), &config).await;
    let state = back(a.new_state);
    assert_eq!(state, obj("a", Some(1), Value::string("w-a"), Value::from(1)));

    // No change: the plan is the prior state, nothing unknown.
    let p = plan(&svc, &state, &state, &config).await;
    assert_eq!(back(p.planned_state), state);

    // In-place update: `revision` will change, `id` is stable.
    let config2 = obj("a", Some(2), Value::Null, Value::Null);
    let proposed = obj("a", Some(2), Value::string("w-a"), Value::from(1));
    let p = plan(&svc, &state, &proposed, &config2).await;
    let planned = back(p.planned_state);
    assert_eq!(planned, obj("a", Some(2), Value::string("w-a"), Value::Unknown));
    assert!(p.requires_replace.is_empty());
    let state2 = back(apply(&svc, &state, &planned, &config2).await.new_state);
    assert_eq!(state2, obj("a", Some(2), Value::string("w-a"), Value::from(2)));

    // Renaming forces a replacement, reported at its path.
    let proposed = obj("b", Some(2), Value::string("w-a"), Value::from(2));
    let p = plan(&svc, &state2, &proposed, &obj("b", Some(2), Value::Null, Value::Null)).await;
    let paths: Vec<AttributePath> = p.requires_replace.iter().map(convert::path_from_proto).collect();
    assert_eq!(paths, [AttributePath::root().attribute("name")]);

    // Read: present, then deleted out of band → null state so Terraform plans a create.
    let read = |s: Value| {
        let svc = &svc;
        async move {
            svc.read_resource(Request::new(pb::read_resource::Request {
                type_name: "toy_widget".into(),
                current_state: dv(&s),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner()
        }
    };
    assert_eq!(back(read(state2.clone()).await.new_state), state2);
    store.0.lock().unwrap().clear();
    let gone = read(state2.clone()).await;
    assert!(gone.diagnostics.is_empty());
    assert_eq!(gone.new_state.as_ref().unwrap().msgpack, vec![0xc0], "an explicit msgpack nil");

    // Import builds a state from the id.
    let imp = svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "toy_widget".into(),
            id: "w-z".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(imp.imported_resources.len(), 1);
    assert_eq!(back(imp.imported_resources[0].state.clone()).get_attr("id"), Some(&Value::string("w-z")));

    // Delete: planned null → new state null, object gone.
    let created = back(
        apply(
            &svc,
            &Value::Null,
            &obj("c", None, Value::Unknown, Value::Unknown),
            &obj("c", None, Value::Null, Value::Null),
        )
        .await
        .new_state,
    );
    assert_eq!(store.0.lock().unwrap().len(), 1);
    let d = apply(&svc, &created, &Value::Null, &Value::Null).await;
    assert!(d.diagnostics.is_empty());
    assert_eq!(back(d.new_state), Value::Null);
    assert!(store.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn validate_upgrade_and_unknown_types() {
    let svc = ProviderService::new(Toy(Arc::new(Widgets::default())), CancellationToken::new());
    let v = svc
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "toy_widget".into(),
            config: dv(&obj("a", Some(-1), Value::Null, Value::Null)),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.diagnostics.len(), 1);
    assert_eq!(
        convert::diagnostic_from_proto(&v.diagnostics[0]).attribute,
        Some(AttributePath::root().attribute("size"))
    );

    // Unknown size at validate time is not an error.
    let v = svc
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "toy_widget".into(),
            config: dv(&Value::object([
                ("name", Value::string("a")),
                ("size", Value::Unknown),
                ("id", Value::Null),
                ("revision", Value::Null),
            ])),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(v.diagnostics.is_empty());

    // Raw JSON state from an older schema, with an attribute since removed.
    let up = svc
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "toy_widget".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: br#"{"name":"a","size":3,"id":"w-a","revision":7,"colour":"red"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(up.diagnostics.is_empty(), "{:?}", up.diagnostics);
    assert_eq!(back(up.upgraded_state), obj("a", Some(3), Value::string("w-a"), Value::from(7)));

    let v = svc
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "toy_gadget".into(),
            config: None,
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.diagnostics[0].summary, "Unknown resource type");
}

#[tokio::test]
async fn write_only_values_reach_the_resource_and_never_a_plan_or_a_state() {
    let store = Arc::new(Widgets::default());
    let svc = ProviderService::new(Toy(store.clone()), CancellationToken::new());
    let config = with_secret(obj("w", None, Value::Null, Value::Null));
    // Even a proposed state that carries the value is planned without it.
    let p = plan(&svc, &Value::Null, &config, &config).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let planned = back(p.planned_state);
    assert_eq!(planned, obj("w", None, Value::Unknown, Value::Unknown));
    let state = back(apply(&svc, &Value::Null, &planned, &config).await.new_state);
    assert_eq!(state, obj("w", None, Value::string("w-w"), Value::from(1)));
    assert_eq!(store.0.lock().unwrap()["w-w"].secret.as_deref(), Some("s3cret"), "the resource had the value");

    // The stored widget keeps it; read and import answer without it.
    let read = svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "toy_widget".into(),
            current_state: dv(&state),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(back(read.new_state), state);
    let updated = back(apply(&svc, &state, &state, &config).await.new_state);
    assert_eq!(updated, obj("w", None, Value::string("w-w"), Value::from(2)));
}

#[tokio::test]
async fn ephemeral_resources_open_renew_and_close_through_the_protocol() {
    let svc = ProviderService::new(Toy(Arc::new(Widgets::default())), CancellationToken::new());
    let schema = svc.schema_response();
    assert!(
        schema.ephemeral_resource_schemas.contains_key("toy_token"),
        "{:?}",
        schema.ephemeral_resource_schemas.keys()
    );
    let meta = svc.get_metadata(Request::new(pb::get_metadata::Request {})).await.unwrap().into_inner();
    assert_eq!(meta.ephemeral_resources.iter().map(|e| e.type_name.as_str()).collect::<Vec<_>>(), ["toy_token"]);
    let ty = EphemeralResource::schema(&TOKENS.with(Arc::clone)).value_type();
    let config = |audience: &str| {
        let v = Value::object([("audience", Value::string(audience)), ("value", Value::Null)]);
        Some(convert::dynamic_to_proto(&v, &ty).unwrap())
    };

    let bad = svc
        .validate_ephemeral_resource_config(Request::new(pb::validate_ephemeral_resource_config::Request {
            type_name: "toy_token".into(),
            config: config(""),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bad.diagnostics.len(), 1);
    assert_eq!(
        bad.diagnostics[0].attribute,
        Some(convert::path_to_proto(&AttributePath::root().attribute("audience")))
    );

    let opened = svc
        .open_ephemeral_resource(Request::new(pb::open_ephemeral_resource::Request {
            type_name: "toy_token".into(),
            config: config("ci"),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(opened.diagnostics.is_empty(), "{:?}", opened.diagnostics);
    let result = convert::dynamic_from_proto(opened.result.as_ref(), &ty).unwrap();
    assert_eq!(result, Value::object([("audience", Value::string("ci")), ("value", Value::string("t-ci-1"))]));
    assert_eq!(opened.renew_at.map(|t| (t.seconds, t.nanos)), Some((RENEW_AT_SECONDS as i64, 0)));
    let private = opened.private.expect("private data");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&private).unwrap(), serde_json::json!({"generation": 1}));

    let renewed = svc
        .renew_ephemeral_resource(Request::new(pb::renew_ephemeral_resource::Request {
            type_name: "toy_token".into(),
            private: Some(private),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(renewed.diagnostics.is_empty() && renewed.renew_at.is_none());
    let closed = svc
        .close_ephemeral_resource(Request::new(pb::close_ephemeral_resource::Request {
            type_name: "toy_token".into(),
            private: renewed.private,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(closed.diagnostics.is_empty());
    assert_eq!(*TOKENS.with(Arc::clone).closed.lock().unwrap(), [2], "close saw the renewed private data");

    // Private data Terraform hands back that the provider cannot read, and an unknown type.
    let garbled = svc
        .renew_ephemeral_resource(Request::new(pb::renew_ephemeral_resource::Request {
            type_name: "toy_token".into(),
            private: Some(b"not json".to_vec()),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(garbled.diagnostics.first().map(|d| d.summary.as_str()), Some("Invalid private data"));
    let unknown = svc
        .open_ephemeral_resource(Request::new(pb::open_ephemeral_resource::Request {
            type_name: "toy_nope".into(),
            config: None,
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(unknown.result.is_none());
    assert_eq!(unknown.diagnostics.first().map(|d| d.summary.as_str()), Some("Unknown ephemeral resource"));
}

fn identity_value(data: Option<pb::ResourceIdentityData>) -> Value {
    let data = data.expect("an identity");
    convert::dynamic_from_proto(data.identity_data.as_ref(), &Type::object([("id", Type::String)])).unwrap()
}

fn identity_data(id: &str) -> Option<pb::ResourceIdentityData> {
    let v = Value::object([("id", Value::string(id))]);
    Some(pb::ResourceIdentityData {
        identity_data: Some(convert::dynamic_to_proto(&v, &Type::object([("id", Type::String)])).unwrap()),
    })
}

#[tokio::test]
async fn identities_are_told_by_apply_read_and_import_kept_by_plans_and_upgraded() {
    let store = Arc::new(Widgets::default());
    let svc = ProviderService::new(Toy(store.clone()), CancellationToken::new());
    let schemas = svc
        .get_resource_identity_schemas(Request::new(pb::get_resource_identity_schemas::Request {}))
        .await
        .unwrap()
        .into_inner();
    let widget = &schemas.identity_schemas["toy_widget"];
    assert_eq!(widget.version, 1);
    let attrs: Vec<(&str, bool)> =
        widget.identity_attributes.iter().map(|a| (a.name.as_str(), a.required_for_import)).collect();
    assert_eq!(attrs, [("id", true)]);
    assert_eq!(widget.identity_attributes[0].r#type, b"\"string\"");

    // Create: no identity is planned (apply tells it), apply returns it.
    let config = obj("a", Some(1), Value::Null, Value::Null);
    let p = plan(&svc, &Value::Null, &config, &config).await;
    assert!(p.planned_identity.is_none());
    let a = apply(&svc, &Value::Null, &back(p.planned_state), &config).await;
    assert_eq!(identity_value(a.new_identity.clone()), Value::object([("id", Value::string("w-a"))]));
    let state = back(a.new_state);

    // An update's plan keeps the prior identity; read tells the same.
    let p = svc
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "toy_widget".into(),
            prior_state: dv(&state),
            proposed_new_state: dv(&state),
            config: dv(&config),
            prior_identity: a.new_identity.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.planned_identity, a.new_identity);
    let r = svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "toy_widget".into(),
            current_state: dv(&state),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.new_identity, a.new_identity);

    // Import by identity alone (no id): the state and identity of that widget.
    let imported = svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "toy_widget".into(),
            identity: identity_data("w-x"),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(imported.diagnostics.is_empty(), "{:?}", imported.diagnostics);
    let only = &imported.imported_resources[0];
    assert_eq!(back(only.state.clone()).get_attr("id"), Some(&Value::string("w-x")));
    assert_eq!(only.identity, identity_data("w-x"));

    // An identity stored under version 0 is upgraded; one that lacks its attribute is an error.
    let upgrade = |version: i64, json: &str| {
        svc.upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: "toy_widget".into(),
            version,
            raw_identity: Some(pb::RawState { json: json.as_bytes().to_vec(), ..Default::default() }),
        }))
    };
    let up = upgrade(0, r#"{"widget":"w-a"}"#).await.unwrap().into_inner();
    assert!(up.diagnostics.is_empty(), "{:?}", up.diagnostics);
    assert_eq!(identity_value(up.upgraded_identity), Value::object([("id", Value::string("w-a"))]));
    let bad = upgrade(0, r#"{"id":"w-a"}"#).await.unwrap().into_inner();
    assert!(bad.upgraded_identity.is_none());
    assert!(bad.diagnostics[0].detail.contains("\"widget\""), "{:?}", bad.diagnostics);
}

fn list_request(prefix: Option<&str>, include: bool, limit: i64) -> pb::list_resource::Request {
    let config_ty = Type::object([("prefix", Type::String)]);
    let block_ty = Type::object([("config", config_ty), ("include_resource", Type::Bool), ("limit", Type::Number)]);
    let block = Value::object([
        ("config", Value::object([("prefix", prefix.map(Value::string).unwrap_or(Value::Null))])),
        ("include_resource", Value::Bool(include)),
        ("limit", Value::from(limit)),
    ]);
    pb::list_resource::Request {
        type_name: "toy_widget".into(),
        config: Some(convert::dynamic_to_proto(&block, &block_ty).unwrap()),
        include_resource_object: include,
        limit,
    }
}

#[tokio::test]
async fn list_events_name_each_object_by_identity_and_put_warnings_last() {
    use futures::StreamExt as _;
    let store = Arc::new(Widgets::default());
    for name in ["apple", "hidden", "avocado", "banana"] {
        let w = Widget { name: name.into(), id: Some(format!("w-{name}")), ..Widget::default() };
        store.0.lock().unwrap().insert(w.id.clone().unwrap(), w);
    }
    let svc = ProviderService::new(Toy(store.clone()), CancellationToken::new());
    assert!(svc.schema_response().list_resource_schemas.contains_key("toy_widget"));

    let events: Vec<pb::list_resource::Event> = svc
        .list_resource(Request::new(list_request(Some("a"), true, 100)))
        .await
        .unwrap()
        .into_inner()
        .map(|e| e.unwrap())
        .collect()
        .await;
    let names: Vec<&str> = events.iter().map(|e| e.display_name.as_str()).collect();
    assert_eq!(names, ["apple", "avocado", ""], "objects first, the warning on an event of its own last");
    assert_eq!(events[0].identity, identity_data("w-apple"));
    assert_eq!(back(events[0].resource_object.clone()).get_attr("name"), Some(&Value::string("apple")));
    assert!(events[2].identity.is_none() && events[2].diagnostic[0].summary == "Widget not looked at");

    // Without include_resource no state is sent; the limit bounds the objects.
    let events: Vec<pb::list_resource::Event> = svc
        .list_resource(Request::new(list_request(None, false, 2)))
        .await
        .unwrap()
        .into_inner()
        .map(|e| e.unwrap())
        .collect()
        .await;
    let found: Vec<&pb::list_resource::Event> = events.iter().filter(|e| e.identity.is_some()).collect();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|e| e.resource_object.is_none()));

    let mut bad = list_request(Some(""), false, 1);
    let v = svc
        .validate_list_resource_config(Request::new(pb::validate_list_resource_config::Request {
            type_name: "toy_widget".into(),
            config: bad.config.take(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.diagnostics[0].summary, "Invalid prefix");
}

#[tokio::test]
async fn actions_stream_their_progress_then_how_they_ended() {
    use futures::StreamExt as _;
    use pb::invoke_action::event::Type as E;
    let svc = ProviderService::new(Toy(Arc::new(Widgets::default())), CancellationToken::new());
    assert!(svc.schema_response().action_schemas.contains_key("toy_shout"));
    let ty = Type::object([("times", Type::Number)]);
    let config = |n: i64| Some(convert::dynamic_to_proto(&Value::object([("times", Value::from(n))]), &ty).unwrap());
    let invoke = |n: i64| {
        svc.invoke_action(Request::new(pb::invoke_action::Request {
            action_type: "toy_shout".into(),
            config: config(n),
            ..Default::default()
        }))
    };
    let said = |events: &[pb::invoke_action::Event]| -> Vec<String> {
        events
            .iter()
            .map(|e| match &e.r#type {
                Some(E::Progress(p)) => p.message.clone(),
                Some(E::Completed(c)) => format!("completed {}", c.diagnostics.len()),
                None => "none".into(),
            })
            .collect()
    };
    let events: Vec<_> = invoke(2).await.unwrap().into_inner().map(|e| e.unwrap()).collect().await;
    assert_eq!(said(&events), ["shout 1", "shout 2", "completed 0"]);
    let events: Vec<_> = invoke(3).await.unwrap().into_inner().map(|e| e.unwrap()).collect().await;
    assert_eq!(said(&events), ["shout 1", "shout 2", "shout 3", "completed 1"]);

    let v = svc
        .validate_action_config(Request::new(pb::validate_action_config::Request {
            type_name: "toy_shout".into(),
            config: config(0),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.diagnostics[0].summary, "Invalid times");
    let unknown = svc
        .plan_action(Request::new(pb::plan_action::Request { action_type: "toy_nope".into(), ..Default::default() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unknown.diagnostics[0].summary, "Unknown action");
}
