//! Terraform's value model (cty): types, values, their wire encodings (msgpack, JSON)
//! and typed serde conversions so resource code works with plain Rust structs.

mod de;
mod error;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod json;
mod jsontext;
pub mod msgpack;
mod number;
mod ser;
mod types;

#[cfg(test)]
mod proptests;

use std::collections::BTreeMap;

pub use de::{from_value, from_value_partial};
pub use error::ValueError;
pub use number::Number;
pub use ser::to_value;
pub use types::Type;

use crate::path::{AttributePath, PathStep};

/// A value already encoded for the wire as a given type. Opaque: only the server reads the
/// bytes, so crates outside this one never see the encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded(pub(crate) Vec<u8>);

impl Encoded {
    pub fn new(value: &Value, ty: &Type) -> Result<Encoded, ValueError> {
        msgpack::encode(value, ty).map(Encoded)
    }

    /// A typed model, encoded without building it as a whole [`Value`] first (see
    /// `ser::to_msgpack`): the way large results are returned.
    pub fn from_model<T: serde::Serialize>(model: T, ty: &Type) -> Result<Encoded, ValueError> {
        ser::to_msgpack(model, ty).map(Encoded)
    }

    pub fn decode(&self, ty: &Type) -> Result<Value, ValueError> {
        msgpack::decode(&self.0, ty)
    }
}

/// A Terraform value. `Null` and `Unknown` may appear at any depth.
///
/// Values carry no type: the schema's [`Type`] travels beside them. Sets are kept in a
/// canonical order (sorted, duplicates of wholly known elements removed) by every
/// constructor and decoder here, so `==` compares sets as sets; build them with
/// [`Value::set`] rather than `Value::Set(..)` directly if order may vary.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    Null,
    Unknown,
    String(String),
    Number(Number),
    Bool(bool),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// A set in canonical order.
    pub fn set(items: impl IntoIterator<Item = Value>) -> Value {
        Value::Set(canonical_set(items.into_iter().collect()))
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attributes.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An object with every attribute of the object type `ty` set to null (a handy
    /// starting point for building state); `Null` for any other type.
    pub fn null_of_object(ty: &Type) -> Value {
        match ty {
            Type::Object { attributes, .. } => {
                Value::Object(attributes.keys().map(|k| (k.clone(), Value::Null)).collect())
            }
            _ => Value::Null,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Shallow: true unless this value itself is unknown (elements may still be).
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }

    /// Deep: no unknown anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_) => true,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
        }
    }

    /// A short name of the value's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// Entries of a map or object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// An object attribute (or map element) by name.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_entries()?.get(name)
    }

    /// Mutable access to an object attribute (or map element).
    pub fn get_attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Map(m) | Value::Object(m) => m.get_mut(name),
            _ => None,
        }
    }

    /// The value at `path`, if every step exists. Attribute and string-key steps look
    /// into objects and maps alike; index steps into lists, tuples and (by position) sets.
    pub fn at_path(&self, path: &AttributePath) -> Option<&Value> {
        path.steps().iter().try_fold(self, |v, step| match step {
            PathStep::Attribute(name) | PathStep::ElementKeyString(name) => v.get_attr(name),
            PathStep::ElementKeyInt(i) => v.as_elements()?.get(usize::try_from(*i).ok()?),
        })
    }

    /// The type this value most naturally has, used where a dynamic position must name
    /// its concrete type on the wire. Null and unknown parts, and empty collections'
    /// elements, are `Dynamic`; collection elements must agree on one type.
    pub fn implied_type(&self) -> Result<Type, ValueError> {
        implied_type_at(self, &mut AttributePath::root())
    }

    /// Checks that this value fits `ty`. Null and unknown fit anywhere; an object may
    /// leave attributes out (they count as null) but may not have extra ones.
    pub fn conforms(&self, ty: &Type) -> Result<(), ValueError> {
        conforms_at(self, ty, &mut AttributePath::root())
    }

    /// A copy with every set (at any depth) in canonical order.
    #[must_use]
    pub fn canonicalized(self) -> Value {
        match self {
            Value::List(items) => Value::List(items.into_iter().map(Value::canonicalized).collect()),
            Value::Tuple(items) => Value::Tuple(items.into_iter().map(Value::canonicalized).collect()),
            Value::Set(items) => Value::set(items.into_iter().map(Value::canonicalized)),
            Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, v.canonicalized())).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, v.canonicalized())).collect()),
            other => other,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

/// Sorts set elements and drops repeats of wholly known ones. Unknown elements are all
/// kept: in cty each unknown set element is distinct, so two may stand side by side.
pub(crate) fn canonical_set(mut items: Vec<Value>) -> Vec<Value> {
    items.sort();
    items.dedup_by(|a, b| a == b && a.is_wholly_known());
    items
}

fn implied_type_at(v: &Value, path: &mut AttributePath) -> Result<Type, ValueError> {
    Ok(match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::String(_) => Type::String,
        Value::Number(_) => Type::Number,
        Value::Bool(_) => Type::Bool,
        Value::List(items) => Type::list(unify_elements(items.iter().map(|v| (None, v)), path)?),
        Value::Set(items) => Type::set(unify_elements(items.iter().map(|v| (None, v)), path)?),
        Value::Map(m) => Type::map(unify_elements(m.iter().map(|(k, v)| (Some(k), v)), path)?),
        Value::Object(m) => {
            let mut attributes = BTreeMap::new();
            for (k, v) in m {
                path.push(PathStep::Attribute(k.clone()));
                let t = implied_type_at(v, path);
                path.pop();
                attributes.insert(k.clone(), t?);
            }
            Type::Object { attributes, optional: Default::default() }
        }
        Value::Tuple(items) => {
            let mut types = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                let t = implied_type_at(v, path);
                path.pop();
                types.push(t?);
            }
            Type::Tuple(types)
        }
    })
}

/// One element type for a collection: `Dynamic` parts (nulls, unknowns, empty
/// collections) give way to whatever the other elements say.
fn unify_elements<'v>(
    items: impl Iterator<Item = (Option<&'v String>, &'v Value)>,
    path: &mut AttributePath,
) -> Result<Type, ValueError> {
    let mut acc = Type::Dynamic;
    for (i, (key, v)) in items.enumerate() {
        path.push(match key {
            Some(k) => PathStep::ElementKeyString(k.clone()),
            None => PathStep::ElementKeyInt(i as i64),
        });
        let r = implied_type_at(v, path).and_then(|t| {
            unify(&acc, &t).ok_or_else(|| {
                ValueError::type_at(
                    path,
                    format!("collection elements must all have one type, but found {acc} and {t}"),
                )
            })
        });
        path.pop();
        acc = r?;
    }
    Ok(acc)
}

fn unify(a: &Type, b: &Type) -> Option<Type> {
    Some(match (a, b) {
        (Type::Dynamic, t) | (t, Type::Dynamic) => t.clone(),
        (Type::List(x), Type::List(y)) => Type::list(unify(x, y)?),
        (Type::Set(x), Type::Set(y)) => Type::set(unify(x, y)?),
        (Type::Map(x), Type::Map(y)) => Type::map(unify(x, y)?),
        (Type::Object { attributes: x, .. }, Type::Object { attributes: y, .. }) => {
            if x.len() != y.len() {
                return None;
            }
            let mut attributes = BTreeMap::new();
            for (k, xt) in x {
                attributes.insert(k.clone(), unify(xt, y.get(k)?)?);
            }
            Type::Object { attributes, optional: Default::default() }
        }
        (Type::Tuple(x), Type::Tuple(y)) if x.len() == y.len() => {
            Type::Tuple(x.iter().zip(y).map(|(x, y)| unify(x, y)).collect::<Option<_>>()?)
        }
        (x, y) if x == y => x.clone(),
        _ => return None,
    })
}

fn mismatch(path: &AttributePath, ty: &Type, v: &Value) -> ValueError {
    ValueError::type_at(path, format!("expected {ty}, found {}", v.kind()))
}

fn conforms_at(v: &Value, ty: &Type, path: &mut AttributePath) -> Result<(), ValueError> {
    let each = |items: &mut dyn Iterator<Item = (PathStep, &Value, &Type)>, path: &mut AttributePath| {
        for (step, v, t) in items {
            path.push(step);
            let r = conforms_at(v, t, path);
            path.pop();
            r?;
        }
        Ok(())
    };
    match (v, ty) {
        (Value::Null | Value::Unknown, _) => Ok(()),
        (_, Type::Dynamic) => implied_type_at(v, path).map(|_| ()),
        (Value::String(_), Type::String) | (Value::Number(_), Type::Number) | (Value::Bool(_), Type::Bool) => Ok(()),
        (Value::List(items), Type::List(t)) | (Value::Set(items), Type::Set(t)) => {
            each(&mut items.iter().enumerate().map(|(i, v)| (PathStep::ElementKeyInt(i as i64), v, &**t)), path)
        }
        (Value::Map(m), Type::Map(t)) => {
            each(&mut m.iter().map(|(k, v)| (PathStep::ElementKeyString(k.clone()), v, &**t)), path)
        }
        (Value::Object(m), Type::Object { attributes, .. }) => {
            if let Some(extra) = m.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(ValueError::type_at(
                    &path.child(PathStep::Attribute(extra.clone())),
                    format!("unsupported attribute {extra:?}"),
                ));
            }
            each(&mut m.iter().map(|(k, v)| (PathStep::Attribute(k.clone()), v, &attributes[k])), path)
        }
        (Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(ValueError::type_at(
                    path,
                    format!("expected {ty}, found a tuple of {} elements", items.len()),
                ));
            }
            each(
                &mut items.iter().zip(types).enumerate().map(|(i, (v, t))| (PathStep::ElementKeyInt(i as i64), v, t)),
                path,
            )
        }
        _ => Err(mismatch(path, ty, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        Value::object([
            ("name", Value::from("x")),
            ("parent_ids", Value::List(vec!["a".into(), Value::Unknown])),
            ("tags", Value::map([("env", Value::from("prod"))])),
            ("nested", Value::object([("bucket", Value::Null)])),
        ])
    }

    #[test]
    fn knownness() {
        let v = sample();
        assert!(v.is_known());
        assert!(!v.is_wholly_known());
        assert!(Value::Null.is_wholly_known());
        assert!(!Value::Unknown.is_known());
        assert!(Value::List(vec![Value::from(1)]).is_wholly_known());
    }

    #[test]
    fn navigation() {
        let v = sample();
        assert_eq!(v.get_attr("name"), Some(&Value::from("x")));
        let p = AttributePath::root().attribute("tags").key("env");
        assert_eq!(v.at_path(&p), Some(&Value::from("prod")));
        let p = AttributePath::root().attribute("parent_ids").index(1);
        assert_eq!(v.at_path(&p), Some(&Value::Unknown));
        assert_eq!(v.at_path(&AttributePath::root().attribute("parent_ids").index(5)), None);
        assert_eq!(v.at_path(&AttributePath::root().attribute("parent_ids").index(-1)), None);
        assert_eq!(v.at_path(&AttributePath::root()), Some(&v));
        assert_eq!(v.at_path(&AttributePath::root().attribute("name").attribute("x")), None);
    }

    #[test]
    fn null_of_object_fills_every_attribute() {
        let t = Type::object([("a", Type::String), ("b", Type::list(Type::Number))]);
        assert_eq!(Value::null_of_object(&t), Value::object([("a", Value::Null), ("b", Value::Null)]));
        assert_eq!(Value::null_of_object(&Type::String), Value::Null);
    }

    #[test]
    fn sets_are_canonical() {
        let a = Value::set([Value::from("b"), Value::from("a"), Value::from("b")]);
        assert_eq!(a, Value::Set(vec!["a".into(), "b".into()]));
        let u = Value::set([Value::Unknown, Value::from("a"), Value::Unknown]);
        assert_eq!(u, Value::Set(vec![Value::Unknown, Value::Unknown, "a".into()]));
        let nested = Value::List(vec![Value::Set(vec!["z".into(), "y".into()])]).canonicalized();
        assert_eq!(nested, Value::List(vec![Value::Set(vec!["y".into(), "z".into()])]));
    }

    #[test]
    fn implied_types() {
        assert_eq!(Value::List(vec![]).implied_type().unwrap(), Type::list(Type::Dynamic));
        assert_eq!(Value::Map(BTreeMap::new()).implied_type().unwrap(), Type::map(Type::Dynamic));
        assert_eq!(Value::List(vec![Value::Null, "a".into()]).implied_type().unwrap(), Type::list(Type::String));
        assert_eq!(
            Value::List(vec![Value::object([("a", Value::Null)]), Value::object([("a", Value::from(1))]),])
                .implied_type()
                .unwrap(),
            Type::list(Type::object([("a", Type::Number)]))
        );
        assert_eq!(
            Value::Tuple(vec!["a".into(), Value::from(true)]).implied_type().unwrap(),
            Type::tuple([Type::String, Type::Bool])
        );
        let err = Value::object([("xs", Value::List(vec!["a".into(), Value::from(1)]))]).implied_type().unwrap_err();
        assert_eq!(err.path().to_string(), "xs[1]");
    }

    #[test]
    fn conformance() {
        let t = Type::object([
            ("name", Type::String),
            ("parent_ids", Type::list(Type::String)),
            ("tags", Type::map(Type::String)),
            ("nested", Type::object([("bucket", Type::String)])),
        ]);
        sample().conforms(&t).unwrap();
        Value::object([("name", Value::from("x"))]).conforms(&t).unwrap();
        let err = Value::object([("tags", Value::map([("env", Value::from(1))]))]).conforms(&t).unwrap_err();
        assert_eq!(err.path().to_string(), "tags[\"env\"]");
        assert!(err.to_string().contains("expected string, found number"), "{err}");
        let err = Value::object([("bogus", Value::Null)]).conforms(&t).unwrap_err();
        assert_eq!(err.path().to_string(), "bogus");
        assert!(Value::Tuple(vec![]).conforms(&Type::tuple([Type::String])).is_err());
        assert!(Value::List(vec![]).conforms(&Type::set(Type::String)).is_err());
        assert!(Value::List(vec![Value::from(1), Value::from("a")]).conforms(&Type::Dynamic).is_err());
    }
}
