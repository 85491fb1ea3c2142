//! Property tests: random types, random values of those types, through both encodings.

use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

use super::{Number, Type, Value, json, msgpack};

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
