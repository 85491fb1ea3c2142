//! The JSON value decoder (state, UpgradeResourceState), strict and lenient, and the
//! type decoder; seeds in fuzz/corpus/json.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tfplugin::value::fuzzing::json(data));
