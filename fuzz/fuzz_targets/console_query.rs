//! console-api's raw query string and page tokens; seeds in fuzz/corpus/console_query.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| console_api::request::fuzzing::query(data));
