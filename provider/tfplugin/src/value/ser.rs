//! Rust types → `Value` through serde, guided by the schema type.
//!
//! Serialization first builds an untyped tree (`Raw`) and then shapes it by the `Type`:
//! serde alone cannot tell a `Vec` meant as a list from one meant as a set or tuple, or
//! a struct meant as an object from a map.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{self, Impossible, Serialize};

use super::number::NUMBER_TOKEN;
use super::{Number, Type, Value, ValueError, canonical_set};
use crate::path::{AttributePath, PathStep};

/// Converts `value` to a `Value` of type `ty`.
///
/// `None` and `()` become null; structs and maps become objects or maps (object
/// attributes the Rust value lacks become null; fields the type lacks are an error);
/// sequences become lists, sets (de-duplicated, canonical order) or tuples; integers
/// and finite floats become numbers, as do strings in number positions; numbers and
/// bools in string positions become their text. In dynamic positions the Rust value's
/// own shape decides: sequences become tuples and maps/structs objects, as cty infers
/// for JSON.
pub fn to_value<T: Serialize + ?Sized>(value: &T, ty: &Type) -> Result<Value, ValueError> {
    let raw = value.serialize(RawSer).map_err(|e| e.0)?;
    shape(raw, ty, &mut AttributePath::root())
}

/// The msgpack encoding of `value` as type `ty`: the same bytes as [`to_value`] followed by
/// [`super::msgpack::encode`], written while serde walks `value` (see `stream`), so a result of
/// thousands of objects (a data source's cases) is held once as the model beside its encoding,
/// never as a `Raw` or `Value` tree as well.
pub(crate) fn to_msgpack<T: Serialize>(value: T, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    let mut path = AttributePath::root();
    value.serialize(stream::StreamSer { ty, path: &mut path, out: &mut out }).map_err(|e| e.0)?;
    Ok(out)
}

mod stream;

/// Writes an already serialized value: lists and objects element by element, anything else
/// shaped into a `Value` first.
fn stream(raw: Raw, ty: &Type, path: &mut AttributePath, out: &mut Vec<u8>) -> Result<(), ValueError> {
    use super::msgpack::{encode_at, len32, w};
    match (raw, ty) {
        (Raw::Seq(items), Type::List(t)) => {
            w(rmp::encode::write_array_len(out, len32(items.len(), path)?))?;
            for (i, item) in items.into_iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                stream(item, t, path, out)?;
                path.pop();
            }
            Ok(())
        }
        (Raw::Map(mut entries), Type::Object { attributes, .. }) => {
            if let Some((k, _)) = entries.iter().find(|(k, _)| !attributes.contains_key(k)) {
                path.push(PathStep::Attribute(k.clone()));
                return Err(ValueError::type_at(path, format!("the schema has no attribute {k:?}")));
            }
            // Every attribute of the type goes out, in the type's order, as `encode` writes them.
            w(rmp::encode::write_map_len(out, len32(attributes.len(), path)?))?;
            for (name, t) in attributes {
                w(rmp::encode::write_str(out, name))?;
                path.push(PathStep::Attribute(name.clone()));
                // A struct has a handful of fields: a linear search beats building an index.
                match entries.iter_mut().find(|(k, _)| k == name) {
                    Some((_, raw)) => stream(std::mem::replace(raw, Raw::Null), t, path, out)?,
                    None => w(rmp::encode::write_nil(out))?,
                }
                path.pop();
            }
            Ok(())
        }
        (raw, ty) => {
            let v = shape(raw, ty, path)?;
            encode_at(out, &v, ty, path)
        }
    }
}

/// What serde told us, before the schema type is applied.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    U128(u128),
    F32(f32),
    F64(f64),
    Number(Number),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(String, Raw)>),
}

impl Raw {
    fn kind(&self) -> &'static str {
        match self {
            Raw::Null => "null",
            Raw::Bool(_) => "bool",
            Raw::Int(_) | Raw::U128(_) | Raw::F32(_) | Raw::F64(_) | Raw::Number(_) => "number",
            Raw::Str(_) => "string",
            Raw::Seq(_) => "sequence",
            Raw::Map(_) => "map or struct",
        }
    }
}

fn mismatch(path: &AttributePath, ty: &Type, raw: &Raw) -> ValueError {
    ValueError::type_at(path, format!("expected {ty}, found {}", raw.kind()))
}

/// The number a raw scalar stands for, if it is one.
fn raw_number(raw: Raw, path: &AttributePath) -> Result<Result<Number, Raw>, ValueError> {
    let at = |e: ValueError| e.with_path(path.clone());
    Ok(Ok(match raw {
        Raw::Int(i) => Number::from(i),
        Raw::U128(u) => Number::from(u),
        Raw::F32(f) => Number::try_from(f).map_err(at)?,
        Raw::F64(f) => Number::try_from(f).map_err(at)?,
        Raw::Number(n) => n,
        other => return Ok(Err(other)),
    }))
}

fn shape(raw: Raw, ty: &Type, path: &mut AttributePath) -> Result<Value, ValueError> {
    if let Raw::Null = raw {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => shape_dynamic(raw, path),
        Type::String => match raw_number(raw, path)? {
            Ok(n) => Ok(Value::String(n.to_string())),
            Err(Raw::Str(s)) => Ok(Value::String(s)),
            Err(Raw::Bool(b)) => Ok(Value::String(b.to_string())),
            Err(other) => Err(mismatch(path, ty, &other)),
        },
        Type::Number => match raw_number(raw, path)? {
            Ok(n) => Ok(Value::Number(n)),
            Err(Raw::Str(s)) => s.parse().map(Value::Number).map_err(|e: ValueError| e.with_path(path.clone())),
            Err(other) => Err(mismatch(path, ty, &other)),
        },
        Type::Bool => match raw {
            Raw::Bool(b) => Ok(Value::Bool(b)),
            other => Err(mismatch(path, ty, &other)),
        },
        Type::List(t) | Type::Set(t) => {
            let Raw::Seq(items) = raw else {
                return Err(mismatch(path, ty, &raw));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(shape(item, t, path)?);
                path.pop();
            }
            Ok(if matches!(ty, Type::Set(_)) { Value::Set(canonical_set(out)) } else { Value::List(out) })
        }
        Type::Tuple(types) => {
            let Raw::Seq(items) = raw else {
                return Err(mismatch(path, ty, &raw));
            };
            if items.len() != types.len() {
                return Err(ValueError::type_at(path, format!("expected {ty}, found {} elements", items.len())));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, t)) in items.into_iter().zip(types).enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(shape(item, t, path)?);
                path.pop();
            }
            Ok(Value::Tuple(out))
        }
        Type::Map(t) => {
            let Raw::Map(entries) = raw else {
                return Err(mismatch(path, ty, &raw));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                path.push(PathStep::ElementKeyString(k.clone()));
                let v = shape(v, t, path)?;
                path.pop();
                out.insert(k, v);
            }
            Ok(Value::Map(out))
        }
        Type::Object { attributes, .. } => {
            let Raw::Map(entries) = raw else {
                return Err(mismatch(path, ty, &raw));
            };
            // Keys move from the serialized entries; only attributes the value lacks are cloned
            // from the schema (a result of thousands of objects would otherwise allocate every
            // key twice).
            let mut out: BTreeMap<String, Value> = BTreeMap::new();
            for (k, v) in entries {
                path.push(PathStep::Attribute(k.clone()));
                let Some(t) = attributes.get(&k) else {
                    return Err(ValueError::type_at(path, format!("the schema has no attribute {k:?}")));
                };
                let v = shape(v, t, path)?;
                path.pop();
                out.insert(k, v);
            }
            if out.len() < attributes.len() {
                for k in attributes.keys() {
                    if !out.contains_key(k) {
                        out.insert(k.clone(), Value::Null);
                    }
                }
            }
            Ok(Value::Object(out))
        }
    }
}

fn shape_dynamic(raw: Raw, path: &mut AttributePath) -> Result<Value, ValueError> {
    Ok(match raw_number(raw, path)? {
        Ok(n) => Value::Number(n),
        Err(Raw::Null) => Value::Null,
        Err(Raw::Bool(b)) => Value::Bool(b),
        Err(Raw::Str(s)) => Value::String(s),
        Err(Raw::Seq(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(shape_dynamic(item, path)?);
                path.pop();
            }
            Value::Tuple(out)
        }
        Err(Raw::Map(entries)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                path.push(PathStep::Attribute(k.clone()));
                let v = shape_dynamic(v, path)?;
                path.pop();
                out.insert(k, v);
            }
            Value::Object(out)
        }
        // raw_number took every numeric form.
        Err(other) => {
            return Err(ValueError::type_at(path, format!("unexpected {}", other.kind())));
        }
    })
}

/// Serialization error before any path is known (paths are added while shaping).
#[derive(Debug)]
struct SerError(ValueError);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(ValueError::Other { path: AttributePath::root(), message: msg.to_string() })
    }
}

struct RawSer;

impl ser::Serializer for RawSer {
    type Ok = Raw;
    type Error = SerError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantBuilder<MapBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Raw, SerError> {
        Ok(Raw::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_i128(self, v: i128) -> Result<Raw, SerError> {
        Ok(Raw::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Raw, SerError> {
        Ok(Raw::Int(v.into()))
    }
    fn serialize_u128(self, v: u128) -> Result<Raw, SerError> {
        Ok(Raw::U128(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Raw, SerError> {
        Ok(Raw::F32(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Raw, SerError> {
        Ok(Raw::F64(v))
    }
    fn serialize_char(self, v: char) -> Result<Raw, SerError> {
        Ok(Raw::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Raw, SerError> {
        Ok(Raw::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Raw, SerError> {
        Ok(Raw::Seq(v.iter().map(|b| Raw::Int((*b).into())).collect()))
    }
    fn serialize_none(self) -> Result<Raw, SerError> {
        Ok(Raw::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Raw, SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Raw, SerError> {
        Ok(Raw::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Raw, SerError> {
        Ok(Raw::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Raw, SerError> {
        Ok(Raw::Str(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<Raw, SerError> {
        let inner = value.serialize(self)?;
        if name != NUMBER_TOKEN {
            return Ok(inner);
        }
        // `Number` sends its exact form; keep it a number even in dynamic positions,
        // where a bare string would otherwise stay a string.
        Ok(match inner {
            Raw::Str(s) => Raw::Number(s.parse().map_err(SerError)?),
            other => other,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Raw, SerError> {
        Ok(Raw::Map(vec![(variant.to_owned(), value.serialize(self)?)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, SerError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>, SerError> {
        Ok(VariantBuilder(variant, SeqBuilder(Vec::with_capacity(len))))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, SerError> {
        Ok(MapBuilder { entries: Vec::with_capacity(len.unwrap_or(0)), key: None })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, SerError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<MapBuilder>, SerError> {
        Ok(VariantBuilder(variant, self.serialize_map(Some(len))?))
    }
}

struct SeqBuilder(Vec<Raw>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Raw;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.0.push(value.serialize(RawSer)?);
        Ok(())
    }
    fn end(self) -> Result<Raw, SerError> {
        Ok(Raw::Seq(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Raw;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Raw, SerError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Raw;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Raw, SerError> {
        ser::SerializeSeq::end(self)
    }
}

struct MapBuilder {
    entries: Vec<(String, Raw)>,
    key: Option<String>,
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Raw;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.key = Some(key.serialize(KeySer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self.key.take().ok_or_else(|| ser::Error::custom("map value serialized before its key"))?;
        self.entries.push((key, value.serialize(RawSer)?));
        Ok(())
    }
    fn end(self) -> Result<Raw, SerError> {
        Ok(Raw::Map(self.entries))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Raw;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        self.entries.push((key.to_owned(), value.serialize(RawSer)?));
        Ok(())
    }
    fn end(self) -> Result<Raw, SerError> {
        Ok(Raw::Map(self.entries))
    }
}

/// An enum variant with content: `{variant: content}`, serde's external tagging.
struct VariantBuilder<B>(&'static str, B);

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Raw;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(&mut self.1, value)
    }
    fn end(self) -> Result<Raw, SerError> {
        Ok(Raw::Map(vec![(self.0.to_owned(), Raw::Seq(self.1.0))]))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<MapBuilder> {
    type Ok = Raw;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.1, key, value)
    }
    fn end(self) -> Result<Raw, SerError> {
        Ok(Raw::Map(vec![(self.0.to_owned(), Raw::Map(self.1.entries))]))
    }
}

/// Map keys: strings, or scalars written as text (Terraform map keys are strings).
struct KeySer;

fn key_error() -> SerError {
    ser::Error::custom("map keys must be strings, numbers, bools or unit enum variants")
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = SerError;
    type SerializeSeq = Impossible<String, SerError>;
    type SerializeTuple = Impossible<String, SerError>;
    type SerializeTupleStruct = Impossible<String, SerError>;
    type SerializeTupleVariant = Impossible<String, SerError>;
    type SerializeMap = Impossible<String, SerError>;
    type SerializeStruct = Impossible<String, SerError>;
    type SerializeStructVariant = Impossible<String, SerError>;

    fn serialize_bool(self, v: bool) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, SerError> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, SerError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, SerError> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, SerError> {
        Err(key_error())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, SerError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::value::{from_value, msgpack};

    fn n(s: &str) -> Value {
        Value::Number(s.parse().unwrap())
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Account {
        id: String,
        email: Option<String>,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Org {
        name: String,
        parent_ids: Vec<String>,
        tags: HashMap<String, String>,
        accounts: Vec<Account>,
        ports: Vec<u16>,
        budget: Option<Number>,
        ratio: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<String>,
    }

    fn org_type() -> Type {
        Type::object([
            ("name", Type::String),
            ("parent_ids", Type::list(Type::String)),
            ("tags", Type::map(Type::String)),
            ("accounts", Type::set(Type::object([("id", Type::String), ("email", Type::String)]))),
            ("ports", Type::set(Type::Number)),
            ("budget", Type::Number),
            ("ratio", Type::Number),
            ("skipped", Type::String),
            ("computed", Type::String),
        ])
    }

    fn org() -> Org {
        Org {
            name: "root".into(),
            parent_ids: vec!["r-2".into(), "r-1".into()],
            tags: [("env".to_owned(), "prod".to_owned())].into(),
            accounts: vec![
                Account { id: "b".into(), email: None },
                Account { id: "a".into(), email: Some("a@x".into()) },
            ],
            ports: vec![443, 80, 443],
            budget: Some("12345678901234567890.123456789".parse().unwrap()),
            ratio: 0.1,
            skipped: None,
        }
    }

    #[test]
    fn shapes_by_schema() {
        let v = to_value(&org(), &org_type()).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("name", Value::from("root")),
                ("parent_ids", Value::List(vec!["r-2".into(), "r-1".into()])),
                ("tags", Value::map([("env", Value::from("prod"))])),
                (
                    "accounts",
                    Value::set([
                        Value::object([("id", Value::from("a")), ("email", Value::from("a@x"))]),
                        Value::object([("id", Value::from("b")), ("email", Value::Null)]),
                    ])
                ),
                ("ports", Value::Set(vec![n("80"), n("443")])),
                ("budget", n("12345678901234567890.123456789")),
                ("ratio", n("0.1")),
                ("skipped", Value::Null),
                ("computed", Value::Null),
            ])
        );
        v.conforms(&org_type()).unwrap();
        // And back again through the wire.
        let bytes = msgpack::encode(&v, &org_type()).unwrap();
        let back: Org = from_value(&msgpack::decode(&bytes, &org_type()).unwrap()).unwrap();
        assert_eq!(back.budget, org().budget);
        assert_eq!(back.ports, vec![80, 443]);
    }

    #[test]
    fn streamed_msgpack_is_the_encoding_of_the_shaped_value() {
        #[derive(Serialize)]
        struct Result {
            org: Org,
            orgs: Vec<Org>,
            none: Option<Vec<Account>>,
            dynamic: serde_json::Value,
        }
        let ty = Type::object([
            ("org", org_type()),
            ("orgs", Type::list(org_type())),
            ("none", Type::list(Type::object([("id", Type::String), ("email", Type::String)]))),
            ("dynamic", Type::Dynamic),
        ]);
        let result = || Result {
            org: org(),
            orgs: vec![org(), Org { name: "second".into(), accounts: Vec::new(), ..org() }],
            none: None,
            dynamic: serde_json::json!({"k": [1, "two"]}),
        };
        let want = msgpack::encode(&to_value(&result(), &ty).unwrap(), &ty).unwrap();
        assert_eq!(to_msgpack(result(), &ty).unwrap(), want);

        // The same errors, at the same paths.
        let t = Type::object([("accounts", Type::list(Type::object([("id", Type::Number)])))]);
        let bad = serde_json::json!({"accounts": [{"id": 1}, {"id": "x"}]});
        assert_eq!(to_msgpack(&bad, &t).unwrap_err().path().to_string(), "accounts[1].id");
        let extra = serde_json::json!({"accounts": [{"id": 1, "bogus": true}]});
        assert_eq!(to_msgpack(&extra, &t).unwrap_err().path().to_string(), "accounts[0].bogus");
    }

    #[test]
    fn streamed_objects_in_any_field_order() {
        // The type's order is a, b, c, d; the structs give their fields in others, or leave some out.
        #[derive(Serialize)]
        struct Inner {
            z: String,
            y: Vec<String>,
        }
        #[derive(Serialize)]
        struct InOrder {
            a: String,
            b: Vec<Inner>,
            c: Option<i64>,
            d: bool,
        }
        #[derive(Serialize)]
        struct Reversed {
            d: bool,
            c: Option<i64>,
            b: Vec<Inner>,
            a: String,
        }
        #[derive(Serialize)]
        struct Gaps {
            a: String,
            c: Option<i64>,
            b: Vec<Inner>,
        }
        let ty = Type::object([
            ("a", Type::String),
            ("b", Type::list(Type::object([("y", Type::list(Type::String)), ("z", Type::String)]))),
            ("c", Type::Number),
            ("d", Type::Bool),
        ]);
        let inner = || vec![Inner { z: "z1".into(), y: vec!["y1".into()] }, Inner { z: "z2".into(), y: Vec::new() }];
        fn same<T: Serialize>(v: &T, ty: &Type) {
            let want = msgpack::encode(&to_value(v, ty).unwrap(), ty).unwrap();
            assert_eq!(to_msgpack(v, ty).unwrap(), want);
        }
        same(&InOrder { a: "a".into(), b: inner(), c: Some(3), d: true }, &ty);
        same(&Reversed { d: false, c: None, b: inner(), a: "a".into() }, &ty);
        same(&Gaps { a: "a".into(), c: Some(-1), b: inner() }, &ty);
        same(&Vec::<InOrder>::new(), &Type::list(ty.clone()));

        // A field held back because it came out of order still fails at its own path.
        #[derive(Serialize)]
        struct Bad {
            c: i64,
            b: Vec<serde_json::Value>,
        }
        let bad = Bad { c: 1, b: vec![serde_json::json!({"z": "ok"}), serde_json::json!({"z": [1]})] };
        assert_eq!(to_msgpack(&bad, &ty).unwrap_err().path().to_string(), "b[1].z");
        #[derive(Serialize)]
        struct Extra {
            a: String,
            e: bool,
        }
        let extra = Extra { a: "a".into(), e: true };
        assert_eq!(to_msgpack(&extra, &ty).unwrap_err().path().to_string(), "e");
    }

    #[test]
    fn errors_have_paths() {
        #[derive(Serialize)]
        struct Extra {
            name: String,
            bogus: bool,
        }
        let t = Type::object([("name", Type::String)]);
        let err = to_value(&Extra { name: "x".into(), bogus: true }, &t).unwrap_err();
        assert_eq!(err.path().to_string(), "bogus");

        let t = Type::object([("tags", Type::map(Type::Number))]);
        let mut tags = BTreeMap::new();
        tags.insert("env", "prod");
        let err = to_value(&HashMap::from([("tags", tags)]), &t).unwrap_err();
        assert_eq!(err.path().to_string(), "tags[\"env\"]");

        let t = Type::object([("accounts", Type::list(Type::object([("id", Type::Number)])))]);
        let val = serde_json::json!({"accounts": [{"id": 1}, {"id": 2}, {"id": f64::NAN}]});
        // serde_json turns NaN into null, so build the NaN case from a Rust struct instead.
        assert!(to_value(&val, &t).is_ok());
        #[derive(Serialize)]
        struct Acc {
            id: f64,
        }
        #[derive(Serialize)]
        struct Accs {
            accounts: Vec<Acc>,
        }
        let accs = Accs { accounts: vec![Acc { id: 1.0 }, Acc { id: 2.0 }, Acc { id: f64::INFINITY }] };
        let err = to_value(&accs, &t).unwrap_err();
        assert_eq!(err.path().to_string(), "accounts[2].id");

        let err = to_value(&vec!["a"], &Type::tuple([Type::String, Type::String])).unwrap_err();
        assert!(err.to_string().contains("1 elements"), "{err}");
        assert!(to_value(&true, &Type::list(Type::Bool)).is_err());
    }

    #[test]
    fn scalars_and_conversions() {
        assert_eq!(to_value(&None::<String>, &Type::String).unwrap(), Value::Null);
        assert_eq!(to_value(&"1.50", &Type::Number).unwrap(), n("1.5"));
        assert!(to_value(&"abc", &Type::Number).is_err());
        assert_eq!(to_value(&42u8, &Type::String).unwrap(), Value::from("42"));
        assert_eq!(to_value(&true, &Type::String).unwrap(), Value::from("true"));
        assert_eq!(to_value(&u128::MAX, &Type::Number).unwrap(), n("340282366920938463463374607431768211455"));
        assert_eq!(to_value(&0.1f32, &Type::Number).unwrap(), n("0.1"));
        assert_eq!(
            to_value(&("a", 1), &Type::tuple([Type::String, Type::Number])).unwrap(),
            Value::Tuple(vec!["a".into(), n("1")])
        );
        let set: BTreeSet<&str> = ["x", "y"].into();
        assert_eq!(to_value(&set, &Type::set(Type::String)).unwrap(), Value::set(["x".into(), "y".into()]));
    }

    #[test]
    fn dynamic_takes_the_rust_shape() {
        let t = Type::object([("d", Type::Dynamic)]);
        let v =
            to_value(&serde_json::json!({"d": {"list": ["a", 1], "n": 2.5, "big": "x", "none": null}}), &t).unwrap();
        let want = Value::object([(
            "d",
            Value::object([
                ("big", Value::from("x")),
                ("list", Value::Tuple(vec!["a".into(), n("1")])),
                ("n", n("2.5")),
                ("none", Value::Null),
            ]),
        )]);
        assert_eq!(v, want);
        let bytes = msgpack::encode(&v, &t).unwrap();
        assert_eq!(msgpack::decode(&bytes, &t).unwrap(), want);
        // A Number stays a number in a dynamic position.
        let num: Number = "12345678901234567890.5".parse().unwrap();
        assert_eq!(to_value(&num, &Type::Dynamic).unwrap(), Value::Number(num));
    }

    #[test]
    fn enums_round_trip() {
        #[derive(Debug, Serialize, Deserialize, PartialEq)]
        #[serde(rename_all = "snake_case")]
        enum Mode {
            Fast,
            Slow { delay: u32 },
        }
        assert_eq!(to_value(&Mode::Fast, &Type::String).unwrap(), Value::from("fast"));
        let t = Type::object([("slow", Type::object([("delay", Type::Number)])), ("fast", Type::Bool)]);
        let v = to_value(&Mode::Slow { delay: 3 }, &t).unwrap();
        assert_eq!(from_value::<Mode>(&v).unwrap(), Mode::Slow { delay: 3 });
    }
}
