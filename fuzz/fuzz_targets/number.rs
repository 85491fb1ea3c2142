//! Number text (msgpack's string form, JSON's number tokens); seeds in fuzz/corpus/number.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tfplugin::value::fuzzing::number(data));
