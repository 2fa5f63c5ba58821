#![no_main]
// Properties and input format: ndplay_kernel::fuzzing::wire_decode.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ndplay_kernel::fuzzing::wire_decode(data));
