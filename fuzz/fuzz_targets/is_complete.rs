#![no_main]
// Properties and input format: ndplay_kernel::fuzzing::is_complete_lexer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ndplay_kernel::fuzzing::is_complete_lexer(data));
