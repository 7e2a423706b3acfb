#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bglint::fuzzing::target("java", data));
