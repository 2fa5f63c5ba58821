//! Replies that the shell and the control channel build alike: `kernel_info_reply`, the
//! error reply to a malformed request, and the reply to a request aborted behind a failed
//! cell.

use jupyter_protocol::{
    CodeMirrorMode, HelpLink, JupyterMessage, JupyterMessageContent, KernelInfoReply, LanguageInfo, ReplyStatus,
    UnknownMessage,
};
use serde_json::json;

use crate::log;

/// The protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";

/// What kernel_info_reply says about this kernel; fixed for the kernel's lifetime.
#[derive(Debug, Clone)]
pub struct KernelInfo {
    pub rustc_version: String,
    pub banner: String,
}

pub fn kernel_info(info: &KernelInfo) -> KernelInfoReply {
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: PROTOCOL_VERSION.into(),
        implementation: "ndplay".into(),
        implementation_version: env!("CARGO_PKG_VERSION").into(),
        language_info: LanguageInfo {
            name: "rust".into(),
            version: info.rustc_version.clone(),
            mimetype: Some("text/rust".into()),
            file_extension: Some(".rs".into()),
            pygments_lexer: Some("rust".into()),
            codemirror_mode: Some(CodeMirrorMode::Simple("rust".into())),
            nbconvert_exporter: None,
        },
        banner: info.banner.clone(),
        help_links: vec![
            HelpLink { text: "ndarray documentation".into(), url: "https://docs.rs/ndarray/0.17/ndarray/".into() },
            HelpLink {
                text: "ndarray for NumPy users".into(),
                url: "https://docs.rs/ndarray/0.17/ndarray/doc/ndarray_for_numpy_users/".into(),
            },
            HelpLink { text: "The Rust standard library".into(), url: "https://doc.rust-lang.org/std/".into() },
        ],
        debugger: false,
        error: None,
    }
}

/// The requests this kernel answers; a malformed one of these gets an error reply.
const KNOWN: &[&str] = &[
    "execute_request",
    "complete_request",
    "inspect_request",
    "is_complete_request",
    "kernel_info_request",
    "comm_info_request",
    "shutdown_request",
    "interrupt_request",
];

/// A request of a known type whose content did not parse gets an error reply that says
/// so; a message type we do not know gets none (as IPython does), so `None`.
pub fn malformed_reply(request: &JupyterMessage, m: &UnknownMessage) -> Option<JupyterMessage> {
    if !KNOWN.contains(&m.msg_type.as_str()) {
        return None;
    }
    // Typing it again gives serde's account of what is wrong ("missing field `code`").
    let why = match JupyterMessageContent::from_type_and_content(&m.msg_type, m.content.clone()) {
        Err(e) => e.to_string(),
        Ok(_) => "unexpected content".into(),
    };
    let reason = format!("malformed {}: its content does not match the messaging spec ({why})", m.msg_type);
    log!("{reason}");
    let content = m.reply(json!({
        "status": "error",
        "ename": "BadRequest",
        "evalue": reason,
        "traceback": [reason],
    }));
    Some(JupyterMessage::new(content, Some(request)))
}

/// The reply to a request that was queued behind a failed cell.
pub fn aborted_reply(request: &JupyterMessage) -> Option<JupyterMessage> {
    let msg_type = &request.header.msg_type;
    let reply_type = msg_type.strip_suffix("_request")?;
    let content = JupyterMessageContent::UnknownMessage(UnknownMessage {
        msg_type: format!("{reply_type}_reply"),
        content: json!({ "status": "aborted", "execution_count": null }),
    });
    Some(JupyterMessage::new(content, Some(request)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::ExecuteRequest;

    #[test]
    fn aborted_reply_names_the_reply_type() {
        let req = JupyterMessage::new(ExecuteRequest::new("x".into()), None);
        let reply = aborted_reply(&req).unwrap();
        assert_eq!(reply.header.msg_type, "execute_reply");
        let v = serde_json::to_value(&reply.content).unwrap();
        assert_eq!(v["status"], "aborted");
    }
}
