//! Reading `terraform providers schema -json` output into tfplugin schemas.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tfplugin::Type;
use tfplugin::schema::{Attribute, AttributeType, Block, BlockNesting, NestedBlock, ObjectNesting, Schema};

/// The source address the document describes and this binary stands in for.
pub const ADDRESS: &str = "registry.terraform.io/hashicorp/aws";
/// Overrides where the schema document is read from.
pub const SCHEMA_ENV: &str = "CIMA_AWS_SCHEMA";
/// The vendored document's path relative to the repository root (provenance and how to refresh
/// it: `schema/README.md` beside this crate's manifest).
pub const SCHEMA_RELATIVE: &str = "testing/aws-standin/schema/hashicorp-aws-6.47.0.schema.json.gz";

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error(
        "the hashicorp/aws schema document was not found; looked at {}. Set {SCHEMA_ENV} to its path \
         (the repository vendors it at {SCHEMA_RELATIVE})",
        .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    Missing(Vec<PathBuf>),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0} is not a provider schema document: {1}")]
    Parse(PathBuf, String),
}

/// Where the document is: `$CIMA_AWS_SCHEMA`, else the copy vendored in the repository this
/// binary was built in, else in the repository above the running executable (Terraform runs a
/// copy or a link of it from a mirror or `.terraform/`).
pub fn locate() -> Result<PathBuf, DocumentError> {
    if let Some(p) = std::env::var_os(SCHEMA_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(DocumentError::Missing(vec![p])) };
    }
    let mut candidates = Vec::new();
    // CARGO_MANIFEST_DIR is <repo>/testing/aws-standin.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(repo) = manifest.ancestors().nth(2) {
        candidates.push(repo.join(SCHEMA_RELATIVE));
    }
    if let Some(exe) = std::env::current_exe().ok().and_then(|e| e.canonicalize().ok()) {
        candidates.extend(exe.ancestors().skip(1).map(|dir| dir.join(SCHEMA_RELATIVE)));
    }
    candidates.dedup();
    match candidates.iter().find(|p| p.is_file()) {
        Some(p) => Ok(p.clone()),
        None => Err(DocumentError::Missing(candidates)),
    }
}

/// The schemas of one provider, as served.
#[derive(Debug)]
pub struct ProviderSchemas {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
}

/// Reads a (gzipped or plain) schema document.
pub fn load(path: &Path) -> Result<ProviderSchemas, DocumentError> {
    let raw = std::fs::read(path).map_err(|e| DocumentError::Read(path.to_owned(), e))?;
    let text = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 20);
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| DocumentError::Read(path.to_owned(), e))?;
        out
    } else {
        raw
    };
    parse(&text).map_err(|m| DocumentError::Parse(path.to_owned(), m))
}

#[derive(Deserialize)]
struct Document {
    provider_schemas: BTreeMap<String, DocProvider>,
}

#[derive(Deserialize)]
struct DocProvider {
    provider: DocSchema,
    #[serde(default)]
    resource_schemas: BTreeMap<String, DocSchema>,
    #[serde(default)]
    data_source_schemas: BTreeMap<String, DocSchema>,
    // ephemeral_resource_schemas is not read: tfplugin cannot serve ephemeral resources.
}

#[derive(Deserialize)]
struct DocSchema {
    #[serde(default)]
    version: i64,
    block: DocBlock,
}

#[derive(Deserialize, Default)]
struct DocBlock {
    #[serde(default)]
    attributes: BTreeMap<String, DocAttribute>,
    #[serde(default)]
    block_types: BTreeMap<String, DocBlockType>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    deprecated: bool,
}

#[derive(Deserialize)]
struct DocAttribute {
    #[serde(rename = "type")]
    ty: Option<serde_json::Value>,
    nested_type: Option<DocNestedType>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    computed: bool,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    write_only: bool,
}

#[derive(Deserialize)]
struct DocNestedType {
    #[serde(default)]
    attributes: BTreeMap<String, DocAttribute>,
    nesting_mode: String,
}

#[derive(Deserialize)]
struct DocBlockType {
    nesting_mode: String,
    #[serde(default)]
    block: DocBlock,
    #[serde(default)]
    min_items: i64,
    #[serde(default)]
    max_items: i64,
}

/// Parses the JSON text of a schema document.
pub fn parse(text: &[u8]) -> Result<ProviderSchemas, String> {
    let doc: Document = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let p = doc
        .provider_schemas
        .into_iter()
        .find(|(address, _)| address == ADDRESS)
        .map(|(_, p)| p)
        .ok_or_else(|| format!("it has no schema for {ADDRESS}"))?;
    let convert_all = |m: BTreeMap<String, DocSchema>, what: &str| {
        m.into_iter()
            .map(|(name, s)| schema(s).map(|s| (name.clone(), s)).map_err(|e| format!("{what} {name}: {e}")))
            .collect::<Result<BTreeMap<_, _>, _>>()
    };
    Ok(ProviderSchemas {
        provider: schema(p.provider).map_err(|e| format!("provider: {e}"))?,
        resources: convert_all(p.resource_schemas, "resource")?,
        data_sources: convert_all(p.data_source_schemas, "data source")?,
    })
}

fn schema(s: DocSchema) -> Result<Schema, String> {
    Ok(Schema::new(block(s.block)?).version(s.version))
}

fn block(b: DocBlock) -> Result<Block, String> {
    let mut out = Block::new(b.description);
    out.deprecated = b.deprecated;
    for (name, a) in b.attributes {
        out.attributes.push(attribute(&name, a).map_err(|e| format!("{name}: {e}"))?);
    }
    for (name, bt) in b.block_types {
        let nesting = match bt.nesting_mode.as_str() {
            "single" => BlockNesting::Single,
            "group" => BlockNesting::Group,
            "list" => BlockNesting::List,
            "set" => BlockNesting::Set,
            "map" => BlockNesting::Map,
            other => return Err(format!("{name}: unknown block nesting mode {other:?}")),
        };
        let inner = block(bt.block).map_err(|e| format!("{name}.{e}"))?;
        out.blocks.push(NestedBlock::new(name, nesting, inner).items(bt.min_items, bt.max_items));
    }
    Ok(out)
}

fn attribute(name: &str, a: DocAttribute) -> Result<Attribute, String> {
    let ty = match (a.ty, a.nested_type) {
        (Some(t), None) => AttributeType::Primitive(cty_type(&t)?),
        (None, Some(n)) => {
            let nesting = match n.nesting_mode.as_str() {
                "single" => ObjectNesting::Single,
                "list" => ObjectNesting::List,
                "set" => ObjectNesting::Set,
                "map" => ObjectNesting::Map,
                other => return Err(format!("unknown attribute nesting mode {other:?}")),
            };
            let attributes = n
                .attributes
                .into_iter()
                .map(|(inner, a)| attribute(&inner, a).map_err(|e| format!("{inner}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            AttributeType::Nested { nesting, attributes }
        }
        _ => return Err("needs exactly one of type and nested_type".into()),
    };
    Ok(Attribute {
        name: name.to_owned(),
        ty,
        description: a.description,
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        deprecated: a.deprecated,
        write_only: a.write_only,
    })
}

/// cty's JSON type notation, e.g. `["map","string"]` (start-up time matters: Terraform starts the
/// provider several times per command, so this converts in place instead of re-parsing text).
fn cty_type(t: &serde_json::Value) -> Result<Type, String> {
    use serde_json::Value as J;
    match t {
        J::String(s) => match s.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(format!("unknown primitive type {other:?}")),
        },
        J::Array(items) => match items.as_slice() {
            [J::String(kind), elem] if kind == "list" => Ok(Type::list(cty_type(elem)?)),
            [J::String(kind), elem] if kind == "set" => Ok(Type::set(cty_type(elem)?)),
            [J::String(kind), elem] if kind == "map" => Ok(Type::map(cty_type(elem)?)),
            [J::String(kind), J::Object(attrs), rest @ ..] if kind == "object" && rest.len() <= 1 => {
                let attributes =
                    attrs.iter().map(|(k, v)| Ok((k.clone(), cty_type(v)?))).collect::<Result<Vec<_>, String>>()?;
                let optional: Vec<String> = match rest.first() {
                    Some(J::Array(names)) => names.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect(),
                    Some(_) => return Err("an object's optional attributes must be an array".into()),
                    None => Vec::new(),
                };
                Ok(Type::object_with_optional(attributes, optional))
            }
            [J::String(kind), J::Array(elems)] if kind == "tuple" => {
                Ok(Type::tuple(elems.iter().map(cty_type).collect::<Result<Vec<_>, _>>()?))
            }
            _ => Err(format!("unknown type {t}")),
        },
        _ => Err(format!("unknown type {t}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"format_version":"1.0","provider_schemas":{"registry.terraform.io/hashicorp/aws":{
        "provider":{"version":0,"block":{"attributes":{"region":{"type":"string","optional":true}}}},
        "resource_schemas":{"aws_thing":{"version":2,"block":{
            "attributes":{
                "id":{"type":"string","optional":true,"computed":true},
                "tags":{"type":["map","string"],"optional":true},
                "secret_wo":{"type":"string","optional":true,"write_only":true,"sensitive":true},
                "nested":{"optional":true,"nested_type":{"nesting_mode":"set",
                    "attributes":{"x":{"type":"number","required":true}}}}
            },
            "block_types":{"rule":{"nesting_mode":"list","min_items":1,"max_items":2,"block":{
                "attributes":{"enabled":{"type":"bool","required":true}}}}}}}},
        "data_source_schemas":{"aws_other":{"version":0,"block":{
            "attributes":{"arn":{"type":"string","computed":true}}}}},
        "ephemeral_resource_schemas":{"aws_eph":{"version":0,"block":{}}}}}}"#;

    #[test]
    fn converts_types_flags_nesting_and_limits() {
        let s = parse(DOC.as_bytes()).unwrap();
        assert_eq!(s.provider.block.attributes[0].name, "region");
        let thing = &s.resources["aws_thing"];
        assert_eq!(thing.version, 2);
        let id = thing.block.get("id").unwrap();
        assert!(id.optional && id.computed && !id.required);
        assert_eq!(thing.block.get("tags").unwrap().ty, AttributeType::Primitive(Type::map(Type::String)));
        let wo = thing.block.get("secret_wo").unwrap();
        assert!(wo.write_only && wo.sensitive);
        assert!(matches!(
            &thing.block.get("nested").unwrap().ty,
            AttributeType::Nested { nesting: ObjectNesting::Set, attributes } if attributes[0].required
        ));
        let rule = &thing.block.blocks[0];
        assert_eq!(
            (rule.type_name.as_str(), rule.nesting, rule.min_items, rule.max_items),
            ("rule", BlockNesting::List, 1, 2)
        );
        assert!(s.data_sources.contains_key("aws_other"));
    }

    #[test]
    fn cty_types_convert_like_tfplugin_reads_them() {
        for text in [
            r#""string""#,
            r#"["list",["set","number"]]"#,
            r#"["map","bool"]"#,
            r#"["object",{"a":"string","b":["list","dynamic"]}]"#,
            r#"["object",{"a":"string","b":"number"},["b"]]"#,
            r#"["tuple",["string","number"]]"#,
        ] {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(cty_type(&json).unwrap(), Type::from_json(text.as_bytes()).unwrap(), "{text}");
        }
        assert!(cty_type(&serde_json::json!("strin")).is_err());
        assert!(cty_type(&serde_json::json!(["list"])).is_err());
    }

    #[test]
    fn rejects_a_document_for_another_provider() {
        let other = DOC.replace("hashicorp/aws", "hashicorp/azurerm");
        assert!(parse(other.as_bytes()).unwrap_err().contains(ADDRESS));
    }
}
