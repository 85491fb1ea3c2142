//! `Value` → Rust types through serde.

use std::collections::btree_map;
use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use super::number::NUMBER_TOKEN;
use super::{Value, ValueError};
use crate::path::{AttributePath, PathStep};

/// Converts a value into `T`. Any unknown value that `T` would read is an error naming
/// its path. Null attributes of an object count as absent, so `Option` fields become
/// `None` and `#[serde(default)]` fields take their default; null elsewhere fits only
/// `Option` (or `()`).
///
/// Numbers convert to any integer or float type that holds them exactly, to
/// [`Number`](super::Number), or to `String`.
pub fn from_value<'a, T: de::Deserialize<'a>>(value: &'a Value) -> Result<T, ValueError> {
    run(value, false)
}

/// Like [`from_value`], but unknown counts as null: an unknown attribute is absent, an
/// unknown `Option` is `None`, and unknown elements of lists, sets and maps are left out.
/// Meant for checking configuration at validate time, when parts are not known yet.
pub fn from_value_partial<'a, T: de::Deserialize<'a>>(value: &'a Value) -> Result<T, ValueError> {
    run(value, true)
}

fn run<'a, T: de::Deserialize<'a>>(value: &'a Value, partial: bool) -> Result<T, ValueError> {
    let root = PathNode::ROOT;
    T::deserialize(Deser { value, path: &root, partial }).map_err(|e| e.error)
}

/// The path as a chain of stack frames; turned into an `AttributePath` only on error.
#[derive(Clone, Copy)]
struct PathNode<'p> {
    parent: Option<&'p PathNode<'p>>,
    step: Step<'p>,
}

#[derive(Clone, Copy)]
enum Step<'p> {
    Root,
    Attr(&'p str),
    Key(&'p str),
    Index(usize),
}

impl<'p> PathNode<'p> {
    const ROOT: PathNode<'static> = PathNode { parent: None, step: Step::Root };

    fn child(&'p self, step: Step<'p>) -> PathNode<'p> {
        PathNode { parent: Some(self), step }
    }

    fn attribute_path(&self) -> AttributePath {
        let mut steps = Vec::new();
        let mut node = Some(self);
        while let Some(n) = node {
            match n.step {
                Step::Root => {}
                Step::Attr(a) => steps.push(PathStep::Attribute(a.to_owned())),
                Step::Key(k) => steps.push(PathStep::ElementKeyString(k.to_owned())),
                Step::Index(i) => steps.push(PathStep::ElementKeyInt(i as i64)),
            }
            node = n.parent;
        }
        steps.reverse();
        AttributePath::from_steps(steps)
    }
}

/// The serde error while deserializing: remembers whether it already has its real
/// path, so the innermost place that can tell where an error happened is the one that
/// does (serde's own messages, like "missing field", arrive without one).
#[derive(Debug)]
pub(crate) struct DeError {
    error: ValueError,
    located: bool,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError { error: ValueError::Other { path: AttributePath::root(), message: msg.to_string() }, located: false }
    }
}

static NULL: Value = Value::Null;

struct Deser<'de, 'p> {
    value: &'de Value,
    path: &'p PathNode<'p>,
    partial: bool,
}

impl<'de, 'p> Deser<'de, 'p> {
    fn locate<T>(&self, r: Result<T, DeError>) -> Result<T, DeError> {
        r.map_err(|e| {
            if e.located { e } else { DeError { error: e.error.with_path(self.path.attribute_path()), located: true } }
        })
    }

    fn fail(&self, error: impl FnOnce(AttributePath) -> ValueError) -> DeError {
        DeError { error: error(self.path.attribute_path()), located: true }
    }

    fn mismatch(&self, expected: &str, found: &Value) -> DeError {
        self.fail(|path| ValueError::Type { path, message: format!("expected {expected}, found {}", found.kind()) })
    }

    /// The value to read: unknown is an error, or null in partial mode.
    fn known(&self) -> Result<&'de Value, DeError> {
        match self.value {
            Value::Unknown if self.partial => Ok(&NULL),
            Value::Unknown => Err(self.fail(|path| ValueError::Unknown { path })),
            v => Ok(v),
        }
    }

    fn number(&self, expected: &str) -> Result<&'de super::Number, DeError> {
        match self.known()? {
            Value::Number(n) => Ok(n),
            other => Err(self.mismatch(expected, other)),
        }
    }

    fn not_representable(&self, n: &super::Number, target: &str) -> DeError {
        self.fail(|path| ValueError::Number { path, message: format!("{n} cannot be represented exactly as {target}") })
    }

    fn seq<V: Visitor<'de>>(self, items: &'de [Value], visitor: V) -> Result<V::Value, DeError> {
        let access = SeqDeser { items: items.iter().enumerate(), path: self.path, partial: self.partial };
        self.locate(visitor.visit_seq(access))
    }

    fn map<V: Visitor<'de>>(
        self,
        entries: &'de std::collections::BTreeMap<String, Value>,
        object: bool,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let access =
            MapDeser { entries: entries.iter(), pending: None, object, path: self.path, partial: self.partial };
        self.locate(visitor.visit_map(access))
    }
}

macro_rules! deserialize_int {
    ($method:ident, $visit:ident, $ty:ty, $via:ident) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let n = self.number(stringify!($ty))?;
            let v = n
                .$via()
                .and_then(|x| <$ty>::try_from(x).ok())
                .ok_or_else(|| self.not_representable(n, stringify!($ty)))?;
            self.locate(visitor.$visit(v))
        }
    };
}

impl<'de, 'p> Deserializer<'de> for Deser<'de, 'p> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.known()? {
            Value::Null | Value::Unknown => visitor.visit_unit(),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.to_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.to_u64() {
                    visitor.visit_u64(u)
                } else {
                    // Untyped targets (serde_json::Value, untagged enums) get the nearest
                    // float; ask for `Number` to keep every digit.
                    visitor.visit_f64(n.to_f64())
                }
            }
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                return self.seq(items, visitor);
            }
            Value::Map(m) => return self.map(m, false, visitor),
            Value::Object(m) => return self.map(m, true, visitor),
        };
        self.locate(r)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::Bool(b) => self.locate(visitor.visit_bool(*b)),
            other => Err(self.mismatch("bool", other)),
        }
    }

    deserialize_int!(deserialize_i8, visit_i8, i8, to_i64);
    deserialize_int!(deserialize_i16, visit_i16, i16, to_i64);
    deserialize_int!(deserialize_i32, visit_i32, i32, to_i64);
    deserialize_int!(deserialize_i64, visit_i64, i64, to_i64);
    deserialize_int!(deserialize_i128, visit_i128, i128, to_i128);
    deserialize_int!(deserialize_u8, visit_u8, u8, to_u64);
    deserialize_int!(deserialize_u16, visit_u16, u16, to_u64);
    deserialize_int!(deserialize_u32, visit_u32, u32, to_u64);
    deserialize_int!(deserialize_u64, visit_u64, u64, to_u64);
    deserialize_int!(deserialize_u128, visit_u128, u128, to_u128);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let n = self.number("f32")?;
        let f = n.to_f32_exact().ok_or_else(|| self.not_representable(n, "f32"))?;
        self.locate(visitor.visit_f32(f))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let n = self.number("f64")?;
        let f = n.to_f64_exact().ok_or_else(|| self.not_representable(n, "f64"))?;
        self.locate(visitor.visit_f64(f))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::String(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => self.locate(visitor.visit_char(c)),
                    _ => {
                        Err(self.fail(|path| ValueError::Type { path, message: "expected a single character".into() }))
                    }
                }
            }
            other => Err(self.mismatch("a single character", other)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.known()? {
            Value::String(s) => visitor.visit_borrowed_str(s),
            // cty converts numbers and bools to strings, and so do we.
            Value::Number(n) => visitor.visit_string(n.to_string()),
            Value::Bool(b) => visitor.visit_borrowed_str(if *b { "true" } else { "false" }),
            other => return Err(self.mismatch("string", other)),
        };
        self.locate(r)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::String(s) => self.locate(visitor.visit_borrowed_bytes(s.as_bytes())),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::Null | Value::Unknown => self.locate(visitor.visit_none()),
            _ => {
                let path = self.path;
                let partial = self.partial;
                let r = visitor.visit_some(Deser { value: self.value, path, partial });
                self.locate(r)
            }
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::Null => self.locate(visitor.visit_unit()),
            other => Err(self.mismatch("null", other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        if name == NUMBER_TOKEN {
            // Hand `Number` the exact decimal instead of a float.
            let r = match self.known()? {
                Value::Number(n) => visitor.visit_string(n.to_string()),
                Value::String(s) => visitor.visit_borrowed_str(s),
                other => return Err(self.mismatch("number", other)),
            };
            return self.locate(r);
        }
        let path = self.path;
        let partial = self.partial;
        let r = visitor.visit_newtype_struct(Deser { value: self.value, path, partial });
        self.locate(r)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => self.seq(items, visitor),
            other => Err(self.mismatch("a list, set or tuple", other)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::Map(m) => self.map(m, false, visitor),
            Value::Object(m) => self.map(m, true, visitor),
            other => Err(self.mismatch("a map or object", other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.known()? {
            Value::String(s) => {
                let r = visitor.visit_enum(s.as_str().into_deserializer());
                self.locate(r)
            }
            v @ (Value::Map(m) | Value::Object(m)) => {
                let mut present = m.iter().filter(|(_, v)| !v.is_null());
                match (present.next(), present.next()) {
                    (Some((variant, value)), None) => {
                        let access = EnumDeser {
                            variant,
                            value,
                            object: matches!(v, Value::Object(_)),
                            path: self.path,
                            partial: self.partial,
                        };
                        self.locate(visitor.visit_enum(access))
                    }
                    _ => Err(self.fail(|path| ValueError::Type {
                        path,
                        message: "expected exactly one non-null attribute naming the variant".into(),
                    })),
                }
            }
            other => Err(self.mismatch("a string or single-attribute object", other)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // Whatever the target skips may well be unknown; that is no error.
        self.locate(visitor.visit_unit())
    }
}

struct SeqDeser<'de, 'p> {
    items: std::iter::Enumerate<std::slice::Iter<'de, Value>>,
    path: &'p PathNode<'p>,
    partial: bool,
}

impl<'de> SeqAccess<'de> for SeqDeser<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        for (i, value) in self.items.by_ref() {
            if self.partial && value.is_unknown() {
                continue;
            }
            let node = self.path.child(Step::Index(i));
            return seed.deserialize(Deser { value, path: &node, partial: self.partial }).map(Some);
        }
        Ok(None)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDeser<'de, 'p> {
    entries: btree_map::Iter<'de, String, Value>,
    pending: Option<(&'de str, &'de Value)>,
    object: bool,
    path: &'p PathNode<'p>,
    partial: bool,
}

impl<'de, 'p> MapDeser<'de, 'p> {
    fn step(&self, key: &'de str) -> Step<'de> {
        if self.object { Step::Attr(key) } else { Step::Key(key) }
    }
}

impl<'de> MapAccess<'de> for MapDeser<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        for (key, value) in self.entries.by_ref() {
            // A null object attribute is an absent field; a null map element is kept,
            // since a map of options may want it.
            if (self.object && value.is_null()) || (self.partial && value.is_unknown()) {
                continue;
            }
            self.pending = Some((key, value));
            let node = self.path.child(self.step(key));
            let key_deser = Deser { value: &NULL, path: &node, partial: self.partial };
            let r = seed.deserialize(BorrowedStrDeserializer::<DeError>::new(key));
            return key_deser.locate(r).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, value) =
            self.pending.take().ok_or_else(|| de::Error::custom("map value requested before its key"))?;
        let node = self.path.child(self.step(key));
        seed.deserialize(Deser { value, path: &node, partial: self.partial })
    }
}

struct EnumDeser<'de, 'p> {
    variant: &'de str,
    value: &'de Value,
    object: bool,
    path: &'p PathNode<'p>,
    partial: bool,
}

impl<'de, 'p> EnumAccess<'de> for EnumDeser<'de, 'p> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), DeError> {
        let v = seed.deserialize(BorrowedStrDeserializer::<DeError>::new(self.variant))?;
        Ok((v, self))
    }
}

impl<'de> VariantAccess<'de> for EnumDeser<'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        let node = self.path.child(if self.object { Step::Attr(self.variant) } else { Step::Key(self.variant) });
        seed.deserialize(Deser { value: self.value, path: &node, partial: self.partial })
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        let node = self.path.child(if self.object { Step::Attr(self.variant) } else { Step::Key(self.variant) });
        Deser { value: self.value, path: &node, partial: self.partial }.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let node = self.path.child(if self.object { Step::Attr(self.variant) } else { Step::Key(self.variant) });
        Deser { value: self.value, path: &node, partial: self.partial }.deserialize_map(visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Deserialize;

    use super::*;
    use crate::value::Number;

    fn n(s: &str) -> Value {
        Value::Number(s.parse().unwrap())
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Account {
        id: u64,
        name: String,
        #[serde(default)]
        email: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Org {
        name: String,
        #[serde(default)]
        parent_ids: Vec<String>,
        #[serde(default)]
        tags: BTreeMap<String, String>,
        accounts: Vec<Account>,
        budget: Option<Number>,
        #[serde(default = "default_ttl")]
        ttl: u32,
    }

    fn default_ttl() -> u32 {
        300
    }

    fn org_value() -> Value {
        Value::object([
            ("name", Value::from("root")),
            ("parent_ids", Value::List(vec!["r-1".into(), "r-2".into()])),
            ("tags", Value::map([("env", Value::from("prod"))])),
            (
                "accounts",
                Value::List(vec![Value::object([
                    ("id", n("123456789012")),
                    ("name", Value::from("a")),
                    ("email", Value::Null),
                ])]),
            ),
            ("budget", n("12345678901234567890.123456789")),
            ("ttl", Value::Null),
        ])
    }

    #[test]
    fn reads_typed_structs() {
        let org: Org = from_value(&org_value()).unwrap();
        assert_eq!(
            org,
            Org {
                name: "root".into(),
                parent_ids: vec!["r-1".into(), "r-2".into()],
                tags: [("env".to_owned(), "prod".to_owned())].into(),
                accounts: vec![Account { id: 123_456_789_012, name: "a".into(), email: None }],
                budget: Some("12345678901234567890.123456789".parse().unwrap()),
                ttl: 300,
            }
        );
    }

    #[test]
    fn unknown_is_an_error_with_its_path() {
        let mut v = org_value();
        if let Some(Value::List(ids)) = v.get_attr_mut("parent_ids") {
            ids[1] = Value::Unknown;
        }
        let err = from_value::<Org>(&v).unwrap_err();
        assert_eq!(err, ValueError::Unknown { path: AttributePath::root().attribute("parent_ids").index(1) });
        assert_eq!(err.to_string(), "value at parent_ids[1] is not known yet");
        assert_eq!(from_value::<String>(&Value::Unknown).unwrap_err().to_string(), "value is not known yet");
        // Unknown parts the target ignores are fine.
        #[derive(Deserialize)]
        struct OnlyName {
            name: String,
        }
        let only: OnlyName = from_value(&v).unwrap();
        assert_eq!(only.name, "root");
    }

    #[test]
    fn type_errors_have_paths() {
        let mut v = org_value();
        if let Some(Value::Map(tags)) = v.get_attr_mut("tags") {
            tags.insert("env".into(), Value::Bool(true).into_list_for_test());
        }
        let err = from_value::<Org>(&v).unwrap_err();
        assert_eq!(err.path().to_string(), "tags[\"env\"]");

        let v = Value::object([
            ("name", Value::from("root")),
            (
                "accounts",
                Value::List(vec![
                    Value::object([("id", n("1")), ("name", Value::from("a"))]),
                    Value::object([("id", n("2")), ("name", Value::from("b"))]),
                    Value::object([("id", n("-3")), ("name", Value::from("c"))]),
                ]),
            ),
        ]);
        let err = from_value::<Org>(&v).unwrap_err();
        assert_eq!(err.path().to_string(), "accounts[2].id");
        assert!(matches!(err, ValueError::Number { .. }), "{err}");

        let v = Value::object([
            ("name", Value::from("root")),
            ("accounts", Value::List(vec![Value::object([("id", n("1"))])])),
        ]);
        let err = from_value::<Org>(&v).unwrap_err();
        assert_eq!(err.path().to_string(), "accounts[0]");
        assert!(err.to_string().contains("missing field `name`"), "{err}");

        // Null where a value is required.
        let err = from_value::<Vec<String>>(&Value::List(vec![Value::Null])).unwrap_err();
        assert_eq!(err.path().to_string(), "[0]");
    }

    #[test]
    fn partial_mode_skips_unknowns() {
        let v = Value::object([
            ("name", Value::from("root")),
            ("parent_ids", Value::List(vec!["r-1".into(), Value::Unknown, "r-3".into()])),
            ("tags", Value::map([("env", Value::Unknown), ("team", Value::from("x"))])),
            ("accounts", Value::List(vec![Value::Unknown])),
            ("budget", Value::Unknown),
            ("ttl", Value::Unknown),
        ]);
        let org: Org = from_value_partial(&v).unwrap();
        assert_eq!(org.parent_ids, vec!["r-1", "r-3"]);
        assert_eq!(org.tags, [("team".to_owned(), "x".to_owned())].into());
        assert!(org.accounts.is_empty());
        assert_eq!(org.budget, None);
        assert_eq!(org.ttl, 300);
        assert!(from_value::<Org>(&v).is_err());
        // A required field that is unknown is missing, and says so.
        let v = Value::object([("name", Value::Unknown), ("accounts", Value::List(vec![]))]);
        let err = from_value_partial::<Org>(&v).unwrap_err();
        assert!(err.to_string().contains("missing field `name`"), "{err}");
        assert_eq!(from_value_partial::<Option<String>>(&Value::Unknown).unwrap(), None);
    }

    #[test]
    fn numbers_into_rust_types() {
        assert_eq!(from_value::<u8>(&n("255")).unwrap(), 255);
        assert!(from_value::<u8>(&n("256")).is_err());
        assert!(from_value::<i32>(&n("1.5")).is_err());
        assert_eq!(from_value::<i64>(&n("-9223372036854775808")).unwrap(), i64::MIN);
        assert_eq!(from_value::<u128>(&n("1180591620717411303424")).unwrap(), 1 << 70);
        assert_eq!(from_value::<f64>(&n("0.1")).unwrap(), 0.1);
        assert_eq!(from_value::<f32>(&n("0.5")).unwrap(), 0.5);
        let err = from_value::<f64>(&n("12345678901234567890.123456789")).unwrap_err();
        assert!(matches!(err, ValueError::Number { .. }));
        assert_eq!(from_value::<String>(&n("1.50")).unwrap(), "1.5");
        assert_eq!(
            from_value::<Number>(&n("12345678901234567890.123456789")).unwrap(),
            "12345678901234567890.123456789".parse().unwrap()
        );
        assert!(from_value::<u32>(&Value::from("5")).is_err());
    }

    #[test]
    fn maps_options_enums_and_borrowing() {
        let v = Value::map([("a", Value::from("x")), ("b", Value::Null)]);
        let m: HashMap<String, Option<String>> = from_value(&v).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["b"], None);
        let m: BTreeMap<&str, Option<&str>> = from_value(&v).unwrap();
        assert_eq!(m["a"], Some("x"));

        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "snake_case")]
        enum Mode {
            Fast,
            Slow { delay: u32 },
        }
        assert_eq!(from_value::<Mode>(&Value::from("fast")).unwrap(), Mode::Fast);
        let slow = Value::object([("slow", Value::object([("delay", n("3"))])), ("fast", Value::Null)]);
        assert_eq!(from_value::<Mode>(&slow).unwrap(), Mode::Slow { delay: 3 });

        let t: (String, bool) = from_value(&Value::Tuple(vec!["a".into(), Value::Bool(true)])).unwrap();
        assert_eq!(t, ("a".to_owned(), true));

        let j: serde_json::Value = from_value(&org_value()).unwrap();
        assert_eq!(j["accounts"][0]["id"], 123_456_789_012u64);
        assert_eq!(j["tags"]["env"], "prod");
        assert!(j.get("ttl").is_none());
    }

    #[test]
    fn deny_unknown_fields_points_at_the_field() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            a: String,
        }
        let v = Value::object([("nested", Value::object([("a", Value::from("x")), ("b", Value::from("y"))]))]);
        let err = from_value::<HashMap<String, Strict>>(&v).unwrap_err();
        assert_eq!(err.path().to_string(), "nested.b");
    }

    impl Value {
        /// A value of the wrong shape for a string position.
        fn into_list_for_test(self) -> Value {
            Value::List(vec![self])
        }
    }
}
