//! cty types and their JSON encoding (the form Terraform puts in schemas and dynamic values).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::ValueError;
use super::jsontext::{self, Json};
use crate::path::AttributePath;

/// A Terraform (cty) type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    String,
    Number,
    Bool,
    /// "any": the concrete type travels with the value.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object {
        attributes: BTreeMap<String, Type>,
        /// Attributes that may be omitted in a type constraint; values still carry them.
        optional: BTreeSet<String>,
    },
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type with no optional attributes.
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object {
            attributes: attributes.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// An object type whose attributes named in `optional` are optional.
    pub fn object_with_optional<K: Into<String>, O: Into<String>>(
        attributes: impl IntoIterator<Item = (K, Type)>,
        optional: impl IntoIterator<Item = O>,
    ) -> Type {
        Type::Object {
            attributes: attributes.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: optional.into_iter().map(Into::into).collect(),
        }
    }

    pub fn tuple(elements: impl IntoIterator<Item = Type>) -> Type {
        Type::Tuple(elements.into_iter().collect())
    }

    /// String, number or bool.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// The type of an object attribute.
    pub fn attribute_type(&self, name: &str) -> Option<&Type> {
        match self {
            Type::Object { attributes, .. } => attributes.get(name),
            _ => None,
        }
    }

    /// True if `Dynamic` appears anywhere inside.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::String | Type::Number | Type::Bool => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Object { attributes, .. } => attributes.values().any(Type::has_dynamic),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
        }
    }

    /// cty's JSON type encoding, e.g. `["list","string"]`; object attributes are sorted.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Type::String => out.extend_from_slice(b"\"string\""),
            Type::Number => out.extend_from_slice(b"\"number\""),
            Type::Bool => out.extend_from_slice(b"\"bool\""),
            Type::Dynamic => out.extend_from_slice(b"\"dynamic\""),
            Type::List(t) => write_collection(out, "list", t),
            Type::Set(t) => write_collection(out, "set", t),
            Type::Map(t) => write_collection(out, "map", t),
            Type::Object { attributes, optional } => {
                out.extend_from_slice(b"[\"object\",{");
                for (i, (name, t)) in attributes.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    jsontext::write_string(out, name);
                    out.push(b':');
                    t.write_json(out);
                }
                out.push(b'}');
                // cty omits the third element when nothing is optional; so do we, so
                // older Terraform versions that only know two elements still read it.
                if !optional.is_empty() {
                    out.extend_from_slice(b",[");
                    for (i, name) in optional.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        jsontext::write_string(out, name);
                    }
                    out.push(b']');
                }
                out.push(b']');
            }
            Type::Tuple(ts) => {
                out.extend_from_slice(b"[\"tuple\",[");
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    t.write_json(out);
                }
                out.extend_from_slice(b"]]");
            }
        }
    }

    /// Parses cty's JSON type encoding.
    pub fn from_json(bytes: &[u8]) -> Result<Type, ValueError> {
        let root = AttributePath::root();
        let tree = jsontext::parse(bytes).map_err(|e| ValueError::json_at(&root, e.to_string()))?;
        Type::from_json_tree(&tree).map_err(|e| ValueError::json_at(&root, format!("bad type: {e}")))
    }

    pub(crate) fn from_json_tree(j: &Json) -> Result<Type, TypeJsonError> {
        match j {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(TypeJsonError::Primitive(other.to_owned())),
            },
            Json::Array(items) => {
                let Some(Json::String(kind)) = items.first() else {
                    return Err(TypeJsonError::NoKind);
                };
                let arity_err = || TypeJsonError::Arity(kind.clone());
                match kind.as_str() {
                    "list" | "set" | "map" => {
                        let [_, elem] = items.as_slice() else {
                            return Err(arity_err());
                        };
                        let elem = Box::new(Type::from_json_tree(elem)?);
                        Ok(match kind.as_str() {
                            "list" => Type::List(elem),
                            "set" => Type::Set(elem),
                            _ => Type::Map(elem),
                        })
                    }
                    "object" => {
                        let (attrs, opt) = match items.as_slice() {
                            [_, attrs] => (attrs, None),
                            [_, attrs, opt] => (attrs, Some(opt)),
                            _ => return Err(arity_err()),
                        };
                        let Json::Object(members) = attrs else {
                            return Err(TypeJsonError::Shape("object attributes must be a JSON object"));
                        };
                        let mut attributes = BTreeMap::new();
                        for (name, t) in members {
                            attributes.insert(name.clone(), Type::from_json_tree(t)?);
                        }
                        let mut optional = BTreeSet::new();
                        if let Some(opt) = opt {
                            let Json::Array(names) = opt else {
                                return Err(TypeJsonError::Shape("optional attributes must be an array"));
                            };
                            for n in names {
                                let Json::String(n) = n else {
                                    return Err(TypeJsonError::Shape("optional attribute names must be strings"));
                                };
                                if !attributes.contains_key(n) {
                                    return Err(TypeJsonError::UndeclaredOptional(n.clone()));
                                }
                                optional.insert(n.clone());
                            }
                        }
                        Ok(Type::Object { attributes, optional })
                    }
                    "tuple" => {
                        let [_, Json::Array(elems)] = items.as_slice() else {
                            return Err(TypeJsonError::Shape("a tuple type is [\"tuple\", [types...]]"));
                        };
                        elems.iter().map(Type::from_json_tree).collect::<Result<_, _>>().map(Type::Tuple)
                    }
                    other => Err(TypeJsonError::Kind(other.to_owned())),
                }
            }
            other => Err(TypeJsonError::NotAType(other.kind())),
        }
    }
}

/// Why a JSON document is not a cty type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TypeJsonError {
    #[error("unsupported primitive type {0:?}")]
    Primitive(String),
    #[error("a complex type must start with its kind as a string")]
    NoKind,
    #[error("wrong number of elements for a {0} type")]
    Arity(String),
    #[error("unsupported type kind {0:?}")]
    Kind(String),
    #[error("optional attribute {0:?} is not declared")]
    UndeclaredOptional(String),
    #[error("a type cannot be a JSON {0}")]
    NotAType(&'static str),
    #[error("{0}")]
    Shape(&'static str),
}

fn write_collection(out: &mut Vec<u8>, kind: &str, elem: &Type) {
    out.extend_from_slice(b"[\"");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\",");
    elem.write_json(out);
    out.push(b']');
}

/// Terraform's type-constraint syntax, e.g. `list(string)`, `object({a=string})`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("any"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Object { attributes, optional } => {
                f.write_str("object({")?;
                for (i, (name, t)) in attributes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if optional.contains(name) {
                        write!(f, "{name}=optional({t})")?;
                    } else {
                        write!(f, "{name}={t}")?;
                    }
                }
                f.write_str("})")
            }
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(t: &Type) -> String {
        String::from_utf8(t.to_json()).unwrap()
    }

    #[test]
    fn encodes_like_cty() {
        assert_eq!(json(&Type::String), r#""string""#);
        assert_eq!(json(&Type::Dynamic), r#""dynamic""#);
        assert_eq!(json(&Type::list(Type::String)), r#"["list","string"]"#);
        assert_eq!(json(&Type::set(Type::Number)), r#"["set","number"]"#);
        assert_eq!(json(&Type::map(Type::Bool)), r#"["map","bool"]"#);
        assert_eq!(
            json(&Type::object([("b", Type::String), ("a", Type::Number)])),
            r#"["object",{"a":"number","b":"string"}]"#
        );
        assert_eq!(
            json(&Type::object_with_optional([("a", Type::String), ("o", Type::Bool)], ["o"])),
            r#"["object",{"a":"string","o":"bool"},["o"]]"#
        );
        assert_eq!(
            json(&Type::tuple([Type::String, Type::list(Type::Dynamic)])),
            r#"["tuple",["string",["list","dynamic"]]]"#
        );
        assert_eq!(json(&Type::tuple([])), r#"["tuple",[]]"#);
    }

    #[test]
    fn decodes_and_round_trips() {
        let t = Type::object_with_optional(
            [
                ("tags", Type::map(Type::String)),
                ("ids", Type::set(Type::Number)),
                ("pair", Type::tuple([Type::Bool, Type::Dynamic])),
                ("weird \"name\"", Type::list(Type::object::<&str>([]))),
            ],
            ["tags"],
        );
        assert_eq!(Type::from_json(&t.to_json()).unwrap(), t);
        assert_eq!(
            Type::from_json(br#" [ "object" , { "a" : "string" } , [ ] ] "#).unwrap(),
            Type::object([("a", Type::String)])
        );
    }

    #[test]
    fn rejects_bad_types() {
        for bad in [
            &br#""str""#[..],
            br#"["list"]"#,
            br#"["list","string","x"]"#,
            br#"["object",["a"]]"#,
            br#"["object",{"a":"string"},["b"]]"#,
            br#"["tuple","string"]"#,
            br#"["capsule","x"]"#,
            br#"5"#,
            br#"[]"#,
        ] {
            assert!(Type::from_json(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn display_is_type_constraint_syntax() {
        let t = Type::object_with_optional([("a", Type::list(Type::String)), ("b", Type::Dynamic)], ["b"]);
        assert_eq!(t.to_string(), "object({a=list(string), b=optional(any)})");
        assert_eq!(Type::tuple([Type::Number]).to_string(), "tuple([number])");
    }
}
