//! A Bedrock model's answer to chat-query; seeds in fuzz/corpus/chat_model_answer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_query::parse::fuzzing::model_answer(data));
