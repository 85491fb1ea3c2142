//! `POST /query`'s body, as text and as base64; seeds in fuzz/corpus/chat_body.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_query::parse::fuzzing::body(data));
