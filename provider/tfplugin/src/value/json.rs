//! cty's JSON value encoding: Terraform's state files and the raw state handed to
//! UpgradeResourceState.
//!
//! Null is `null` at any type; a dynamic position holds `{"value": ..., "type": ...}`;
//! unknown values cannot be written (JSON has no form for them). Numbers keep every digit.

use std::collections::BTreeMap;

use super::jsontext::{self, Json};
use super::{Number, Type, Value, ValueError, canonical_set};
use crate::path::{AttributePath, PathStep};

/// How forgiving [`decode_with`] is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Drop object attributes the type does not declare instead of failing. Raw state
    /// from an older schema version may still carry attributes that were since removed.
    pub ignore_undefined_attributes: bool,
}

/// Decodes JSON text holding a value of type `ty`; undeclared attributes are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    decode_with(bytes, ty, DecodeOptions::default())
}

/// Decodes JSON text holding a value of type `ty`.
///
/// Like cty, primitives are converted where that is safe: a string holding a number or
/// `true`/`false` is read as a number or bool, and numbers and bools are read as
/// strings. Old state files depend on that.
pub fn decode_with(bytes: &[u8], ty: &Type, options: DecodeOptions) -> Result<Value, ValueError> {
    let root = AttributePath::root();
    let tree = jsontext::parse(bytes).map_err(|e| ValueError::json_at(&root, e.to_string()))?;
    from_tree(&tree, ty, &mut AttributePath::root(), options)
}

/// Encodes `value` of type `ty` as JSON text. Unknown values are an error.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    write_value(&mut out, value, ty, &mut AttributePath::root())?;
    Ok(out)
}

fn mismatch(path: &AttributePath, ty: &Type, j: &Json) -> ValueError {
    ValueError::json_at(path, format!("expected {ty}, found a JSON {}", j.kind()))
}

fn from_tree(j: &Json, ty: &Type, path: &mut AttributePath, options: DecodeOptions) -> Result<Value, ValueError> {
    if let Json::Null = j {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => {
            let Json::Object(members) = j else {
                return Err(ValueError::json_at(path, "a dynamic value must be an object with \"value\" and \"type\""));
            };
            let mut value = None;
            let mut type_json = None;
            for (k, v) in members {
                match k.as_str() {
                    "value" => value = Some(v),
                    "type" => type_json = Some(v),
                    other => {
                        return Err(ValueError::json_at(path, format!("unexpected key {other:?} in a dynamic value")));
                    }
                }
            }
            let (Some(value), Some(type_json)) = (value, type_json) else {
                return Err(ValueError::json_at(path, "a dynamic value needs both \"value\" and \"type\""));
            };
            let concrete =
                Type::from_json_tree(type_json).map_err(|e| ValueError::json_at(path, format!("bad type: {e}")))?;
            from_tree(value, &concrete, path, options)
        }
        Type::String => match j {
            Json::String(s) => Ok(Value::String(s.clone())),
            Json::Number(text) => Ok(Value::String(parse_number(text, path)?.to_string())),
            Json::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch(path, ty, j)),
        },
        Type::Number => match j {
            Json::Number(text) | Json::String(text) => parse_number(text, path).map(Value::Number),
            _ => Err(mismatch(path, ty, j)),
        },
        Type::Bool => match j {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) if s == "true" => Ok(Value::Bool(true)),
            Json::String(s) if s == "false" => Ok(Value::Bool(false)),
            _ => Err(mismatch(path, ty, j)),
        },
        Type::List(t) | Type::Set(t) => {
            let Json::Array(items) = j else {
                return Err(mismatch(path, ty, j));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(from_tree(item, t, path, options)?);
                path.pop();
            }
            Ok(if matches!(ty, Type::Set(_)) { Value::Set(canonical_set(out)) } else { Value::List(out) })
        }
        Type::Tuple(types) => {
            let Json::Array(items) = j else {
                return Err(mismatch(path, ty, j));
            };
            if items.len() != types.len() {
                return Err(ValueError::json_at(path, format!("expected {ty}, found {} elements", items.len())));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, t)) in items.iter().zip(types).enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(from_tree(item, t, path, options)?);
                path.pop();
            }
            Ok(Value::Tuple(out))
        }
        Type::Map(t) => {
            let Json::Object(members) = j else {
                return Err(mismatch(path, ty, j));
            };
            let mut out = BTreeMap::new();
            for (k, v) in members {
                path.push(PathStep::ElementKeyString(k.clone()));
                out.insert(k.clone(), from_tree(v, t, path, options)?);
                path.pop();
            }
            Ok(Value::Map(out))
        }
        Type::Object { attributes, .. } => {
            let Json::Object(members) = j else {
                return Err(mismatch(path, ty, j));
            };
            let mut out = BTreeMap::new();
            for (k, v) in members {
                path.push(PathStep::Attribute(k.clone()));
                match attributes.get(k) {
                    Some(t) => {
                        out.insert(k.clone(), from_tree(v, t, path, options)?);
                    }
                    None if options.ignore_undefined_attributes => {}
                    None => {
                        return Err(ValueError::json_at(path, format!("unsupported attribute {k:?}")));
                    }
                }
                path.pop();
            }
            for name in attributes.keys() {
                if !out.contains_key(name) {
                    out.insert(name.clone(), Value::Null);
                }
            }
            Ok(Value::Object(out))
        }
    }
}

fn parse_number(text: &str, path: &AttributePath) -> Result<Number, ValueError> {
    text.parse::<Number>().map_err(|e| ValueError::json_at(path, e.message()))
}

fn write_value(out: &mut Vec<u8>, value: &Value, ty: &Type, path: &mut AttributePath) -> Result<(), ValueError> {
    match (value, ty) {
        (Value::Unknown, _) => Err(ValueError::Unknown { path: path.clone() }),
        (Value::Null, _) => {
            out.extend_from_slice(b"null");
            Ok(())
        }
        (_, Type::Dynamic) => {
            let concrete = value.implied_type().map_err(|e| {
                let mut full = path.clone();
                full.steps.extend(e.path().steps.iter().cloned());
                e.with_path(full)
            })?;
            out.extend_from_slice(b"{\"value\":");
            write_value(out, value, &concrete, path)?;
            out.extend_from_slice(b",\"type\":");
            out.extend_from_slice(&concrete.to_json());
            out.push(b'}');
            Ok(())
        }
        (Value::String(s), Type::String) => {
            jsontext::write_string(out, s);
            Ok(())
        }
        (Value::Number(n), Type::Number) => {
            out.extend_from_slice(n.to_string().as_bytes());
            Ok(())
        }
        (Value::Bool(b), Type::Bool) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(())
        }
        (Value::List(items), Type::List(t)) | (Value::Set(items), Type::Set(t)) => {
            write_array(out, items.iter().map(|v| (v, &**t)), path)
        }
        (Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(ValueError::type_at(
                    path,
                    format!("expected {ty}, found a tuple of {} elements", items.len()),
                ));
            }
            write_array(out, items.iter().zip(types), path)
        }
        (Value::Map(m), Type::Map(t)) => {
            out.push(b'{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                jsontext::write_string(out, k);
                out.push(b':');
                path.push(PathStep::ElementKeyString(k.clone()));
                write_value(out, v, t, path)?;
                path.pop();
            }
            out.push(b'}');
            Ok(())
        }
        (Value::Object(m), Type::Object { attributes, .. }) => {
            if let Some(extra) = m.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(ValueError::type_at(
                    &path.child(PathStep::Attribute(extra.clone())),
                    format!("unsupported attribute {extra:?}"),
                ));
            }
            out.push(b'{');
            for (i, (name, t)) in attributes.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                jsontext::write_string(out, name);
                out.push(b':');
                path.push(PathStep::Attribute(name.clone()));
                write_value(out, m.get(name).unwrap_or(&Value::Null), t, path)?;
                path.pop();
            }
            out.push(b'}');
            Ok(())
        }
        _ => Err(ValueError::type_at(path, format!("expected {ty}, found {}", value.kind()))),
    }
}

fn write_array<'v>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = (&'v Value, &'v Type)>,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    out.push(b'[');
    for (i, (v, t)) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        path.push(PathStep::ElementKeyInt(i as i64));
        write_value(out, v, t, path)?;
        path.pop();
    }
    out.push(b']');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Value {
        Value::Number(s.parse().unwrap())
    }

    fn text(v: &Value, t: &Type) -> String {
        String::from_utf8(encode(v, t).unwrap()).unwrap()
    }

    #[test]
    fn decodes_state_like_json() {
        let t = Type::object([
            ("id", Type::String),
            ("count", Type::Number),
            ("enabled", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("ids", Type::set(Type::String)),
            ("pair", Type::tuple([Type::String, Type::Number])),
            ("gone", Type::String),
        ]);
        let src = br#"{"id":"a-1","count":3,"enabled":true,"tags":{"env":"prod"},
                       "ids":["b","a"],"pair":["x",1.5]}"#;
        assert_eq!(
            decode(src, &t).unwrap(),
            Value::object([
                ("id", Value::from("a-1")),
                ("count", n("3")),
                ("enabled", Value::Bool(true)),
                ("tags", Value::map([("env", Value::from("prod"))])),
                ("ids", Value::set(["a".into(), "b".into()])),
                ("pair", Value::Tuple(vec!["x".into(), n("1.5")])),
                ("gone", Value::Null),
            ])
        );
    }

    #[test]
    fn big_numbers_keep_every_digit() {
        let t = Type::list(Type::Number);
        let src = b"[12345678901234567890.123456789, 1180591620717411303424, 1e-30, -0.0, 1.50]";
        assert_eq!(
            decode(src, &t).unwrap(),
            Value::List(vec![
                n("12345678901234567890.123456789"),
                n("1180591620717411303424"),
                n("0.000000000000000000000000000001"),
                n("0"),
                n("1.5"),
            ])
        );
        let v = decode(src, &t).unwrap();
        assert_eq!(
            text(&v, &t),
            "[12345678901234567890.123456789,1180591620717411303424,0.000000000000000000000000000001,0,1.5]"
        );
    }

    #[test]
    fn dynamic_values() {
        let t = Type::object([("d", Type::Dynamic)]);
        let src = br#"{"d":{"type":["object",{"a":"number","b":["list","string"]}],
                       "value":{"a":99999999999999999999.5,"b":["x"]}}}"#;
        let want = Value::object([(
            "d",
            Value::object([("a", n("99999999999999999999.5")), ("b", Value::List(vec!["x".into()]))]),
        )]);
        assert_eq!(decode(src, &t).unwrap(), want);
        assert_eq!(
            text(&want, &t),
            r#"{"d":{"value":{"a":99999999999999999999.5,"b":["x"]},"type":["object",{"a":"number","b":["list","string"]}]}}"#
        );
        assert_eq!(decode(br#"{"d":null}"#, &t).unwrap(), Value::object([("d", Value::Null)]));
        assert_eq!(text(&Value::object([("d", Value::Null)]), &t), r#"{"d":null}"#);
        assert!(decode(br#"{"d":"bare"}"#, &t).is_err());
        assert!(decode(br#"{"d":{"value":1}}"#, &t).is_err());
        assert!(decode(br#"{"d":{"value":1,"type":"number","x":1}}"#, &t).is_err());
    }

    #[test]
    fn primitive_conversions_like_cty() {
        assert_eq!(decode(br#""42.50""#, &Type::Number).unwrap(), n("42.5"));
        assert_eq!(decode(b"42.50", &Type::String).unwrap(), Value::from("42.5"));
        assert_eq!(decode(b"true", &Type::String).unwrap(), Value::from("true"));
        assert_eq!(decode(br#""false""#, &Type::Bool).unwrap(), Value::Bool(false));
        assert!(decode(br#""nope""#, &Type::Number).is_err());
        assert!(decode(br#""yes""#, &Type::Bool).is_err());
        assert!(decode(b"[]", &Type::String).is_err());
    }

    #[test]
    fn undefined_attributes() {
        let t = Type::object([("a", Type::String)]);
        let src = br#"{"a":"x","removed":{"deep":[1]}}"#;
        let err = decode(src, &t).unwrap_err();
        assert_eq!(err.path().to_string(), "removed");
        let lenient = DecodeOptions { ignore_undefined_attributes: true };
        assert_eq!(decode_with(src, &t, lenient).unwrap(), Value::object([("a", Value::from("x"))]));
    }

    #[test]
    fn errors_carry_paths() {
        let t = Type::object([("accounts", Type::list(Type::object([("id", Type::Number)])))]);
        let src = br#"{"accounts":[{"id":1},{"id":2},{"id":"x"}]}"#;
        assert_eq!(decode(src, &t).unwrap_err().path().to_string(), "accounts[2].id");
        let v = Value::object([("accounts", Value::List(vec![Value::object([("id", Value::Unknown)])]))]);
        let err = encode(&v, &t).unwrap_err();
        assert_eq!(err.to_string(), "value at accounts[0].id is not known yet");
        assert!(decode(b"{", &t).is_err());
    }

    #[test]
    fn encodes_strings_and_nulls() {
        let t = Type::object([("s", Type::String), ("n", Type::Number), ("m", Type::map(Type::Bool))]);
        let v = Value::object([("s", Value::from("a\"b\n")), ("m", Value::map([("k", Value::Bool(false))]))]);
        let out = text(&v, &t);
        assert_eq!(out, r#"{"m":{"k":false},"n":null,"s":"a\"b\n"}"#);
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["s"], "a\"b\n");
    }
}
