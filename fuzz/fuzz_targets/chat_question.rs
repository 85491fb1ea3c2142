//! A question for chat-query's deterministic parser; seeds in fuzz/corpus/chat_question.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_query::parse::fuzzing::question(data));
