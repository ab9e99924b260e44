#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| minsheng_fuzz_targets::run("exchange_order", data));
