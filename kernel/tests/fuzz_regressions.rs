//! Replays every seed and every crash the fuzzers found (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`) through the same checks the fuzz targets run, so a fixed
//! crash stays fixed without libFuzzer. See docs/fuzzing.md.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut count = 0;
    for dir in ["seeds", "regressions"] {
        let dir = fuzz.join(dir).join(target);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            if let Err(e) = std::panic::catch_unwind(|| check(&data)) {
                let why =
                    e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                panic!("{} fails again: {}", path.display(), why.unwrap_or_default());
            }
            count += 1;
        }
    }
    assert!(count > 0, "no inputs for {target}: the seeds are missing");
}

#[test]
fn wire_decode_inputs() {
    replay("wire_decode", ndplay_kernel::fuzzing::wire_decode);
}

#[test]
fn is_complete_inputs() {
    replay("is_complete", ndplay_kernel::fuzzing::is_complete_lexer);
}
