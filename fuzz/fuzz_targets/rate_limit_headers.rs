#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patdesk_core::fuzzing::rate_limit_headers(data));
