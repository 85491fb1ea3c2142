//! Property tests: random types, random values of those types, through both encodings.

use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

use super::{Number, Type, Value, fuzzing, json, msgpack};

fn leaf_type(dynamic: bool) -> BoxedStrategy<Type> {
    if dynamic {
        prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool), Just(Type::Dynamic)].boxed()
    } else {
        prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)].boxed()
    }
}

fn arb_type(dynamic: bool) -> BoxedStrategy<Type> {
    leaf_type(dynamic)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                (btree_map("[a-z_]{1,6}", inner.clone(), 0..4), any::<prop::sample::Index>()).prop_map(
                    |(attributes, pick)| {
                        // Mark at most one attribute optional; values still carry it.
                        let optional =
                            attributes.keys().nth(pick.index(attributes.len().max(1))).cloned().into_iter().collect();
                        Type::Object { attributes, optional }
                    }
                ),
                vec(inner, 0..3).prop_map(Type::Tuple),
            ]
        })
        .boxed()
}

fn arb_number() -> BoxedStrategy<Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| Number::try_from(f).unwrap()),
        (any::<i64>(), -200i64..200).prop_map(|(m, e)| format!("{m}e{e}").parse().unwrap()),
        ("-?[1-9][0-9]{0,40}", "[0-9]{0,40}").prop_map(|(i, f)| format!("{i}.{f}1").parse().unwrap()),
    ]
    .boxed()
}

/// A value of type `ty`; null and (if allowed) unknown may appear at any depth.
fn arb_value(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    let special =
        if unknowns { prop_oneof![Just(Value::Null), Just(Value::Unknown)].boxed() } else { Just(Value::Null).boxed() };
    prop_oneof![1 => special, 5 => arb_known(ty, unknowns)].boxed()
}

fn arb_known(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    match ty {
        Type::String => "\\PC{0,8}".prop_map(Value::String).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Dynamic => arb_type(false).prop_flat_map(move |t| arb_known(&t, unknowns)).boxed(),
        Type::List(t) => vec(arb_value(t, unknowns), 0..4).prop_map(Value::List).boxed(),
        Type::Set(t) => vec(arb_value(t, unknowns), 0..4).prop_map(Value::set).boxed(),
        Type::Map(t) => btree_map("\\PC{0,4}", arb_value(t, unknowns), 0..4).prop_map(Value::Map).boxed(),
        Type::Object { attributes, .. } => {
            let names: Vec<String> = attributes.keys().cloned().collect();
            let values: Vec<_> = attributes.values().map(|t| arb_value(t, unknowns)).collect();
            values.prop_map(move |vals| Value::Object(names.iter().cloned().zip(vals).collect())).boxed()
        }
        Type::Tuple(types) => {
            let values: Vec<_> = types.iter().map(|t| arb_value(t, unknowns)).collect();
            values.prop_map(Value::Tuple).boxed()
        }
    }
}

proptest! {
    #[test]
    fn msgpack_round_trips((ty, v) in arb_type(true).prop_flat_map(|t| (Just(t.clone()), arb_value(&t, true)))) {
        v.conforms(&ty).unwrap();
        let bytes = msgpack::encode(&v, &ty).unwrap();
        prop_assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), v);
    }

    #[test]
    fn json_round_trips((ty, v) in arb_type(false).prop_flat_map(|t| (Just(t.clone()), arb_value(&t, false)))) {
        prop_assert!(v.is_wholly_known());
        let text = json::encode(&v, &ty).unwrap();
        prop_assert_eq!(json::decode(&text, &ty).unwrap(), v.clone());
        // The text is real JSON.
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&text).is_ok());
    }

    #[test]
    fn dynamic_json_round_trips(v in arb_type(false).prop_flat_map(|t| arb_known(&t, false))) {
        let text = json::encode(&v, &Type::Dynamic).unwrap();
        prop_assert_eq!(json::decode(&text, &Type::Dynamic).unwrap(), v);
    }

    #[test]
    fn type_json_round_trips(ty in arb_type(true)) {
        prop_assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    }

    #[test]
    fn number_text_round_trips(n in arb_number()) {
        prop_assert_eq!(n.to_string().parse::<Number>().unwrap(), n);
    }

    #[test]
    fn set_order_does_not_matter(items in btree_set(-50i64..50, 0..6), seed in any::<u64>()) {
        let mut shuffled: Vec<Value> = items.iter().map(|i| Value::from(*i)).collect();
        // Deterministic shuffle from the seed.
        let len = shuffled.len();
        if len > 1 {
            for i in 0..len {
                shuffled.swap(i, (seed as usize).wrapping_add(i * 7) % len);
            }
        }
        let ty = Type::set(Type::Number);
        let bytes = msgpack::encode(&Value::Set(shuffled), &ty).unwrap();
        let sorted = Value::set(items.into_iter().map(Value::from));
        prop_assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), sorted);
    }
}

/// One edit of the kind a fuzzer makes to a seed: positions are picked by `Index` so they
/// always fall inside whatever length the input has by then.
#[derive(Clone, Debug)]
enum Edit {
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Remove(prop::sample::Index, usize),
    Truncate(prop::sample::Index),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    // Bytes that mean something to the decoders: msgpack markers for nil, bool, ext, floats,
    // big ints, str/bin/array/map lengths; JSON punctuation and digits.
    let interesting = prop_oneof![
        any::<u8>(),
        prop::sample::select(vec![
            0xc0u8, 0xc1, 0xc3, 0xc4, 0xc5, 0xc7, 0xca, 0xcb, 0xcf, 0xd3, 0xd4, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
            0x90, 0x9f, 0x80, 0x8f, 0xa0, 0xbf, 0xff, 0x00, b'"', b'[', b']', b'{', b'}', b',', b':', b'\\', b'e',
            b'-', b'.', b'0', b'9',
        ]),
    ];
    prop_oneof![
        4 => (any::<prop::sample::Index>(), interesting.clone()).prop_map(|(i, b)| Edit::Set(i, b)),
        2 => (any::<prop::sample::Index>(), vec(interesting, 1..6)).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<prop::sample::Index>(), 1usize..8).prop_map(|(i, n)| Edit::Remove(i, n)),
        1 => any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
}

fn apply_edits(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let at = |i: &prop::sample::Index, len: usize| if len == 0 { 0 } else { i.index(len) };
        match e {
            Edit::Set(i, b) if !bytes.is_empty() => {
                let p = at(i, bytes.len());
                bytes[p] = *b;
            }
            Edit::Insert(i, b) => {
                let p = at(i, bytes.len() + 1);
                bytes.splice(p..p, b.iter().copied());
            }
            Edit::Remove(i, n) if !bytes.is_empty() => {
                let p = at(i, bytes.len());
                bytes.drain(p..(p + n).min(bytes.len()));
            }
            Edit::Truncate(i) => bytes.truncate(at(i, bytes.len() + 1)),
            _ => {}
        }
    }
    bytes
}

/// A committed seed of `target` (fuzz/corpus), to be edited.
fn seed(target: &str) -> BoxedStrategy<Vec<u8>> {
    prop::sample::select(fuzzing::corpus(target).into_values().collect::<Vec<_>>()).boxed()
}

/// A well-formed dynamic value of a random type, as `encode` writes it.
fn encoded(json: bool) -> BoxedStrategy<Vec<u8>> {
    arb_type(false)
        .prop_flat_map(move |t| arb_known(&t, !json))
        .prop_filter_map("has a type", move |v| {
            if json { json::encode(&v, &Type::Dynamic).ok() } else { msgpack::encode(&v, &Type::Dynamic).ok() }
        })
        .boxed()
}

/// Text that looks like a number, mostly: signs, digits, fractions, exponents of every size,
/// and the words and forms other parsers accept.
fn number_like() -> BoxedStrategy<String> {
    prop_oneof![
        "[+-]?[0-9]{0,30}(\\.[0-9]{0,30})?([eE][+-]?[0-9]{0,21})?",
        "[+-]?0{0,400}[1-9]{1,3}0{0,400}(\\.0{0,400}[1-9]{0,3}0{0,400})?",
        (vec("[0-9]{1,40}", 1..30)).prop_map(|parts| parts.concat()),
        prop::sample::select(vec![
            "NaN",
            "nan",
            "Infinity",
            "-Inf",
            "+inf",
            "0x1p3",
            "0b101",
            "1_000",
            "1e",
            "e1",
            ".",
            "-.",
            "1..2",
            "1e+-1",
            "١٢٣",
            "１２",
            "1\u{0}",
            " 1",
            "1 ",
            "9223372036854775807e9223372036854775807",
            "-9223372036854775808e-9223372036854775808",
            "1e1000000000",
            "1e-1000000000",
            "1e1000000001",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,12}",
    ]
    .boxed()
}

/// 512 cases per property on every test run (well under a second here); set `PROPTEST_CASES`
/// for a longer hunt by hand.
fn hostile_cases() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(hostile_cases())]

    #[test]
    fn arbitrary_bytes_are_refused_or_decoded(bytes in vec(any::<u8>(), 0..512)) {
        fuzzing::msgpack(&bytes);
        fuzzing::json(&bytes);
        fuzzing::number(&bytes);
    }

    #[test]
    fn edited_msgpack_is_refused_or_decoded(
        bytes in prop_oneof![seed("msgpack"), encoded(false)],
        edits in vec(arb_edit(), 0..6),
    ) {
        fuzzing::msgpack(&apply_edits(bytes, &edits));
    }

    #[test]
    fn edited_json_is_refused_or_decoded(
        bytes in prop_oneof![seed("json"), encoded(true)],
        edits in vec(arb_edit(), 0..6),
    ) {
        fuzzing::json(&apply_edits(bytes, &edits));
    }

    #[test]
    fn number_like_text_is_refused_or_exact(text in number_like()) {
        fuzzing::number(text.as_bytes());
        // The same text as a JSON number token and as msgpack's string form.
        fuzzing::json(format!("{{\"value\":{text},\"type\":\"number\"}}").as_bytes());
        let mut packed = vec![0x92, 0xa8];
        packed.extend_from_slice(b"\"number\"");
        if rmp::encode::write_str(&mut packed, &text).is_ok() {
            fuzzing::msgpack(&packed);
        }
    }

    #[test]
    fn msgpack_number_forms_are_refused_or_exact(
        marker in prop::sample::select(vec![0xcau8, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0x7f, 0xe0]),
        payload in vec(any::<u8>(), 0..10),
    ) {
        let mut packed = vec![0x92, 0xa8];
        packed.extend_from_slice(b"\"number\"");
        packed.push(marker);
        packed.extend_from_slice(&payload);
        fuzzing::msgpack(&packed);
    }
}
