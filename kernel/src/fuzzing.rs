//! What the fuzz targets check, one function per target (see `fuzz/` and docs/fuzzing.md).
//!
//! The checks live here, not in `fuzz/`, so that every crash the fuzzer ever found is
//! replayed by an ordinary test (`kernel/tests/fuzz_regressions.rs`) in every CI run,
//! without libFuzzer or a nightly compiler. Each function panics when a property fails.

use bytes::Bytes;

use crate::syntax::is_complete::{is_complete, Completeness};
use crate::wire::codec::{self, ReplayGuard, Signer, WireError};

const KEY: &str = "fuzz-key";

/// Frames are separated by NUL bytes in a fuzz input (JSON never contains a raw NUL, so
/// mutations inside a frame rarely split it by accident).
fn frames(data: &[u8]) -> Vec<Bytes> {
    data.split(|&b| b == 0).map(Bytes::copy_from_slice).collect()
}

/// The wire decoder, on input from a client that may or may not know the key.
///
/// The first byte picks a mode. Odd: the rest is the four JSON frames (then buffers),
/// and the input is signed correctly, so mutations reach JSON parsing and message typing
/// instead of stopping at the signature. Even: the rest is raw frames, decoded by a
/// signing and by an unsigned (`--allow-unsigned`) kernel.
///
/// Properties: decoding never panics; a raw input almost never passes the signature; a
/// message that decodes is refused the second time (replay); and re-encoding a decoded
/// message gives one that decodes to the same header, parent and content.
pub fn wire_decode(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let signer = Signer::new(KEY);
    if mode % 2 == 1 {
        let mut parts = frames(rest);
        while parts.len() < 4 {
            parts.push(Bytes::from_static(b"{}"));
        }
        let signature = signer.sign([&parts[0], &parts[1], &parts[2], &parts[3]]);
        let mut wire = vec![Bytes::from_static(b"client-id"), Bytes::from_static(codec::DELIMITER)];
        wire.push(Bytes::from(signature));
        wire.extend(parts);
        check_decoded(wire, &signer);
    } else {
        let wire = frames(rest);
        if let Ok(m) = codec::decode(wire.clone(), &signer, &mut ReplayGuard::default()) {
            // Only a correct HMAC gets here, which random bytes do not produce.
            panic!("unsigned input accepted by a signing kernel: {:?}", m.header);
        }
        check_decoded(wire, &Signer::new(""));
    }
}

fn check_decoded(wire: Vec<Bytes>, signer: &Signer) {
    let mut guard = ReplayGuard::default();
    let Ok(message) = codec::decode(wire.clone(), signer, &mut guard) else {
        return;
    };
    if signer.is_signing() {
        match codec::decode(wire, signer, &mut guard) {
            Err(WireError::Replayed) => {}
            other => panic!("a replayed message was not refused: {:?}", other.map(|m| m.header)),
        }
    }
    let again = codec::decode(codec::encode(&message, signer), signer, &mut ReplayGuard::default())
        .expect("a message the kernel decoded must decode again after encoding");
    assert_eq!(json(&message.header), json(&again.header), "header changed in a round trip");
    assert_eq!(json(&message.parent_header), json(&again.parent_header), "parent changed in a round trip");
    assert_eq!(json(&message.content), json(&again.content), "content changed in a round trip");
    assert_eq!(message.zmq_identities, again.zmq_identities);
    assert_eq!(message.buffers, again.buffers);
}

/// The message types have no `PartialEq`; their JSON is what goes on the wire.
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("message parts serialize")
}

/// The `is_complete` lexer, on any text a console could send.
///
/// The input is `code`, optionally followed by a NUL and `more`. Properties: no panic;
/// an `Incomplete` indent is only spaces; and a verdict of `Invalid` (a closer without
/// its opener, seen left to right) stays `Invalid` whatever is typed after it.
pub fn is_complete_lexer(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (code, more) = text.split_once('\0').unwrap_or((text, ""));
    let verdict = is_complete(code);
    if let Completeness::Incomplete { indent } = &verdict {
        assert!(indent.chars().all(|c| c == ' '), "indent {indent:?} for {code:?}");
    }
    if verdict == Completeness::Invalid {
        let longer = format!("{code}{more}");
        assert_eq!(is_complete(&longer), Completeness::Invalid, "{code:?} was invalid but {longer:?} is not");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_execute_request_round_trips() {
        let mut data = vec![1u8];
        let header = br#"{"msg_id":"1","username":"u","session":"s","date":"2026-01-01T00:00:00Z","msg_type":"execute_request","version":"5.3"}"#;
        for (i, part) in [&header[..], b"{}", b"{}", br#"{"code":"1+1","silent":false}"#].iter().enumerate() {
            if i > 0 {
                data.push(0);
            }
            data.extend_from_slice(part);
        }
        wire_decode(&data);
        wire_decode(&data[1..]);
    }

    #[test]
    fn invalid_code_stays_invalid() {
        is_complete_lexer(b"}\0fn f() {");
        is_complete_lexer(b"let s = \"}\0\";");
    }
}
