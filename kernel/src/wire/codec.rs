//! Framing and signing of Jupyter messages on a ZeroMQ socket.
//!
//! A Jupyter message on the wire is a list of frames:
//! `identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…`.
//! The signature is the hex HMAC-SHA256, keyed by the connection file's key, over the four
//! JSON frames exactly as they arrived. This module is the only code in the kernel that
//! knows about HMAC: everything above it sees typed [`JupyterMessage`]s.
//!
//! Anything that does not decode — a bad or repeated signature, missing frames, JSON that
//! is not a message — becomes a [`WireError`]. Callers log it and drop the frames; the
//! kernel never answers a message it could not authenticate.

use std::collections::{HashSet, VecDeque};

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use jupyter_protocol::{Header, JupyterMessage, JupyterMessageContent, UnknownMessage};
use sha2::Sha256;

/// The frame that separates routing identities from the message proper.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// How many recent signatures are remembered to refuse replays. jupyter_client's Session
/// keeps 2^16 as well; a client sending more messages than that per session can only
/// replay messages older than the window, which an attacker on loopback could do anyway
/// with fresh signatures if they knew the key.
pub const REPLAY_WINDOW: usize = 1 << 16;

/// Why a list of frames was not accepted as a message.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("no <IDS|MSG> delimiter frame")]
    NoDelimiter,
    #[error("only {0} frames after the delimiter; a message needs 5")]
    MissingFrames(usize),
    #[error("signature does not match the message")]
    BadSignature,
    #[error("signature was already seen (replayed message)")]
    Replayed,
    #[error("frames are not a valid Jupyter message: {0}")]
    BadJson(String),
}

/// Signs and verifies messages with the connection key. An empty key means "unsigned"
/// (the kernel only runs that way with `--allow-unsigned`).
#[derive(Clone)]
pub struct Signer {
    mac: Option<Hmac<Sha256>>,
}

impl Signer {
    pub fn new(key: &str) -> Self {
        let mac = (!key.is_empty())
            .then(|| Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length"));
        Signer { mac }
    }

    pub fn is_signing(&self) -> bool {
        self.mac.is_some()
    }

    /// The hex signature of the four JSON frames, or "" when unsigned.
    pub fn sign(&self, parts: [&[u8]; 4]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    /// Constant-time check of a received signature.
    fn verify(&self, signature: &[u8], parts: [&[u8]; 4]) -> bool {
        match &self.mac {
            None => true,
            Some(mac) => {
                let Ok(expected) = hex::decode(signature) else {
                    return false;
                };
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                mac.verify_slice(&expected).is_ok()
            }
        }
    }
}

/// Remembers recent signatures so that a captured message cannot be sent again.
///
/// A signature is remembered as the MAC's bytes, not as the text that carried it: hex
/// decoding accepts either case, so `AB…` and `ab…` are the same signature and a captured
/// request re-sent with its signature in upper case is a replay like any other.
#[derive(Default)]
pub struct ReplayGuard {
    seen: HashSet<Bytes>,
    order: VecDeque<Bytes>,
}

impl ReplayGuard {
    /// Returns false when the MAC was seen before; records it otherwise.
    fn check_and_record(&mut self, mac: Bytes) -> bool {
        if !self.seen.insert(mac.clone()) {
            return false;
        }
        self.order.push_back(mac);
        if self.order.len() > REPLAY_WINDOW {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

/// Turns received frames into a message, or says why not.
pub fn decode(frames: Vec<Bytes>, signer: &Signer, replay: &mut ReplayGuard) -> Result<JupyterMessage, WireError> {
    let split = frames.iter().position(|f| f.as_ref() == DELIMITER).ok_or(WireError::NoDelimiter)?;
    let identities = frames[..split].to_vec();
    let rest = &frames[split + 1..];
    if rest.len() < 5 {
        return Err(WireError::MissingFrames(rest.len()));
    }
    let (signature, header, parent, metadata, content) = (&rest[0], &rest[1], &rest[2], &rest[3], &rest[4]);
    let parts = [header.as_ref(), parent.as_ref(), metadata.as_ref(), content.as_ref()];
    if !signer.verify(signature, parts) {
        return Err(WireError::BadSignature);
    }
    // Record the signature only once it is known to be genuine, so that garbage cannot
    // fill the window and push real signatures out of it. Unsigned sessions have no
    // signatures to compare (and anyone can forge their messages anyway).
    if signer.is_signing() {
        let mac = hex::decode(signature).map_err(|_| WireError::BadSignature)?;
        if !replay.check_and_record(Bytes::from(mac)) {
            return Err(WireError::Replayed);
        }
    }
    let parse = |frame: &Bytes, what: &str| -> Result<serde_json::Value, WireError> {
        serde_json::from_slice(frame).map_err(|e| WireError::BadJson(format!("{what}: {e}")))
    };
    let header: Header =
        serde_json::from_value(parse(header, "header")?).map_err(|e| WireError::BadJson(format!("header: {e}")))?;
    // A parent header that is not a header is treated as absent: it only decorates the
    // request, and refusing the request over it would help nobody.
    let parent_header = serde_json::from_value::<Header>(parse(parent, "parent_header")?).ok();
    let metadata = parse(metadata, "metadata")?;
    let content = parse(content, "content")?;
    // The spec makes content a dict. Anything else cannot be typed, answered or even
    // re-encoded (an untyped message flattens its content into an object), so it is
    // dropped like any other frame that is not JSON of the right shape. Found by fuzzing.
    if !content.is_object() {
        return Err(WireError::BadJson("content: not a JSON object".into()));
    }
    // Content that does not fit its message type (a missing field, a wrong JSON type) is
    // kept as an untyped message, so that the core can answer with a clear error reply —
    // or read it leniently where the spec allows omissions — instead of going silent.
    let content =
        JupyterMessageContent::from_type_and_content(&header.msg_type, content.clone()).unwrap_or_else(|_| {
            JupyterMessageContent::UnknownMessage(UnknownMessage { msg_type: header.msg_type.clone(), content })
        });
    let mut message = JupyterMessage {
        zmq_identities: Vec::new(),
        header,
        parent_header,
        metadata,
        content,
        buffers: Vec::new(),
        channel: None,
    };
    message.zmq_identities = identities;
    message.buffers = rest[5..].to_vec();
    Ok(message)
}

/// Turns a message into frames, signed.
pub fn encode(message: &JupyterMessage, signer: &Signer) -> Vec<Bytes> {
    let header = to_json(&message.header);
    let parent = match &message.parent_header {
        Some(h) => to_json(h),
        None => Bytes::from_static(b"{}"),
    };
    let metadata = to_json(&message.metadata);
    let content = to_json(&message.content);
    let signature = signer.sign([&header, &parent, &metadata, &content]);
    let mut frames = message.zmq_identities.clone();
    frames.push(Bytes::from_static(DELIMITER));
    frames.push(Bytes::from(signature));
    frames.extend([header, parent, metadata, content]);
    frames.extend(message.buffers.iter().cloned());
    frames
}

fn to_json<T: serde::Serialize>(value: &T) -> Bytes {
    // Serializing these types cannot fail: they hold only strings, numbers and maps with
    // string keys.
    Bytes::from(serde_json::to_vec(value).expect("message parts serialize to JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{ExecuteRequest, JupyterMessageContent};

    fn request() -> JupyterMessage {
        let mut m = JupyterMessage::new(ExecuteRequest::new("1 + 1".into()), None);
        m.zmq_identities = vec![Bytes::from_static(b"peer")];
        m
    }

    #[test]
    fn round_trip_with_signature() {
        let signer = Signer::new("secret");
        let frames = encode(&request(), &signer);
        assert_eq!(frames[0].as_ref(), b"peer");
        assert_eq!(frames[1].as_ref(), DELIMITER);
        assert_eq!(frames[2].len(), 64, "hex of a SHA-256 MAC");
        let back = decode(frames, &signer, &mut ReplayGuard::default()).unwrap();
        assert_eq!(back.zmq_identities, vec![Bytes::from_static(b"peer")]);
        match back.content {
            JupyterMessageContent::ExecuteRequest(r) => assert_eq!(r.code, "1 + 1"),
            other => panic!("decoded as {other:?}"),
        }
    }

    #[test]
    fn forged_signature_is_refused() {
        let frames = encode(&request(), &Signer::new("other key"));
        let err = decode(frames, &Signer::new("secret"), &mut ReplayGuard::default()).unwrap_err();
        assert!(matches!(err, WireError::BadSignature));
    }

    #[test]
    fn tampered_content_is_refused() {
        let signer = Signer::new("secret");
        let mut frames = encode(&request(), &signer);
        let last = frames.len() - 1;
        frames[last] = Bytes::from_static(br#"{"code":"evil","silent":false,"store_history":true}"#);
        assert!(matches!(decode(frames, &signer, &mut ReplayGuard::default()), Err(WireError::BadSignature)));
    }

    #[test]
    fn replayed_message_is_refused() {
        let signer = Signer::new("secret");
        let frames = encode(&request(), &signer);
        let mut guard = ReplayGuard::default();
        decode(frames.clone(), &signer, &mut guard).unwrap();
        assert!(matches!(decode(frames, &signer, &mut guard), Err(WireError::Replayed)));
    }

    #[test]
    fn a_replay_with_the_signature_in_another_case_is_refused() {
        let signer = Signer::new("secret");
        let frames = encode(&request(), &signer);
        let mut guard = ReplayGuard::default();
        decode(frames.clone(), &signer, &mut guard).unwrap();
        let sig = std::str::from_utf8(&frames[2]).unwrap();
        assert!(sig.bytes().any(|b| b.is_ascii_lowercase()), "{sig} has letters to change");
        let mixed: String =
            sig.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
        for variant in [sig.to_ascii_uppercase(), mixed] {
            let mut again = frames.clone();
            again[2] = Bytes::from(variant.clone());
            // Still a genuine signature of these frames, so only the guard can stop it.
            assert!(signer.verify(&again[2], [&again[3], &again[4], &again[5], &again[6]]));
            assert!(matches!(decode(again, &signer, &mut guard), Err(WireError::Replayed)), "{variant}");
        }
    }

    #[test]
    fn missing_frames_and_delimiter() {
        let signer = Signer::new("secret");
        let mut frames = encode(&request(), &signer);
        frames.truncate(4);
        assert!(matches!(decode(frames, &signer, &mut ReplayGuard::default()), Err(WireError::MissingFrames(2))));
        let no_delim = vec![Bytes::from_static(b"x"), Bytes::from_static(b"{}")];
        assert!(matches!(decode(no_delim, &signer, &mut ReplayGuard::default()), Err(WireError::NoDelimiter)));
    }

    #[test]
    fn garbage_json_is_refused_after_signature_check() {
        let signer = Signer::new("k");
        let parts: [&[u8]; 4] = [b"not json", b"{}", b"{}", b"{}"];
        let sig = signer.sign(parts);
        let mut frames = vec![Bytes::from_static(DELIMITER), Bytes::from(sig)];
        frames.extend(parts.iter().map(|p| Bytes::copy_from_slice(p)));
        assert!(matches!(decode(frames, &signer, &mut ReplayGuard::default()), Err(WireError::BadJson(_))));
    }

    #[test]
    fn unsigned_sessions_accept_empty_signatures() {
        let signer = Signer::new("");
        assert!(!signer.is_signing());
        let frames = encode(&request(), &signer);
        assert!(frames[2].is_empty());
        let mut guard = ReplayGuard::default();
        decode(frames.clone(), &signer, &mut guard).unwrap();
        // Without signatures there is nothing to detect replays with.
        decode(frames, &signer, &mut guard).unwrap();
    }
}
