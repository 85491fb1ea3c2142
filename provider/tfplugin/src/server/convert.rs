//! Conversions between this crate's types and the generated protocol types, both directions.
//! Nothing outside `server` sees a generated type.

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::path::{AttributePath, PathStep};
use crate::proto::tfplugin6 as pb;
use crate::schema::{Attribute, AttributeType, Block, BlockNesting, NestedBlock, ObjectNesting, Schema};
use crate::value::{self, Type, Value, ValueError};

pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema { version: s.version, block: Some(block(&s.block, s.version)) }
}

pub fn identity_schema(s: &crate::schema::IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: a.ty.to_json(),
                required_for_import: a.required_for_import,
                optional_for_import: a.optional_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

fn block(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b.blocks.iter().map(nested_block).collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &a.ty {
        AttributeType::Primitive(t) => (t.to_json(), None),
        AttributeType::Nested { nesting, attributes } => {
            let nesting = match nesting {
                ObjectNesting::Single => pb::schema::object::NestingMode::Single,
                ObjectNesting::List => pb::schema::object::NestingMode::List,
                ObjectNesting::Set => pb::schema::object::NestingMode::Set,
                ObjectNesting::Map => pb::schema::object::NestingMode::Map,
            };
            (
                Vec::new(),
                Some(pb::schema::Object {
                    attributes: attributes.iter().map(attribute).collect(),
                    nesting: nesting as i32,
                }),
            )
        }
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        write_only: a.write_only,
    }
}

fn nested_block(b: &NestedBlock) -> pb::schema::NestedBlock {
    let nesting = match b.nesting {
        BlockNesting::Single => pb::schema::nested_block::NestingMode::Single,
        BlockNesting::List => pb::schema::nested_block::NestingMode::List,
        BlockNesting::Set => pb::schema::nested_block::NestingMode::Set,
        BlockNesting::Map => pb::schema::nested_block::NestingMode::Map,
        BlockNesting::Group => pb::schema::nested_block::NestingMode::Group,
    };
    pb::schema::NestedBlock {
        type_name: b.type_name.clone(),
        block: Some(block(&b.block, 0)),
        nesting: nesting as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

pub fn path_to_proto(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .steps()
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::ElementKeyString(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::ElementKeyInt(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub fn path_from_proto(p: &pb::AttributePath) -> AttributePath {
    use pb::attribute_path::step::Selector;
    let mut out = AttributePath::root();
    for s in &p.steps {
        out = match &s.selector {
            Some(Selector::AttributeName(n)) => out.attribute(n.clone()),
            Some(Selector::ElementKeyString(k)) => out.key(k.clone()),
            Some(Selector::ElementKeyInt(i)) => out.index(*i),
            None => out,
        };
    }
    out
}

pub fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.attribute.as_ref().filter(|p| !p.is_empty()).map(path_to_proto),
    }
}

pub fn diagnostic_from_proto(d: &pb::Diagnostic) -> Diagnostic {
    let severity =
        if d.severity == pb::diagnostic::Severity::Warning as i32 { Severity::Warning } else { Severity::Error };
    Diagnostic {
        severity,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.attribute.as_ref().map(path_from_proto),
    }
}

pub fn diagnostics(ds: &Diagnostics) -> Vec<pb::Diagnostic> {
    ds.iter().map(diagnostic).collect()
}

/// Decodes a DynamicValue; Terraform sends msgpack, and JSON only in a few legacy places.
pub fn dynamic_from_proto(v: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, ValueError> {
    match v {
        None => Ok(Value::Null),
        Some(v) if !v.msgpack.is_empty() => value::msgpack::decode(&v.msgpack, ty),
        Some(v) if !v.json.is_empty() => value::json::decode(&v.json, ty),
        Some(_) => Ok(Value::Null),
    }
}

pub fn dynamic_to_proto(v: &Value, ty: &Type) -> Result<pb::DynamicValue, ValueError> {
    Ok(pb::DynamicValue { msgpack: value::msgpack::encode(v, ty)?, json: Vec::new() })
}

pub fn function(f: &crate::function::Function) -> pb::Function {
    let parameter = |p: &crate::function::Parameter| pb::function::Parameter {
        name: p.name.clone(),
        r#type: p.ty.to_json(),
        allow_null_value: false,
        allow_unknown_values: false,
        description: p.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
    };
    pb::Function {
        parameters: f.parameters.iter().map(parameter).collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return { r#type: f.returns.to_json() }),
        summary: f.summary.clone(),
        description: f.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, Block};

    #[test]
    fn paths_round_trip() {
        let p = AttributePath::root().attribute("accounts").index(3).attribute("tags").key("env");
        assert_eq!(path_from_proto(&path_to_proto(&p)), p);
        assert_eq!(path_to_proto(&p).steps.len(), 4);
    }

    #[test]
    fn diagnostics_round_trip_and_empty_paths_are_omitted() {
        let d = Diagnostic::warning("w", "detail").at(AttributePath::root().attribute("x").index(0));
        assert_eq!(diagnostic_from_proto(&diagnostic(&d)), d);
        let e = Diagnostic::error("e", "");
        let pe = diagnostic(&e);
        assert_eq!(pe.severity, pb::diagnostic::Severity::Error as i32);
        assert!(pe.attribute.is_none());
        assert_eq!(diagnostic_from_proto(&pe), e);
    }

    #[test]
    fn schema_carries_flags_types_and_markdown() {
        let s = Schema::new(
            Block::new("desc")
                .attribute(Attribute::new("a", Type::List(Box::new(Type::String))).optional().computed().sensitive())
                .attribute(Attribute::nested(
                    "n",
                    ObjectNesting::Set,
                    vec![Attribute::new("id", Type::String).computed()],
                )),
        )
        .version(2);
        let p = schema(&s);
        assert_eq!(p.version, 2);
        let b = p.block.unwrap();
        assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
        let a = &b.attributes[0];
        assert!(a.optional && a.computed && a.sensitive && !a.required);
        assert_eq!(a.r#type, br#"["list","string"]"#.to_vec());
        let n = b.attributes[1].nested_type.as_ref().unwrap();
        assert_eq!(n.nesting, pb::schema::object::NestingMode::Set as i32);
        assert!(b.attributes[1].r#type.is_empty());
    }

    #[test]
    fn write_only_attributes_are_marked() {
        let s =
            Schema::new(Block::new("").attribute(Attribute::new("password_wo", Type::String).optional().write_only()));
        let b = schema(&s).block.unwrap();
        assert!(b.attributes[0].write_only);
    }

    #[test]
    fn dynamic_values_round_trip_through_proto() {
        let ty = Type::Object {
            attributes: [("a".to_owned(), Type::String), ("b".to_owned(), Type::Number)].into_iter().collect(),
            optional: Default::default(),
        };
        let v = Value::Object([("a".to_owned(), Value::Unknown), ("b".to_owned(), Value::Null)].into_iter().collect());
        let p = dynamic_to_proto(&v, &ty).unwrap();
        assert_eq!(dynamic_from_proto(Some(&p), &ty).unwrap(), v);
        assert_eq!(dynamic_from_proto(None, &ty).unwrap(), Value::Null);
    }
}
