//! Entry points for hostile input, shared by the libFuzzer targets in `fuzz/` (nightly, run by
//! hand) and the stable tests that replay their corpora and run property tests on every CI run.
//!
//! Each takes arbitrary bytes and runs them through a decoder. Bad input must come back as a
//! [`ValueError`]; these functions panic only when an invariant breaks (a decoded value that
//! does not survive its own encoding), which is exactly what a fuzzer should report.
//! Compiled for tests and with the `fuzzing` feature only.

use super::json::{self, DecodeOptions};
use super::{Number, Type, Value, ValueError, msgpack};

/// A type shaped like a provider schema (every kind of attribute), so the fixed-type paths are
/// exercised as well as the self-describing dynamic ones.
pub fn schema_type() -> Type {
    Type::object_with_optional(
        [
            ("id", Type::String),
            ("count", Type::Number),
            ("enabled", Type::Bool),
            ("ids", Type::list(Type::String)),
            ("set", Type::set(Type::Number)),
            ("tags", Type::map(Type::String)),
            (
                "nested",
                Type::object([("name", Type::String), ("items", Type::list(Type::object([("n", Type::Number)])))]),
            ),
            ("pair", Type::tuple([Type::String, Type::Bool])),
            ("any", Type::Dynamic),
            ("sets", Type::set(Type::set(Type::Dynamic))),
        ],
        ["tags"],
    )
}

/// The msgpack decoder (`DynamicValue.msgpack`), as a dynamic value and as [`schema_type`].
pub fn msgpack(data: &[u8]) {
    for ty in [Type::Dynamic, schema_type()] {
        if let Ok(v) = msgpack::decode(data, &ty) {
            msgpack_round_trip(&v, &ty);
        }
    }
}

/// The JSON value decoder (state, UpgradeResourceState), strict and lenient, and the type
/// decoder on the same text.
pub fn json(data: &[u8]) {
    for ty in [Type::Dynamic, schema_type()] {
        if let Ok(v) = json::decode(data, &ty) {
            json_round_trip(&v, &ty);
            msgpack_round_trip(&v, &ty);
        }
        let lenient = DecodeOptions { ignore_undefined_attributes: true };
        if let Ok(v) = json::decode_with(data, &ty, lenient) {
            json_round_trip(&v, &ty);
        }
    }
    if let Ok(t) = Type::from_json(data) {
        assert_eq!(Type::from_json(&t.to_json()).expect("a type's own JSON decodes"), t);
    }
}

/// Number text (msgpack's string form, JSON's number tokens): what parses prints back to
/// itself, converts consistently and crosses both encodings exactly.
pub fn number(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(n) = text.parse::<Number>() else { return };
    let printed = n.to_string();
    assert_eq!(printed.parse::<Number>().expect("a printed number parses"), n, "{printed}");
    if let Some(i) = n.to_i64() {
        assert_eq!(Number::from(i), n);
    }
    if let Some(u) = n.to_u64() {
        assert_eq!(Number::from(u), n);
    }
    if let Some(i) = n.to_i128() {
        assert_eq!(Number::from(i), n);
    }
    if let Some(u) = n.to_u128() {
        assert_eq!(Number::from(u), n);
    }
    if let Some(f) = n.to_f64_exact() {
        assert_eq!(Number::try_from(f).expect("finite"), n);
    }
    if let Some(f) = n.to_f32_exact() {
        assert_eq!(Number::try_from(f).expect("finite"), n);
    }
    let _ = n.to_f64();
    let v = Value::Number(n);
    msgpack_round_trip(&v, &Type::Number);
    json_round_trip(&v, &Type::Number);
    // The text itself as msgpack's string form of a number.
    let mut as_str = Vec::new();
    if rmp::encode::write_str(&mut as_str, text).is_ok() {
        assert_eq!(msgpack::decode(&as_str, &Type::Number).expect("the same text as a msgpack str"), v);
    }
}

/// Re-encoding a decoded value as the same type gives it back. A dynamic part is re-encoded
/// as the type its value implies, which may not exist when the wire named `dynamic` elements
/// of differing types (`["list","dynamic"]`): that is refused as a type error, never a panic.
fn msgpack_round_trip(v: &Value, ty: &Type) {
    match msgpack::encode(v, ty) {
        Ok(bytes) => assert_eq!(&msgpack::decode(&bytes, ty).expect("re-encoded msgpack decodes"), v),
        Err(ValueError::Type { .. }) if ty.has_dynamic() => {}
        Err(e) => panic!("a decoded value does not encode again: {e}"),
    }
}

fn json_round_trip(v: &Value, ty: &Type) {
    match json::encode(v, ty) {
        Ok(text) => assert_eq!(&json::decode(&text, ty).expect("re-encoded JSON decodes"), v),
        Err(ValueError::Type { .. }) if ty.has_dynamic() => {}
        // msgpack can carry unknowns, JSON cannot.
        Err(ValueError::Unknown { .. }) if !v.is_wholly_known() => {}
        Err(e) => panic!("a decoded value does not encode again: {e}"),
    }
}

/// Every file of `fuzz/corpus/<target>/`, for the replay tests.
#[cfg(test)]
pub(crate) fn corpus(target: &str) -> std::collections::BTreeMap<String, Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let files: std::collections::BTreeMap<String, Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.file_name().unwrap_or_default().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    assert!(!files.is_empty(), "{} has no seeds", dir.display());
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest values each decoder accepts: `depth` list levels around a string, in a
    /// dynamic pair (msgpack) or a `{"value", "type"}` wrapper (JSON).
    fn deepest(depth: usize) -> (Vec<u8>, Vec<u8>) {
        let mut ty = String::from("\"string\"");
        for _ in 0..depth {
            ty = format!("[\"list\",{ty}]");
        }
        let mut packed = vec![0x92, 0xc5];
        packed.extend_from_slice(&u16::try_from(ty.len()).expect("short type").to_be_bytes());
        packed.extend_from_slice(ty.as_bytes());
        packed.extend(std::iter::repeat_n(0x91, depth));
        packed.extend_from_slice(&[0xa1, b'x']);
        let text = format!("{{\"value\":{}\"x\"{},\"type\":{ty}}}", "[".repeat(depth), "]".repeat(depth));
        (packed, text.into_bytes())
    }

    #[test]
    fn the_deepest_values_decode_on_a_small_stack() {
        // Found while sizing the depth limits: at 256 levels an unoptimised build needed more
        // than the 2 MiB a tokio worker thread has. Half of that is plenty now.
        // Both count containers, the dynamic pair or wrapper object included.
        let in_msgpack = super::super::msgpack::MAX_DEPTH - 1;
        let in_json = super::super::jsontext::MAX_DEPTH - 1;
        let small = std::thread::Builder::new().stack_size(1024 * 1024);
        let run = small
            .spawn(move || {
                let (packed, _) = deepest(in_msgpack);
                assert!(msgpack::decode(&packed, &Type::Dynamic).is_ok());
                super::msgpack(&packed);
                let (_, text) = deepest(in_json);
                assert!(json::decode(&text, &Type::Dynamic).is_ok());
                super::json(&text);
                let (packed, _) = deepest(in_msgpack + 1);
                assert!(msgpack::decode(&packed, &Type::Dynamic).unwrap_err().message().contains("too deeply"));
                let (_, text) = deepest(in_json + 1);
                assert!(json::decode(&text, &Type::Dynamic).unwrap_err().message().contains("too deep"));
            })
            .expect("thread");
        assert!(run.join().is_ok());
    }

    /// Every committed seed (crashes found once included) goes through its target again.
    #[test]
    fn corpora_replay() {
        for (target, run) in [("msgpack", msgpack as fn(&[u8])), ("json", json), ("number", number)] {
            for (name, bytes) in corpus(target) {
                let outcome = std::panic::catch_unwind(|| run(&bytes));
                assert!(outcome.is_ok(), "fuzz/corpus/{target}/{name}");
            }
        }
    }
}
