//! The msgpack value decoder (DynamicValue.msgpack), as a dynamic value and as a
//! schema-like object type; seeds in fuzz/corpus/msgpack.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tfplugin::value::fuzzing::msgpack(data));
