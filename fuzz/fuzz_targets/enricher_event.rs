//! An invocation payload of the case enricher; seeds in fuzz/corpus/enricher_event.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| case_enricher::event::fuzzing::event(data));
