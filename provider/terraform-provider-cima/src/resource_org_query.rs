//! `resource "cima_org_query"`: the organization query of the data source, its result kept as an
//! object in S3 (CSV or JSON lines) for the dashboard's account-name join.
//!
//! Drift: refresh re-reads the object (gone → re-create; edited → its fingerprint changes) and
//! plan re-runs the query, so a changed organization or an edited object shows as an in-place
//! update that rewrites the object. So does a new `destination.tag_key`: it changes the body,
//! not where the object is.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use cima_core::org::export::{self, Format};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use tfplugin::schema::{Attribute, Block, BlockNesting, IdentityAttribute, IdentitySchema, NestedBlock, Schema};
use tfplugin::{AttributePath, Ctx, Diagnostic, Diagnostics, PlanChanges, Resource, Type, identity_string};

use crate::config::{Configured, ProviderData};
use crate::org_query::{AccountModel, Filters, filter_attributes, result_attributes, run_query, validate_filters};
use crate::s3::Object;

/// User metadata on the object: the query that produced it, so an import can read it back.
const META_QUERY: &str = "cima-query";
const META_FORMAT: &str = "cima-format";
/// 1: `parent_ids` became a set.
const SCHEMA_VERSION: i64 = 1;
/// The label's tag key, as a JSON string; absent when none is configured (and on objects written
/// before the attribute existed, which import with `tag_key` null).
const META_TAG_KEY: &str = "cima-tag-key";

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct DestinationModel {
    pub bucket: String,
    pub key: String,
    pub format: Option<String>,
    pub tag_key: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct OrgQueryResourceModel {
    pub parent_ids: Option<BTreeSet<String>>,
    pub recursive: Option<bool>,
    pub statuses: Option<BTreeSet<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub include_account_ids: Option<BTreeSet<String>>,
    pub exclude_account_ids: Option<BTreeSet<String>>,
    pub include_management_account: Option<bool>,
    pub destination: Option<DestinationModel>,
    pub id: Option<String>,
    pub organization_id: Option<String>,
    pub management_account_id: Option<String>,
    pub root_id: Option<String>,
    pub account_ids: Option<Vec<String>>,
    pub account_count: Option<i64>,
    pub fingerprint: Option<String>,
    pub accounts: Option<Vec<AccountModel>>,
}

impl OrgQueryResourceModel {
    fn filters(&self) -> Filters {
        Filters {
            parent_ids: self.parent_ids.clone(),
            recursive: self.recursive,
            statuses: self.statuses.clone(),
            tags: self.tags.clone(),
            include_account_ids: self.include_account_ids.clone(),
            exclude_account_ids: self.exclude_account_ids.clone(),
            include_management_account: self.include_management_account,
        }
    }

    fn destination(&self) -> Result<(&DestinationModel, Format), Diagnostics> {
        let d = self.destination.as_ref().ok_or_else(|| {
            Diagnostics::from(
                Diagnostic::error("Missing destination", "A destination block is required.")
                    .at(AttributePath::root().attribute("destination")),
            )
        })?;
        let format = Format::parse(d.format.as_deref().unwrap_or("csv")).ok_or_else(|| {
            Diagnostics::from(
                Diagnostic::error("Invalid format", "format must be \"csv\" or \"jsonl\".")
                    .at(AttributePath::root().attribute("destination").attribute("format")),
            )
        })?;
        Ok((d, format))
    }
}

/// S3's naming rules for general purpose buckets, checked at validate time; `None` when valid.
/// An empty name is left alone: it is unknown at validate time more often than wrong.
fn bucket_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !(3..=63).contains(&name.len()) {
        Some(format!("{name:?} must be 3 to 63 characters long."))
    } else if !name.bytes().all(allowed) {
        Some(format!("{name:?} may hold only lowercase letters, digits, dots and hyphens."))
    } else if !edge(name.as_bytes().first()) || !edge(name.as_bytes().last()) {
        Some(format!("{name:?} must begin and end with a lowercase letter or digit."))
    } else if name.contains("..") {
        Some(format!("{name:?} must not contain two adjacent dots."))
    } else {
        None
    }
}

/// JSON with every non-ASCII character as a `\u` escape: S3 user metadata travels as HTTP
/// headers, which carry US-ASCII only, while tag keys and values may be any Unicode letter.
/// `serde_json::from_str` reads it back as written.
fn ascii_json<T: Serialize + ?Sized>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn fingerprint(body: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(body))
}

pub struct OrgQueryResource {
    data: Arc<ProviderData>,
}

impl OrgQueryResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }

    /// Queries, renders, and fills every computed attribute; returns the body to write.
    async fn build(
        &self,
        ctx: &Ctx,
        c: &Configured,
        config: OrgQueryResourceModel,
    ) -> Result<(OrgQueryResourceModel, Vec<u8>), Diagnostics> {
        let (dest, format) = config.destination()?;
        let dest = DestinationModel {
            format: Some(
                match format {
                    Format::Csv => "csv",
                    Format::Jsonl => "jsonl",
                }
                .to_owned(),
            ),
            ..dest.clone()
        };
        let inv = run_query(ctx, c, &config.filters().to_query()).await?;
        let body = export::render(&inv.accounts, format, dest.tag_key.as_deref()).into_bytes();
        let q = config.filters().to_query();
        let model = OrgQueryResourceModel {
            recursive: Some(q.recursive),
            statuses: Some(q.statuses),
            include_management_account: Some(q.include_management_account),
            id: Some(format!("{}/{}", dest.bucket, dest.key)),
            destination: Some(dest),
            organization_id: Some(inv.organization_id.clone()),
            management_account_id: Some(inv.management_account_id.clone()),
            root_id: Some(inv.root_id.clone()),
            account_ids: Some(inv.account_ids()),
            account_count: Some(inv.accounts.len() as i64),
            fingerprint: Some(fingerprint(&body)),
            accounts: Some(inv.accounts.into_iter().map(AccountModel::from).collect()),
            ..config
        };
        Ok((model, body))
    }

    async fn write(
        &self,
        ctx: &Ctx,
        c: &Configured,
        config: OrgQueryResourceModel,
    ) -> Result<OrgQueryResourceModel, Diagnostics> {
        let (model, body) = self.build(ctx, c, config).await?;
        let (dest, format) = model.destination()?;
        let mut metadata = BTreeMap::from([
            (META_QUERY.to_owned(), ascii_json(&model.filters())),
            (META_FORMAT.to_owned(), dest.format.clone().unwrap_or_default()),
        ]);
        if let Some(tag_key) = &dest.tag_key {
            metadata.insert(META_TAG_KEY.to_owned(), ascii_json(tag_key));
        }
        let store = c.aws.store();
        ctx.run("writing the inventory to S3", async {
            store
                .put(&dest.bucket, &dest.key, Object { body, metadata }, format.content_type())
                .await
                .map_err(|e| Diagnostics::from(Diagnostic::error("Cannot write the inventory", e.to_string())))
        })
        .await?;
        Ok(model)
    }
}

#[async_trait]
impl Resource for OrgQueryResource {
    const TYPE_NAME: &'static str = "cima_org_query";
    type Model = OrgQueryResourceModel;

    fn schema(&self) -> Schema {
        let mut block = Block::new(
            "Runs the organization query of `data \"cima_org_query\"` and keeps its result: the account inventory is written to S3 as CSV (the columns of the dashboard's `accountsinfo` table: accountid, arn, email, name, status, joinedmethod, joinedtimestamp, tag, ou_path, tags) or JSON lines (one object per account, with the same `tag` and `tags` as an object). `tag` is one label per account, the value of its `destination.tag_key` tag (empty without one); `tags` is every tag as `key=value;key=value`, sorted by key, and comes last so a table reading columns by position still reads objects written before it. Refresh re-reads the object and plan re-runs the query, so a changed organization or an edited object shows as an in-place update. Import with `bucket/key`: the query, the format and `tag_key` come back from the object's metadata (`tag_key` is null for objects written by provider versions without it, and the next apply rewrites the object with the configured one).",
        );
        for a in filter_attributes() {
            block = block.attribute(a);
        }
        for a in result_attributes() {
            block = block.attribute(a);
        }
        block = block
            .attribute(Attribute::new("id", Type::String).computed().description("`bucket/key` of the object."))
            .attribute(
                Attribute::new("account_count", Type::Number)
                    .computed()
                    .description("How many accounts the object lists."),
            )
            .attribute(
                Attribute::new("fingerprint", Type::String)
                    .computed()
                    .description("SHA-256 (hex) of the object's body as last read or written."),
            )
            .block(
                NestedBlock::new(
                    "destination",
                    BlockNesting::Single,
                    Block::new("Where and how the inventory is written. Changing `bucket`, `key` or `format` replaces the object (the old one is deleted); changing `tag_key` rewrites it in place.")
                        .attribute(
                            Attribute::new("bucket", Type::String)
                                .required()
                                .description("S3 bucket. Changing it replaces the object."),
                        )
                        .attribute(
                            Attribute::new("key", Type::String)
                                .required()
                                .description("Object key. Changing it replaces the object."),
                        )
                        .attribute(
                            Attribute::new("format", Type::String)
                                .optional()
                                .computed()
                                .description("`csv` (default) or `jsonl`. Changing it replaces the object."),
                        )
                        .attribute(
                            Attribute::new("tag_key", Type::String)
                                .optional()
                                .description("Tag key whose value is each account's label in the `tag` column, such as `BusinessUnit` or `env` (matched exactly, as AWS compares tag keys): 1 to 128 letters, digits, spaces and `_.:/=+-@`, not starting with `aws:`. Unset: `tag` is empty. Changing it rewrites the object in place."),
                        ),
                )
                .items(1, 1),
            );
        Schema::new(block).version(SCHEMA_VERSION)
    }

    /// Version 0 kept `parent_ids` as a list; version 1 as a set. A set in state is a JSON array
    /// too, so the upgrade is dropping repeats (a list allowed them, a set cannot hold them).
    fn upgrade_state(&self, version: i64, mut state: serde_json::Value) -> Result<serde_json::Value, Diagnostics> {
        match version {
            0 => {
                if let Some(parents) = state.get_mut("parent_ids").and_then(serde_json::Value::as_array_mut) {
                    let mut seen = BTreeSet::new();
                    parents.retain(|p| seen.insert(p.to_string()));
                }
                Ok(state)
            }
            SCHEMA_VERSION => Ok(state),
            newer => Err(Diagnostic::error(
                "Cannot upgrade state",
                format!(
                    "The state was written by a newer provider (schema version {newer}; this one knows up to {SCHEMA_VERSION}). Use that provider version or newer."
                ),
            )
            .into()),
        }
    }

    fn validate(&self, config: &OrgQueryResourceModel) -> Diagnostics {
        let mut d = validate_filters(&config.filters());
        if let Some(dest) = &config.destination {
            if let Some(f) = &dest.format
                && Format::parse(f).is_none()
            {
                d.push(
                    Diagnostic::error("Invalid format", format!("{f:?} is not \"csv\" or \"jsonl\"."))
                        .at(AttributePath::root().attribute("destination").attribute("format")),
                );
            }
            if let Some(problem) = bucket_name_problem(&dest.bucket) {
                d.push(
                    Diagnostic::error("Invalid bucket name", problem)
                        .at(AttributePath::root().attribute("destination").attribute("bucket")),
                );
            }
            if dest.key.is_empty() || dest.key.starts_with('/') {
                d.push(
                    Diagnostic::error("Invalid key", "An S3 key is not empty and does not start with \"/\".")
                        .at(AttributePath::root().attribute("destination").attribute("key")),
                );
            }
            if let Some(problem) = dest.tag_key.as_deref().and_then(export::tag_key_problem) {
                d.push(
                    Diagnostic::error("Invalid tag key", problem)
                        .at(AttributePath::root().attribute("destination").attribute("tag_key")),
                );
            }
        }
        d
    }

    fn requires_replace(&self) -> Vec<AttributePath> {
        // Not `tag_key`: it changes only the body, which an update rewrites at the same place.
        let dest = AttributePath::root().attribute("destination");
        ["bucket", "key", "format"].map(|a| dest.clone().attribute(a)).into()
    }

    fn stable_computed(&self) -> Vec<&'static str> {
        vec!["id", "organization_id", "management_account_id", "root_id"]
    }

    async fn modify_plan(
        &self,
        ctx: &Ctx,
        prior: Option<&OrgQueryResourceModel>,
        config: &OrgQueryResourceModel,
        changes: &mut PlanChanges,
    ) -> Result<(), Diagnostics> {
        // Only an existing object can drift; and the query needs a configured provider.
        let (Some(prior), Ok(c)) = (prior, self.data.get()) else { return Ok(()) };
        if config.destination.is_none() {
            return Ok(());
        }
        let merged = OrgQueryResourceModel { destination: config.destination.clone(), ..config.clone() };
        let (fresh, _) = self.build(ctx, c, merged).await?;
        if fresh.fingerprint != prior.fingerprint {
            tracing::debug!("organization inventory changed since the object was written");
            changes.unknown.extend(["fingerprint", "account_ids", "account_count", "accounts"].map(String::from));
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Ctx,
        config: OrgQueryResourceModel,
        _: &mut Diagnostics,
    ) -> Result<OrgQueryResourceModel, Diagnostics> {
        let c = self.data.get()?;
        self.write(ctx, c, config).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        state: OrgQueryResourceModel,
        _: &mut Diagnostics,
    ) -> Result<Option<OrgQueryResourceModel>, Diagnostics> {
        let c = self.data.get()?;
        let dest = state.destination()?.0.clone();
        let store = c.aws.store();
        let object = ctx
            .run("reading the inventory from S3", async {
                store
                    .get(&dest.bucket, &dest.key)
                    .await
                    .map_err(|e| Diagnostics::from(Diagnostic::error("Cannot read the inventory", e.to_string())))
            })
            .await?;
        let Some(object) = object else { return Ok(None) };
        let mut state = state;
        if state.accounts.is_none() {
            // Imported: the query comes from the object's metadata and the results from running it.
            let q: Filters =
                object.metadata.get(META_QUERY).and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
            let format = object.metadata.get(META_FORMAT).cloned().or_else(|| dest.format.clone());
            let tag_key = object.metadata.get(META_TAG_KEY).and_then(|s| serde_json::from_str(s).ok());
            let base = OrgQueryResourceModel {
                parent_ids: q.parent_ids,
                recursive: q.recursive,
                statuses: q.statuses,
                tags: q.tags,
                include_account_ids: q.include_account_ids,
                exclude_account_ids: q.exclude_account_ids,
                include_management_account: q.include_management_account,
                destination: Some(DestinationModel { format, tag_key, ..dest.clone() }),
                ..OrgQueryResourceModel::default()
            };
            state = self.build(ctx, c, base).await?.0;
        }
        state.fingerprint = Some(fingerprint(&object.body));
        Ok(Some(state))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _prior: OrgQueryResourceModel,
        config: OrgQueryResourceModel,
        _: &mut Diagnostics,
    ) -> Result<OrgQueryResourceModel, Diagnostics> {
        let c = self.data.get()?;
        self.write(ctx, c, config).await
    }

    async fn delete(&self, ctx: &Ctx, prior: OrgQueryResourceModel, _: &mut Diagnostics) -> Result<(), Diagnostics> {
        let c = self.data.get()?;
        let (dest, _) = prior.destination()?;
        let store = c.aws.store();
        ctx.run("deleting the inventory", async {
            store
                .delete(&dest.bucket, &dest.key)
                .await
                .map_err(|e| Diagnostics::from(Diagnostic::error("Cannot delete the inventory", e.to_string())))
        })
        .await
    }

    /// The object the inventory is written to.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(vec![
            IdentityAttribute::required("bucket", Type::String, "The S3 bucket of the inventory object."),
            IdentityAttribute::required("key", Type::String, "The inventory object's key."),
        ]))
    }

    fn identity(&self, state: &OrgQueryResourceModel) -> Option<serde_json::Value> {
        state.destination.as_ref().map(|d| serde_json::json!({ "bucket": d.bucket, "key": d.key }))
    }

    fn import_id(&self, identity: &serde_json::Value) -> Result<String, Diagnostics> {
        Ok(format!("{}/{}", identity_string(identity, "bucket")?, identity_string(identity, "key")?))
    }

    async fn import(&self, _ctx: &Ctx, id: &str, _: &mut Diagnostics) -> Result<OrgQueryResourceModel, Diagnostics> {
        let trimmed = id.strip_prefix("s3://").unwrap_or(id);
        let Some((bucket, key)) = trimmed.split_once('/').filter(|(b, k)| !b.is_empty() && !k.is_empty()) else {
            return Err(Diagnostic::error(
                "Invalid import id",
                format!("{id:?} is not bucket/key (or s3://bucket/key)."),
            )
            .into());
        };
        Ok(OrgQueryResourceModel {
            destination: Some(DestinationModel {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                format: None,
                tag_key: None,
            }),
            ..OrgQueryResourceModel::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeAws, ORGANIZATION, PROVIDER_ACCOUNT, ROOT};

    const BUCKET: &str = "cima-data";
    const KEY: &str = "inventory/accounts.csv";

    #[test]
    fn version_0_state_upgrades_its_parent_list_to_a_set() {
        let r = OrgQueryResource::new(FakeAws::new().provider_data());
        assert_eq!(Resource::schema(&r).version, 1);
        let v0 =
            serde_json::json!({"parent_ids": ["ou-ab12-22222222", "r-ab12", "ou-ab12-22222222"], "recursive": true});
        let v1 = Resource::upgrade_state(&r, 0, v0).expect("upgrades");
        assert_eq!(v1["parent_ids"], serde_json::json!(["ou-ab12-22222222", "r-ab12"]), "repeats dropped");
        assert_eq!(v1["recursive"], true, "the rest as it was");
        let unset = Resource::upgrade_state(&r, 0, serde_json::json!({"parent_ids": null})).expect("upgrades");
        assert!(unset["parent_ids"].is_null());
        let newer = Resource::upgrade_state(&r, 2, serde_json::json!({})).expect_err("a newer state");
        assert!(newer.iter().any(|d| d.detail.contains("schema version 2")), "{newer:?}");
    }

    /// An organization of the management account, two active members and a suspended one.
    fn organization() -> Arc<FakeAws> {
        let aws = FakeAws::new();
        aws.org.add(PROVIDER_ACCOUNT, "ACTIVE", &[]);
        aws.org.add("333333333333", "ACTIVE", &[("env", "prod")]);
        aws.org.add("222222222222", "ACTIVE", &[("env", "dev")]);
        aws.org.add("444444444444", "SUSPENDED", &[]);
        aws
    }

    fn config() -> OrgQueryResourceModel {
        OrgQueryResourceModel {
            statuses: Some(BTreeSet::from(["ACTIVE".into(), "SUSPENDED".into()])),
            include_management_account: Some(false),
            destination: Some(DestinationModel { bucket: BUCKET.into(), key: KEY.into(), format: None, tag_key: None }),
            ..OrgQueryResourceModel::default()
        }
    }

    /// `config()` labelling each account by its tag `key`.
    fn labelled(key: &str) -> OrgQueryResourceModel {
        let mut c = config();
        c.destination.as_mut().unwrap().tag_key = Some(key.into());
        c
    }

    fn body(aws: &FakeAws) -> String {
        String::from_utf8(aws.store.object(BUCKET, KEY).expect("object written").object.body).unwrap()
    }

    async fn create(r: &OrgQueryResource) -> Result<OrgQueryResourceModel, Diagnostics> {
        Resource::create(r, &Ctx::default(), config(), &mut Diagnostics::new()).await
    }

    async fn read(r: &OrgQueryResource, m: OrgQueryResourceModel) -> Option<OrgQueryResourceModel> {
        Resource::read(r, &Ctx::default(), m, &mut Diagnostics::new()).await.unwrap()
    }

    #[tokio::test]
    async fn create_writes_the_inventory_and_describes_it() {
        let aws = organization();
        let m = create(&OrgQueryResource::new(aws.provider_data())).await.unwrap();

        let stored = aws.store.object(BUCKET, KEY).expect("object written");
        assert_eq!(stored.content_type, "text/csv");
        let body = String::from_utf8(stored.object.body.clone()).unwrap();
        let ids: Vec<&str> = body.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(ids, ["222222222222", "333333333333", "444444444444"], "members only, sorted");
        assert_eq!(body.lines().next().unwrap(), export::CSV_COLUMNS.join(","));
        assert!(body.lines().nth(2).unwrap().ends_with(",ACTIVE,CREATED,2024-01-01T00:00:00Z,,/,env=prod"), "{body}");
        assert_eq!(m.fingerprint, Some(fingerprint(&stored.object.body)));
        assert_eq!(m.account_ids.as_deref(), Some(&ids.iter().map(|s| s.to_string()).collect::<Vec<_>>()[..]));
        assert_eq!(m.account_count, Some(3));
        assert_eq!(m.id.as_deref(), Some("cima-data/inventory/accounts.csv"));
        assert_eq!((m.organization_id.as_deref(), m.root_id.as_deref()), (Some(ORGANIZATION), Some(ROOT)));
        assert_eq!(m.destination.as_ref().unwrap().format.as_deref(), Some("csv"), "the default, written out");
        assert_eq!(m.recursive, Some(true));

        // The query, defaults filled in, travels with the object, for import.
        let q: Filters = serde_json::from_str(&stored.object.metadata[META_QUERY]).unwrap();
        assert_eq!(q, Filters { recursive: Some(true), ..config().filters() });
        assert_eq!(stored.object.metadata[META_FORMAT], "csv");
        assert!(!stored.object.metadata.contains_key(META_TAG_KEY), "no key configured, none stored");
    }

    #[tokio::test]
    async fn a_tag_key_labels_each_account_and_changing_it_rewrites_in_place() {
        let aws = organization();
        let r = OrgQueryResource::new(aws.provider_data());
        let ctx = Ctx::default();
        let m = Resource::create(&r, &ctx, labelled("env"), &mut Diagnostics::new()).await.unwrap();
        let tags: Vec<String> = body(&aws).lines().skip(1).map(|l| l.split(',').nth(7).unwrap().to_owned()).collect();
        assert_eq!(tags, ["dev", "prod", ""], "the env value; empty for the account without it");
        assert_eq!(aws.store.object(BUCKET, KEY).unwrap().object.metadata[META_TAG_KEY], "\"env\"");
        assert_eq!(m.destination.as_ref().unwrap().tag_key.as_deref(), Some("env"));

        // A new key is not a new place: no replacement, and the plan expects a new body.
        assert!(!r.requires_replace().iter().any(|p| p.to_string().contains("tag_key")));
        let mut changes = PlanChanges::default();
        Resource::modify_plan(&r, &ctx, Some(&m), &labelled("team"), &mut changes).await.unwrap();
        assert_eq!(changes.unknown, ["fingerprint", "account_ids", "account_count", "accounts"]);
        let updated = Resource::update(&r, &ctx, m.clone(), config(), &mut Diagnostics::new()).await.unwrap();
        assert!(body(&aws).lines().skip(1).all(|l| l.split(',').nth(7) == Some("")), "no key: no label");
        assert!(!aws.store.object(BUCKET, KEY).unwrap().object.metadata.contains_key(META_TAG_KEY));
        assert_ne!(updated.fingerprint, m.fingerprint);
        assert_eq!(updated.id, m.id);
    }

    #[tokio::test]
    async fn jsonl_carries_the_label_and_every_tag() {
        let aws = organization();
        let r = OrgQueryResource::new(aws.provider_data());
        let mut c = labelled("env");
        c.destination.as_mut().unwrap().format = Some("jsonl".into());
        Resource::create(&r, &Ctx::default(), c, &mut Diagnostics::new()).await.unwrap();
        let lines: Vec<serde_json::Value> = body(&aws).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!((&lines[1]["tag"], &lines[1]["tags"]), (&"prod".into(), &serde_json::json!({"env": "prod"})));
        assert_eq!(lines[2]["tag"], "");
    }

    #[tokio::test]
    async fn an_import_reads_its_tag_key_from_the_object() {
        let aws = organization();
        let r = OrgQueryResource::new(aws.provider_data());
        let ctx = Ctx::default();
        // Any Unicode letter may be in a key; the metadata stays ASCII.
        let m = Resource::create(&r, &ctx, labelled("Département"), &mut Diagnostics::new()).await.unwrap();
        let stored = aws.store.object(BUCKET, KEY).unwrap().object.metadata;
        assert!(stored.values().all(|v| v.is_ascii()), "{stored:?}");
        let imported = Resource::import(&r, &ctx, "cima-data/inventory/accounts.csv", &mut Diagnostics::new()).await;
        assert_eq!(read(&r, imported.unwrap()).await.as_ref(), Some(&m));

        // An object written before tag_key existed: imported with none, as it was written.
        aws.store.objects().get_mut(&(BUCKET.to_owned(), KEY.to_owned())).unwrap().object.metadata.remove(META_TAG_KEY);
        let imported = Resource::import(&r, &ctx, "cima-data/inventory/accounts.csv", &mut Diagnostics::new()).await;
        let back = read(&r, imported.unwrap()).await.unwrap();
        assert_eq!(back.destination.unwrap().tag_key, None);
    }

    #[test]
    fn tag_keys_are_checked_at_their_path() {
        let r = OrgQueryResource::new(Arc::new(ProviderData::default()));
        assert!(Resource::validate(&r, &labelled("BusinessUnit")).is_empty());
        for bad in ["", "aws:createdBy", "env?", &"k".repeat(129)] {
            let d = Resource::validate(&r, &labelled(bad));
            let paths: Vec<String> = d.iter().map(|d| d.attribute.as_ref().unwrap().to_string()).collect();
            assert_eq!(paths, ["destination.tag_key"], "{bad:?}");
            assert_eq!(d.iter().next().unwrap().summary, "Invalid tag key");
        }
    }

    #[test]
    fn metadata_json_is_ascii_and_reads_back() {
        for s in ["env", "Département", "a\"b\\c", "日本 🌍", ""] {
            let json = ascii_json(s);
            assert!(json.is_ascii(), "{json}");
            assert_eq!(serde_json::from_str::<String>(&json).unwrap(), s);
        }
        assert_eq!(ascii_json("é"), "\"\\u00e9\"");
    }

    #[tokio::test]
    async fn read_follows_the_object() {
        let aws = organization();
        let r = OrgQueryResource::new(aws.provider_data());
        let m = create(&r).await.unwrap();
        assert_eq!(read(&r, m.clone()).await.as_ref(), Some(&m), "unchanged");

        aws.store.objects().get_mut(&(BUCKET.to_owned(), KEY.to_owned())).unwrap().object.body = b"edited".to_vec();
        let edited = read(&r, m.clone()).await.unwrap();
        assert_eq!(edited.fingerprint, Some(fingerprint(b"edited")));
        assert_eq!(OrgQueryResourceModel { fingerprint: m.fingerprint.clone(), ..edited }, m, "only the fingerprint");

        aws.store.objects().clear();
        assert_eq!(read(&r, m).await, None, "gone: Terraform plans a create");
    }

    #[tokio::test]
    async fn plan_notices_a_changed_organization() {
        let aws = organization();
        let r = OrgQueryResource::new(aws.provider_data());
        let m = create(&r).await.unwrap();
        let plan = |prior: OrgQueryResourceModel| {
            let r = &r;
            async move {
                let mut changes = PlanChanges::default();
                Resource::modify_plan(r, &Ctx::default(), Some(&prior), &config(), &mut changes).await.unwrap();
                changes.unknown
            }
        };
        assert!(plan(m.clone()).await.is_empty());
        aws.org.add("555555555555", "ACTIVE", &[]);
        assert_eq!(plan(m).await, ["fingerprint", "account_ids", "account_count", "accounts"]);
    }

    #[tokio::test]
    async fn an_import_reads_its_query_from_the_object() {
        let aws = organization();
        let r = OrgQueryResource::new(aws.provider_data());
        let m = create(&r).await.unwrap();
        let imported =
            Resource::import(&r, &Ctx::default(), "s3://cima-data/inventory/accounts.csv", &mut Diagnostics::new())
                .await
                .unwrap();
        assert_eq!(read(&r, imported).await.as_ref(), Some(&m), "the SUSPENDED filter came back from the metadata");
    }

    #[tokio::test]
    async fn update_rewrites_and_delete_removes_the_object() {
        let aws = organization();
        let r = OrgQueryResource::new(aws.provider_data());
        let m = create(&r).await.unwrap();
        aws.org.add("555555555555", "ACTIVE", &[]);
        let updated = Resource::update(&r, &Ctx::default(), m, config(), &mut Diagnostics::new()).await.unwrap();
        assert_eq!(updated.account_count, Some(4));
        assert_eq!(updated.fingerprint, Some(fingerprint(&aws.store.object(BUCKET, KEY).unwrap().object.body)));
        Resource::delete(&r, &Ctx::default(), updated, &mut Diagnostics::new()).await.unwrap();
        assert!(aws.store.objects().is_empty());
    }

    #[tokio::test]
    async fn aws_errors_name_the_call() {
        let aws = organization();
        aws.store.ops.fail("PutObject", "AccessDenied");
        let r = OrgQueryResource::new(aws.provider_data());
        let err = create(&r).await.unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "Cannot write the inventory");
        assert!(d.detail.starts_with("S3 PutObject s3://cima-data/inventory/accounts.csv: AccessDenied"), "{d}");

        aws.org.ops.fail("ListAccountsForParent", "TooManyRequestsException");
        let err = create(&r).await.unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "Cannot query the organization");
        assert!(d.detail.contains("ListAccountsForParent"), "{d}");
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert_eq!(bucket_name_problem("cima-data.123"), None);
        assert!(bucket_name_problem("Cima").unwrap().contains("lowercase"));
        assert!(bucket_name_problem("ab").unwrap().contains("3 to 63"));
        assert!(bucket_name_problem("-abc").unwrap().contains("begin and end"));
        assert!(bucket_name_problem("a..b").unwrap().contains("adjacent"));
    }

    #[test]
    fn import_ids_take_both_forms() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let r = OrgQueryResource::new(Arc::new(ProviderData::default()));
        let ctx = Ctx::default();
        let mut d = Diagnostics::new();
        for id in ["b/k/x.csv", "s3://b/k/x.csv"] {
            let m = rt.block_on(Resource::import(&r, &ctx, id, &mut d)).unwrap();
            let dest = m.destination.unwrap();
            assert_eq!((dest.bucket.as_str(), dest.key.as_str()), ("b", "k/x.csv"));
        }
        assert!(rt.block_on(Resource::import(&r, &ctx, "nokey", &mut d)).is_err());
    }
}
