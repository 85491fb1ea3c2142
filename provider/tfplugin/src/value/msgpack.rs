//! The msgpack encoding Terraform uses for `DynamicValue.msgpack`.
//!
//! Wire facts (from cty's msgpack encoding):
//! - null is nil; unknown is extension type 0 (payload ignored); a *refined* unknown is
//!   extension type 12 whose payload describes the refinements, which we ignore.
//! - numbers are ints when they are integers that fit 64 bits, float64 when the float
//!   is the number by cty's equality (integers exactly; fractions by the float's
//!   shortest decimal form, so 0.1 goes as a float), else the decimal text as a str.
//! - lists, sets and tuples are arrays; maps and objects are maps keyed by str.
//! - a value in a dynamic position is a 2-array `[type JSON, value]` unless null/unknown.

use std::collections::BTreeMap;

use rmp::Marker;

use super::{Number, Type, Value, ValueError, canonical_set};
use crate::path::{AttributePath, PathStep};

/// Extension type of an unknown value.
const EXT_UNKNOWN: i8 = 0;
/// Extension type of an unknown value carrying refinements (Terraform 1.6+).
const EXT_REFINED_UNKNOWN: i8 = 12;
/// Bounds recursion through nested containers (dynamic ones carry types the schema does not
/// fix); the same bound as the JSON decoder's. A nested block is two levels, so real values
/// stay far below it; 256 let a debug build overflow a 2 MiB thread stack (a tokio worker's).
pub(crate) const MAX_DEPTH: usize = 64;

/// Encodes `value` as a value of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    encode_at(&mut out, value, ty, &mut AttributePath::root())?;
    Ok(out)
}

/// Decodes bytes holding a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut r = Reader { buf: bytes, pos: 0, depth: 0 };
    let mut path = AttributePath::root();
    let v = r.value(ty, &mut path)?;
    if r.pos != bytes.len() {
        return Err(ValueError::msgpack_at(&path, format!("{} unexpected bytes after the value", bytes.len() - r.pos)));
    }
    Ok(v)
}

/// Writing into a Vec cannot fail, but rmp's signatures say it could.
pub(super) fn w<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<(), ValueError> {
    r.map(|_| ()).map_err(|e| ValueError::msgpack_at(&AttributePath::root(), e.to_string()))
}

pub(super) fn len32(n: usize, path: &AttributePath) -> Result<u32, ValueError> {
    u32::try_from(n).map_err(|_| ValueError::msgpack_at(path, "too many elements for msgpack"))
}

pub(super) fn encode_at(
    out: &mut Vec<u8>,
    value: &Value,
    ty: &Type,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    match (value, ty) {
        (Value::Null, _) => w(rmp::encode::write_nil(out)),
        (Value::Unknown, _) => {
            w(rmp::encode::write_ext_meta(out, 1, EXT_UNKNOWN))?;
            out.push(0);
            Ok(())
        }
        (_, Type::Dynamic) => {
            let concrete = value.implied_type().map_err(|e| {
                let mut full = path.clone();
                full.steps.extend(e.path().steps.iter().cloned());
                e.with_path(full)
            })?;
            w(rmp::encode::write_array_len(out, 2))?;
            // cty writes the type as bin; it reads bin or str.
            w(rmp::encode::write_bin(out, &concrete.to_json()))?;
            encode_at(out, value, &concrete, path)
        }
        (Value::String(s), Type::String) => w(rmp::encode::write_str(out, s)),
        (Value::Number(n), Type::Number) => encode_number(out, n),
        (Value::Bool(b), Type::Bool) => w(rmp::encode::write_bool(out, *b)),
        (Value::List(items), Type::List(t)) | (Value::Set(items), Type::Set(t)) => {
            w(rmp::encode::write_array_len(out, len32(items.len(), path)?))?;
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                encode_at(out, item, t, path)?;
                path.pop();
            }
            Ok(())
        }
        (Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(ValueError::type_at(
                    path,
                    format!("expected {ty}, found a tuple of {} elements", items.len()),
                ));
            }
            w(rmp::encode::write_array_len(out, len32(items.len(), path)?))?;
            for (i, (item, t)) in items.iter().zip(types).enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                encode_at(out, item, t, path)?;
                path.pop();
            }
            Ok(())
        }
        (Value::Map(m), Type::Map(t)) => {
            w(rmp::encode::write_map_len(out, len32(m.len(), path)?))?;
            for (k, v) in m {
                w(rmp::encode::write_str(out, k))?;
                path.push(PathStep::ElementKeyString(k.clone()));
                encode_at(out, v, t, path)?;
                path.pop();
            }
            Ok(())
        }
        (Value::Object(m), Type::Object { attributes, .. }) => {
            if let Some(extra) = m.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(ValueError::type_at(
                    &path.child(PathStep::Attribute(extra.clone())),
                    format!("unsupported attribute {extra:?}"),
                ));
            }
            // Every attribute of the type goes out, so Terraform never sees a short object.
            w(rmp::encode::write_map_len(out, len32(attributes.len(), path)?))?;
            for (name, t) in attributes {
                w(rmp::encode::write_str(out, name))?;
                path.push(PathStep::Attribute(name.clone()));
                encode_at(out, m.get(name).unwrap_or(&Value::Null), t, path)?;
                path.pop();
            }
            Ok(())
        }
        _ => Err(ValueError::type_at(path, format!("expected {ty}, found {}", value.kind()))),
    }
}

fn encode_number(out: &mut Vec<u8>, n: &Number) -> Result<(), ValueError> {
    if let Some(i) = n.to_i64() {
        if let Ok(u) = u64::try_from(i) {
            w(rmp::encode::write_uint(out, u))
        } else {
            w(rmp::encode::write_sint(out, i))
        }
    } else if let Some(u) = n.to_u64() {
        w(rmp::encode::write_uint(out, u))
    } else if let Some(f) = n.to_f64_exact() {
        w(rmp::encode::write_f64(out, f))
    } else {
        w(rmp::encode::write_str(out, &n.to_string()))
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, path: &AttributePath, msg: impl Into<String>) -> ValueError {
        ValueError::msgpack_at(path, msg)
    }

    fn take(&mut self, n: usize, path: &AttributePath) -> Result<&'a [u8], ValueError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err(path, "unexpected end of data"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, path: &AttributePath) -> Result<[u8; N], ValueError> {
        let s = self.take(N, path)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn marker(&mut self, path: &AttributePath) -> Result<Marker, ValueError> {
        Ok(Marker::from_u8(self.array::<1>(path)?[0]))
    }

    fn peek_marker(&self) -> Option<Marker> {
        self.buf.get(self.pos).map(|b| Marker::from_u8(*b))
    }

    fn len_for(&mut self, bytes: usize, path: &AttributePath) -> Result<usize, ValueError> {
        Ok(match bytes {
            1 => usize::from(self.array::<1>(path)?[0]),
            2 => usize::from(u16::from_be_bytes(self.array::<2>(path)?)),
            _ => u32::from_be_bytes(self.array::<4>(path)?) as usize,
        })
    }

    /// Reads str or bin bytes (cty and our decoders take either where text is wanted).
    fn bytes(&mut self, path: &AttributePath) -> Result<&'a [u8], ValueError> {
        let len = match self.marker(path)? {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 => self.len_for(1, path)?,
            Marker::Str16 | Marker::Bin16 => self.len_for(2, path)?,
            Marker::Str32 | Marker::Bin32 => self.len_for(4, path)?,
            m => return Err(self.err(path, format!("expected a string, found {}", describe(m)))),
        };
        self.take(len, path)
    }

    fn string(&mut self, path: &AttributePath) -> Result<String, ValueError> {
        let b = self.bytes(path)?;
        std::str::from_utf8(b).map(str::to_owned).map_err(|_| self.err(path, "string is not valid UTF-8"))
    }

    fn array_len(&mut self, path: &AttributePath) -> Result<usize, ValueError> {
        match self.marker(path)? {
            Marker::FixArray(n) => Ok(usize::from(n)),
            Marker::Array16 => self.len_for(2, path),
            Marker::Array32 => self.len_for(4, path),
            m => Err(self.err(path, format!("expected an array, found {}", describe(m)))),
        }
    }

    fn map_len(&mut self, path: &AttributePath) -> Result<usize, ValueError> {
        match self.marker(path)? {
            Marker::FixMap(n) => Ok(usize::from(n)),
            Marker::Map16 => self.len_for(2, path),
            Marker::Map32 => self.len_for(4, path),
            m => Err(self.err(path, format!("expected a map, found {}", describe(m)))),
        }
    }

    /// Capacity to reserve for `n` claimed elements: never more than bytes remain, so a
    /// lying length cannot make us allocate gigabytes.
    fn capacity(&self, n: usize) -> usize {
        n.min(self.buf.len() - self.pos)
    }

    /// Runs `f` one container deeper. Containers (and dynamic pairs) are counted, not leaves,
    /// as the JSON decoder counts them, so a value one of them accepts the other does too.
    fn nested<T>(
        &mut self,
        path: &mut AttributePath,
        f: impl FnOnce(&mut Self, &mut AttributePath) -> Result<T, ValueError>,
    ) -> Result<T, ValueError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(path, "value nested too deeply"));
        }
        self.depth += 1;
        let r = f(self, path);
        self.depth -= 1;
        r
    }

    fn value(&mut self, ty: &Type, path: &mut AttributePath) -> Result<Value, ValueError> {
        let Some(marker) = self.peek_marker() else {
            return Err(self.err(path, "unexpected end of data"));
        };
        match marker {
            Marker::Null => {
                self.pos += 1;
                return Ok(Value::Null);
            }
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32 => return self.unknown(path),
            _ => {}
        }
        // One small method per kind: this frame is on the stack once per level of nesting, and
        // unoptimised builds give a match every arm's locals at once.
        match ty {
            Type::Dynamic => self.nested(path, Self::dynamic),
            Type::String => self.string(path).map(Value::String),
            Type::Number => self.number(path).map(Value::Number),
            Type::Bool => match self.marker(path)? {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                m => Err(self.err(path, format!("expected a bool, found {}", describe(m)))),
            },
            Type::List(t) => self.nested(path, |r, path| r.list(t, path)).map(Value::List),
            Type::Set(t) => self.nested(path, |r, path| r.list(t, path)).map(|items| Value::Set(canonical_set(items))),
            Type::Tuple(types) => self.nested(path, |r, path| r.tuple(ty, types, path)),
            Type::Map(t) => self.nested(path, |r, path| r.map(t, path)),
            Type::Object { attributes, .. } => self.nested(path, |r, path| r.object(attributes, path)),
        }
    }

    fn dynamic(&mut self, path: &mut AttributePath) -> Result<Value, ValueError> {
        let n = self.array_len(path)?;
        if n != 2 {
            return Err(self.err(path, format!("a dynamic value is a [type, value] pair, found {n} elements")));
        }
        let type_json = self.bytes(path)?;
        let concrete =
            Type::from_json(type_json).map_err(|e| self.err(path, format!("dynamic value's {}", e.message())))?;
        self.value(&concrete, path)
    }

    fn list(&mut self, t: &Type, path: &mut AttributePath) -> Result<Vec<Value>, ValueError> {
        let n = self.array_len(path)?;
        let mut items = Vec::with_capacity(self.capacity(n));
        for i in 0..n {
            path.push(PathStep::ElementKeyInt(i as i64));
            items.push(self.value(t, path)?);
            path.pop();
        }
        Ok(items)
    }

    fn tuple(&mut self, ty: &Type, types: &[Type], path: &mut AttributePath) -> Result<Value, ValueError> {
        let n = self.array_len(path)?;
        if n != types.len() {
            return Err(self.err(path, format!("expected {ty}, found {n} elements")));
        }
        let mut items = Vec::with_capacity(n);
        for (i, t) in types.iter().enumerate() {
            path.push(PathStep::ElementKeyInt(i as i64));
            items.push(self.value(t, path)?);
            path.pop();
        }
        Ok(Value::Tuple(items))
    }

    fn map(&mut self, t: &Type, path: &mut AttributePath) -> Result<Value, ValueError> {
        let n = self.map_len(path)?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.string(path)?;
            path.push(PathStep::ElementKeyString(k.clone()));
            let v = self.value(t, path)?;
            if m.insert(k, v).is_some() {
                return Err(self.err(path, "duplicate map key"));
            }
            path.pop();
        }
        Ok(Value::Map(m))
    }

    fn object(&mut self, attributes: &BTreeMap<String, Type>, path: &mut AttributePath) -> Result<Value, ValueError> {
        let n = self.map_len(path)?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.string(path)?;
            path.push(PathStep::Attribute(k.clone()));
            let Some(t) = attributes.get(&k) else {
                return Err(self.err(path, format!("unsupported attribute {k:?}")));
            };
            let v = self.value(t, path)?;
            if m.insert(k, v).is_some() {
                return Err(self.err(path, "duplicate attribute"));
            }
            path.pop();
        }
        // Attributes left out are null.
        for name in attributes.keys() {
            if !m.contains_key(name) {
                m.insert(name.clone(), Value::Null);
            }
        }
        Ok(Value::Object(m))
    }

    fn unknown(&mut self, path: &AttributePath) -> Result<Value, ValueError> {
        let len = match self.marker(path)? {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => self.len_for(1, path)?,
            Marker::Ext16 => self.len_for(2, path)?,
            _ => self.len_for(4, path)?,
        };
        let ext_type = i8::from_be_bytes(self.array::<1>(path)?);
        // The payload (refinements such as "not null" or a string prefix) is skipped:
        // we only promise "unknown", which is always a correct, if weaker, reading.
        self.take(len, path)?;
        match ext_type {
            EXT_UNKNOWN | EXT_REFINED_UNKNOWN => Ok(Value::Unknown),
            other => Err(self.err(path, format!("unsupported extension type {other}"))),
        }
    }

    fn number(&mut self, path: &AttributePath) -> Result<Number, ValueError> {
        let Some(marker) = self.peek_marker() else {
            return Err(self.err(path, "unexpected end of data"));
        };
        if matches!(marker, Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32) {
            let s = self.string(path)?;
            return s.parse().map_err(|e: ValueError| e.with_path(path.clone()));
        }
        self.pos += 1;
        Ok(match marker {
            Marker::FixPos(n) => Number::from(u64::from(n)),
            Marker::FixNeg(n) => Number::from(i64::from(n)),
            Marker::U8 => Number::from(u64::from(self.array::<1>(path)?[0])),
            Marker::U16 => Number::from(u64::from(u16::from_be_bytes(self.array(path)?))),
            Marker::U32 => Number::from(u64::from(u32::from_be_bytes(self.array(path)?))),
            Marker::U64 => Number::from(u64::from_be_bytes(self.array(path)?)),
            Marker::I8 => Number::from(i64::from(i8::from_be_bytes(self.array(path)?))),
            Marker::I16 => Number::from(i64::from(i16::from_be_bytes(self.array(path)?))),
            Marker::I32 => Number::from(i64::from(i32::from_be_bytes(self.array(path)?))),
            Marker::I64 => Number::from(i64::from_be_bytes(self.array(path)?)),
            // Like cty, a float32 is widened to float64 first.
            Marker::F32 => float(f64::from(f32::from_be_bytes(self.array(path)?)), path)?,
            Marker::F64 => float(f64::from_be_bytes(self.array(path)?), path)?,
            m => {
                return Err(self.err(path, format!("expected a number, found {}", describe(m))));
            }
        })
    }
}

fn float(f: f64, path: &AttributePath) -> Result<Number, ValueError> {
    Number::try_from(f).map_err(|e| e.with_path(path.clone()))
}

fn describe(m: Marker) -> &'static str {
    match m {
        Marker::Null => "nil",
        Marker::True | Marker::False => "a bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "an integer",
        Marker::F32 | Marker::F64 => "a float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "a string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary data",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "an array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "a map",
        Marker::FixExt1
        | Marker::FixExt2
        | Marker::FixExt4
        | Marker::FixExt8
        | Marker::FixExt16
        | Marker::Ext8
        | Marker::Ext16
        | Marker::Ext32 => "an extension value",
        Marker::Reserved => "the reserved byte 0xc1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Value {
        Value::Number(s.parse().unwrap())
    }

    fn round_trip(v: &Value, t: &Type) {
        let bytes = encode(v, t).unwrap();
        assert_eq!(&decode(&bytes, t).unwrap(), v, "bytes {bytes:02x?}");
    }

    #[test]
    fn known_bytes_primitives() {
        assert_eq!(encode(&Value::Null, &Type::String).unwrap(), [0xc0]);
        assert_eq!(encode(&Value::Unknown, &Type::String).unwrap(), [0xd4, 0x00, 0x00]);
        assert_eq!(encode(&Value::from("x"), &Type::String).unwrap(), [0xa1, b'x']);
        assert_eq!(encode(&Value::Bool(true), &Type::Bool).unwrap(), [0xc3]);
        assert_eq!(encode(&Value::Bool(false), &Type::Bool).unwrap(), [0xc2]);
        assert_eq!(encode(&n("5"), &Type::Number).unwrap(), [0x05]);
        assert_eq!(encode(&n("-1"), &Type::Number).unwrap(), [0xff]);
        assert_eq!(encode(&n("300"), &Type::Number).unwrap(), [0xcd, 0x01, 0x2c]);
        assert_eq!(encode(&n("-200"), &Type::Number).unwrap(), [0xd1, 0xff, 0x38]);
        assert_eq!(
            encode(&n("18446744073709551615"), &Type::Number).unwrap(),
            [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        // 1.5 = 0x3FF8000000000000
        assert_eq!(encode(&n("1.5"), &Type::Number).unwrap(), [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
        // 2^70 does not fit 64 bits; as a float it is exact (cty does the same): 0x4450000000000000
        assert_eq!(encode(&n("1180591620717411303424"), &Type::Number).unwrap(), [0xcb, 0x44, 0x50, 0, 0, 0, 0, 0, 0]);
        // 0.1 is the shortest form of the float 0x3FB999999999999A, so cty calls it equal.
        assert_eq!(encode(&n("0.1"), &Type::Number).unwrap(), [0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]);
        // 2^-30 written out in full is not any float's shortest form: text.
        let exact = "0.000000000931322574615478515625";
        let mut want = vec![0xd9, exact.len() as u8];
        want.extend_from_slice(exact.as_bytes());
        assert_eq!(encode(&n(exact), &Type::Number).unwrap(), want);
        // Not a float: goes out as the decimal text.
        let text = "12345678901234567890.123456789";
        let mut want = vec![0xbe];
        want.extend_from_slice(text.as_bytes());
        assert_eq!(encode(&n(text), &Type::Number).unwrap(), want);
    }

    #[test]
    fn known_bytes_object() {
        let t = Type::object([("a", Type::String), ("b", Type::String)]);
        let v = Value::object([("a", Value::from("x")), ("b", Value::Null)]);
        // fixmap(2) "a" "x" "b" nil
        let want = [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0];
        assert_eq!(encode(&v, &t).unwrap(), want);
        // An absent attribute is sent as null too.
        let short = Value::object([("a", Value::from("x"))]);
        assert_eq!(encode(&short, &t).unwrap(), want);
        assert_eq!(decode(&want, &t).unwrap(), v);
    }

    #[test]
    fn known_bytes_collections_and_dynamic() {
        let t = Type::list(Type::String);
        let v = Value::List(vec!["a".into(), Value::Unknown]);
        assert_eq!(encode(&v, &t).unwrap(), [0x92, 0xa1, b'a', 0xd4, 0, 0]);
        let t = Type::map(Type::Bool);
        let v = Value::map([("k", Value::Bool(true))]);
        assert_eq!(encode(&v, &t).unwrap(), [0x81, 0xa1, b'k', 0xc3]);
        // dynamic "hi": [bin8(8) "\"string\"", "hi"]
        let mut want = vec![0x92, 0xc4, 0x08];
        want.extend_from_slice(b"\"string\"");
        want.extend_from_slice(&[0xa2, b'h', b'i']);
        assert_eq!(encode(&Value::from("hi"), &Type::Dynamic).unwrap(), want);
        assert_eq!(decode(&want, &Type::Dynamic).unwrap(), Value::from("hi"));
        // The type may also come as str.
        let mut as_str = vec![0x92, 0xa8];
        as_str.extend_from_slice(b"\"string\"");
        as_str.extend_from_slice(&[0xa2, b'h', b'i']);
        assert_eq!(decode(&as_str, &Type::Dynamic).unwrap(), Value::from("hi"));
        // A null or unknown dynamic is bare.
        assert_eq!(encode(&Value::Null, &Type::Dynamic).unwrap(), [0xc0]);
        assert_eq!(encode(&Value::Unknown, &Type::Dynamic).unwrap(), [0xd4, 0, 0]);
    }

    #[test]
    fn decodes_other_integer_and_float_forms() {
        let cases: &[(&[u8], &str)] = &[
            (&[0xcc, 0xff], "255"),
            (&[0xd0, 0x80], "-128"),
            (&[0xd2, 0xff, 0xff, 0xff, 0xfe], "-2"),
            (&[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], "-9223372036854775808"),
            (&[0xce, 0, 1, 0, 0], "65536"),
            (&[0xca, 0x3f, 0xc0, 0, 0], "1.5"),
            (&[0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a], "0.1"),
            (&[0xa3, b'1', b'e', b'3'], "1000"),
        ];
        for (bytes, want) in cases {
            assert_eq!(decode(bytes, &Type::Number).unwrap(), n(want), "{bytes:02x?}");
        }
        assert!(decode(&[0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0], &Type::Number).is_err()); // +Inf
        assert!(decode(&[0xa3, b'a', b'b', b'c'], &Type::Number).is_err());
    }

    #[test]
    fn refined_unknown_decodes_as_unknown() {
        // ext8, 4 bytes, type 12, payload: fixmap(1) {1: true} ("definitely not null")
        let bytes = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::Unknown);
        // fixext4, type 12, payload {2: "ab"}: a string-prefix refinement
        let bytes = [0xd6, 0x0c, 0x81, 0x02, 0xa1, b'a'];
        assert_eq!(decode(&bytes, &Type::list(Type::String)).unwrap(), Value::Unknown);
        // nested in an object
        let t = Type::object([("id", Type::String)]);
        let bytes = [0x81, 0xa2, b'i', b'd', 0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(decode(&bytes, &t).unwrap(), Value::object([("id", Value::Unknown)]));
        // Unknown of another extension type is rejected.
        assert!(decode(&[0xd4, 0x05, 0x00], &Type::String).is_err());
    }

    #[test]
    fn unknowns_nested_everywhere() {
        let t = Type::object([
            ("l", Type::list(Type::Number)),
            ("s", Type::set(Type::String)),
            ("m", Type::map(Type::String)),
            ("o", Type::object([("x", Type::Bool)])),
            ("t", Type::tuple([Type::String, Type::Number])),
            ("d", Type::Dynamic),
        ]);
        let v = Value::object([
            ("l", Value::List(vec![Value::Unknown, n("1")])),
            ("s", Value::set([Value::Unknown, "a".into(), Value::Unknown])),
            ("m", Value::map([("a", Value::Unknown), ("b", Value::Null)])),
            ("o", Value::object([("x", Value::Unknown)])),
            ("t", Value::Tuple(vec![Value::Unknown, Value::Null])),
            ("d", Value::List(vec![Value::Unknown, Value::from("q")])),
        ]);
        round_trip(&v, &t);
        round_trip(&Value::Unknown, &t);
        round_trip(&Value::Null, &t);
    }

    #[test]
    fn big_numbers_round_trip_exactly() {
        for s in [
            "1180591620717411303424",
            "1e-30",
            "12345678901234567890.123456789",
            "-12345678901234567890.123456789",
            "0.000000000931322574615478515625",
            "9223372036854775808",
            "-9223372036854775809",
            "0.1",
            "1.5e1000",
            "0",
        ] {
            round_trip(&n(s), &Type::Number);
        }
    }

    #[test]
    fn dynamic_pairs() {
        let t = Type::object([("d", Type::Dynamic)]);
        for d in [
            Value::from("s"),
            n("2"),
            Value::Bool(false),
            Value::List(vec![]),
            Value::List(vec![Value::Null, "x".into()]),
            Value::set([n("1"), n("2")]),
            Value::map([("a", Value::object([("b", Value::Null)]))]),
            Value::Tuple(vec!["a".into(), n("1"), Value::Tuple(vec![])]),
            Value::object([("nested", Value::object([("deep", Value::Unknown)]))]),
        ] {
            round_trip(&Value::object([("d", d)]), &t);
        }
        let bad = Value::List(vec!["a".into(), n("1")]);
        let err = encode(&Value::object([("d", bad)]), &t).unwrap_err();
        assert_eq!(err.path().to_string(), "d[1]");
    }

    #[test]
    fn decode_errors_have_paths() {
        let t = Type::object([("tags", Type::map(Type::String))]);
        // {"tags": {"env": 5}}
        let bytes = [0x81, 0xa4, b't', b'a', b'g', b's', 0x81, 0xa3, b'e', b'n', b'v', 0x05];
        let err = decode(&bytes, &t).unwrap_err();
        assert_eq!(err.path().to_string(), "tags[\"env\"]");
        // unsupported attribute
        let bytes = [0x81, 0xa1, b'z', 0xc0];
        assert_eq!(decode(&bytes, &t).unwrap_err().path().to_string(), "z");
        // truncated, trailing, wrong arity
        assert!(decode(&[0x92, 0xa1], &Type::list(Type::String)).is_err());
        assert!(decode(&[0xc0, 0xc0], &Type::String).is_err());
        assert!(decode(&[0x91, 0xc0], &Type::tuple([Type::String, Type::String])).is_err());
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::String)).is_err());
        // encode mismatch
        let err = encode(&Value::object([("tags", Value::from("x"))]), &t).unwrap_err();
        assert_eq!(err.path().to_string(), "tags");
    }

    #[test]
    fn deeply_nested_dynamic_is_rejected_not_overflowed() {
        // ["\"dynamic\"", ["\"dynamic\"", ...]] many levels deep
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            bytes.extend_from_slice(&[0x92, 0xa9]);
            bytes.extend_from_slice(b"\"dynamic\"");
        }
        bytes.push(0xc0);
        assert!(decode(&bytes, &Type::Dynamic).is_err());
    }

    #[test]
    fn missing_object_attributes_decode_as_null() {
        let t = Type::object([("a", Type::String), ("b", Type::Number)]);
        assert_eq!(decode(&[0x80], &t).unwrap(), Value::object([("a", Value::Null), ("b", Value::Null)]));
    }
}
