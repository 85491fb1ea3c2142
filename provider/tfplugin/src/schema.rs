//! Schemas as provider code writes them; converted to the protocol's form in `server::convert`.
//!
//! Every attribute carries a Markdown description: it feeds the generated docs and the language
//! server alike.

use std::collections::BTreeMap;

use crate::value::Type;

#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    #[must_use]
    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// The object type of a whole configuration or state value of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

impl Block {
    pub fn new(description: impl Into<String>) -> Self {
        Self { description: description.into(), ..Self::default() }
    }

    #[must_use]
    pub fn attribute(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }

    #[must_use]
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }

    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> =
            self.attributes.iter().map(|a| (a.name.clone(), a.value_type())).collect();
        for b in &self.blocks {
            let inner = b.block.value_type();
            let ty = match b.nesting {
                BlockNesting::Single | BlockNesting::Group => inner,
                BlockNesting::List => Type::List(Box::new(inner)),
                BlockNesting::Set => Type::Set(Box::new(inner)),
                BlockNesting::Map => Type::Map(Box::new(inner)),
            };
            attrs.insert(b.type_name.clone(), ty);
        }
        Type::Object { attributes: attrs, optional: Default::default() }
    }

    /// Problems Terraform would reject the schema for (it refuses the whole provider then), so a
    /// provider's tests can catch them before Terraform does.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in &self.attributes {
            let flags = (a.required, a.optional, a.computed);
            if !matches!(flags, (true, false, false) | (false, true, _) | (false, false, true)) {
                out.push(format!("{}: required, optional and computed are combined wrongly", a.name));
            }
        }
        for b in &self.blocks {
            if matches!(b.nesting, BlockNesting::Single | BlockNesting::Group) && b.min_items != b.max_items {
                out.push(format!("{}: MinItems and MaxItems must match in NestingSingle mode", b.type_name));
            }
            out.extend(b.block.problems().into_iter().map(|p| format!("{}.{p}", b.type_name)));
        }
        out
    }

    /// Looks an attribute up by name, for code that walks configuration by schema.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AttributeType {
    Primitive(Type),
    Nested { nesting: ObjectNesting, attributes: Vec<Attribute> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectNesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockNesting {
    Single,
    List,
    Set,
    Map,
    Group,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: AttributeType,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
    /// Accepted in configuration (also ephemeral values) but never stored in plan or state.
    pub write_only: bool,
}

impl Attribute {
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Self::with_type(name, AttributeType::Primitive(ty))
    }

    pub fn nested(name: impl Into<String>, nesting: ObjectNesting, attributes: Vec<Attribute>) -> Self {
        Self::with_type(name, AttributeType::Nested { nesting, attributes })
    }

    fn with_type(name: impl Into<String>, ty: AttributeType) -> Self {
        Self {
            name: name.into(),
            ty,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
            write_only: false,
        }
    }

    #[must_use]
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    #[must_use]
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }

    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    #[must_use]
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttributeType::Primitive(t) => t.clone(),
            AttributeType::Nested { nesting, attributes } => {
                let obj = Type::Object {
                    attributes: attributes.iter().map(|a| (a.name.clone(), a.value_type())).collect(),
                    optional: Default::default(),
                };
                match nesting {
                    ObjectNesting::Single => obj,
                    ObjectNesting::List => Type::List(Box::new(obj)),
                    ObjectNesting::Set => Type::Set(Box::new(obj)),
                    ObjectNesting::Map => Type::Map(Box::new(obj)),
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: BlockNesting,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    pub fn new(type_name: impl Into<String>, nesting: BlockNesting, block: Block) -> Self {
        Self { type_name: type_name.into(), block, nesting, min_items: 0, max_items: 0 }
    }

    #[must_use]
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }
}

impl Block {
    /// `v` with every write-only attribute (at any depth) set to null: Terraform (≥ 1.11) rejects
    /// a plan or state that carries a value for one.
    pub fn null_write_only(&self, v: crate::value::Value) -> crate::value::Value {
        use crate::value::Value;
        let Value::Object(mut fields) = v else { return v };
        for a in &self.attributes {
            let Some(field) = fields.get_mut(&a.name) else { continue };
            if a.write_only {
                *field = Value::Null;
            } else if let AttributeType::Nested { attributes, .. } = &a.ty {
                let inner = Block { attributes: attributes.clone(), ..Block::default() };
                *field = each_object(std::mem::replace(field, Value::Null), &|o| inner.null_write_only(o));
            }
        }
        for b in &self.blocks {
            if let Some(field) = fields.get_mut(&b.type_name) {
                *field = each_object(std::mem::replace(field, Value::Null), &|o| b.block.null_write_only(o));
            }
        }
        Value::Object(fields)
    }
}

/// `f` applied to `v` when it is an object, or to each object inside a list, set or map of them.
fn each_object(v: crate::value::Value, f: &dyn Fn(crate::value::Value) -> crate::value::Value) -> crate::value::Value {
    use crate::value::Value;
    match v {
        Value::Object(_) => f(v),
        Value::List(items) => Value::List(items.into_iter().map(f).collect()),
        Value::Set(items) => Value::Set(items.into_iter().map(f).collect()),
        Value::Map(items) => Value::Map(items.into_iter().map(|(k, o)| (k, f(o))).collect()),
        other => other,
    }
}

/// A managed resource's identity (protocol 6.9, Terraform ≥ 1.12): the attributes that name one
/// object for good, versioned apart from the resource's schema. Terraform keeps it beside the
/// state, imports by it (`import { identity = { … } }`) and lists by it.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    /// Import by identity needs it.
    pub required_for_import: bool,
    /// Import by identity may leave it out (the provider fills it in).
    pub optional_for_import: bool,
    pub description: String,
}

impl IdentitySchema {
    pub fn new(attributes: Vec<IdentityAttribute>) -> Self {
        Self { version: 0, attributes }
    }

    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// The object type identity values have.
    pub fn value_type(&self) -> Type {
        Type::object(self.attributes.iter().map(|a| (a.name.clone(), a.ty.clone())))
    }
}

impl IdentityAttribute {
    /// An attribute import by identity cannot do without.
    pub fn required(name: impl Into<String>, ty: Type, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ty,
            required_for_import: true,
            optional_for_import: false,
            description: description.into(),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn write_only_attributes_are_nulled_at_every_depth() {
        use crate::value::Value;
        let inner = vec![
            Attribute::new("token", Type::String).optional().write_only(),
            Attribute::new("kept", Type::String).optional(),
        ];
        let block = Block::new("")
            .attribute(Attribute::new("password", Type::String).optional().write_only())
            .attribute(Attribute::new("name", Type::String).required())
            .attribute(Attribute::nested("creds", ObjectNesting::List, inner.clone()).optional())
            .block(NestedBlock::new(
                "auth",
                BlockNesting::Set,
                Block::new("").attribute(inner[0].clone()).attribute(inner[1].clone()),
            ));
        let item = || Value::object([("token", Value::string("t")), ("kept", Value::string("k"))]);
        let nulled = || Value::object([("token", Value::Null), ("kept", Value::string("k"))]);
        let v = Value::object([
            ("password", Value::string("p")),
            ("name", Value::string("n")),
            ("creds", Value::List(vec![item(), item()])),
            ("auth", Value::Set(vec![item()])),
        ]);
        assert_eq!(
            block.null_write_only(v),
            Value::object([
                ("password", Value::Null),
                ("name", Value::string("n")),
                ("creds", Value::List(vec![nulled(), nulled()])),
                ("auth", Value::Set(vec![nulled()])),
            ])
        );
        assert_eq!(block.null_write_only(Value::Null), Value::Null, "a deleted object stays null");
    }
    use super::*;

    #[test]
    fn problems_catch_what_terraform_rejects() {
        let ok = Block::new("").block(NestedBlock::new("b", BlockNesting::Single, Block::new("")));
        assert!(ok.problems().is_empty());
        let bad = Block::new("")
            .attribute(Attribute::new("a", Type::String).required().computed())
            .block(NestedBlock::new("b", BlockNesting::Single, Block::new("")).items(0, 1));
        assert_eq!(bad.problems().len(), 2);
    }

    #[test]
    fn value_type_covers_attributes_nested_attributes_and_blocks() {
        let block = Block::new("x")
            .attribute(Attribute::new("name", Type::String).required())
            .attribute(Attribute::nested(
                "items",
                ObjectNesting::List,
                vec![Attribute::new("id", Type::String).computed()],
            ))
            .block(NestedBlock::new(
                "assume_role",
                BlockNesting::Single,
                Block::new("").attribute(Attribute::new("role_arn", Type::String).optional()),
            ));
        let Type::Object { attributes, .. } = block.value_type() else { panic!("not an object") };
        assert_eq!(attributes["name"], Type::String);
        assert!(matches!(&attributes["items"], Type::List(inner) if matches!(**inner, Type::Object { .. })));
        assert!(
            matches!(&attributes["assume_role"], Type::Object { attributes, .. } if attributes.contains_key("role_arn"))
        );
    }
}
