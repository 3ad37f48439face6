#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patdesk_core::fuzzing::pat_list_json(data));
