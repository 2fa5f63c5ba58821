//! Control-channel requests: answered at once, even while a cell runs, by plain functions
//! (the control task owns no state but the engine's interrupter).

use jupyter_protocol::{InterruptReply, JupyterMessage, JupyterMessageContent, ReplyStatus, ShutdownReply};

use super::engine::Interrupter;
use super::replies::{kernel_info, malformed_reply, KernelInfo};
use crate::log;

/// Returns the reply (if the request has one) and whether the kernel must shut down.
pub fn control_reply(
    request: &JupyterMessage,
    info: &KernelInfo,
    interrupter: Option<&dyn Interrupter>,
) -> (Option<JupyterMessage>, bool) {
    use JupyterMessageContent as C;
    let reply = |c: JupyterMessageContent| Some(JupyterMessage::new(c, Some(request)));
    match &request.content {
        C::KernelInfoRequest(_) => (reply(kernel_info(info).into()), false),
        C::InterruptRequest(_) => {
            if let Some(i) = interrupter {
                i.interrupt();
            }
            (reply(InterruptReply::new().into()), false)
        }
        C::ShutdownRequest(r) => {
            (reply(ShutdownReply { restart: r.restart, status: ReplyStatus::Ok, error: None }.into()), true)
        }
        C::UnknownMessage(m) => {
            log!("unhandled {} on control", m.msg_type);
            (malformed_reply(request, m), false)
        }
        other => {
            log!("ignoring {} on control", other.message_type());
            (None, false)
        }
    }
}
