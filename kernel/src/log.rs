//! The kernel's log: one line on stderr per event, prefixed `ndplay:`.
//!
//! Jupyter keeps a kernel's stderr in its server log (and a spare's stderr is its log
//! file), so this is where dropped messages, refused connections and engine trouble are
//! recorded. Every layer logs through this one function, so no layer has to import
//! another's logger to say something.

/// Writes one log line.
pub fn log(text: &str) {
    eprintln!("ndplay: {text}");
}
