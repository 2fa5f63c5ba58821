//! The five sockets of a kernel, reached through the guard (`guard.rs`) at the connection
//! file's endpoints.
//!
//! Each receiving socket has a task that decodes what arrives and hands it up a channel;
//! each sending socket has a task that signs and sends what the core puts in the
//! [`Outbox`]. Separate send tasks matter: a client that stops reading its shell socket
//! must not hold up status messages on IOPub or replies on control.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use jupyter_protocol::{ConnectionInfo, JupyterMessage};
use tokio::sync::mpsc;
use zeromq::{RepSocket, RouterSocket, Socket, SocketRecv, SocketSend, XPubSocket, ZmqMessage};

use super::codec::{self, ReplayGuard, Signer};
use super::guard::Guard;
use crate::log;

/// Where an outgoing message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Shell,
    Control,
    IoPub,
    /// `input_request`, to the client whose execute request asked for input.
    Stdin,
}

/// How many decoded requests may wait for the core before the socket stops reading.
const INBOX_CAPACITY: usize = 4096;

/// Messages from clients, per channel, and the way back.
pub struct Wire {
    pub shell: mpsc::Receiver<JupyterMessage>,
    pub control: mpsc::Receiver<JupyterMessage>,
    /// Replies to input requests (`input_reply`).
    pub stdin: mpsc::Receiver<JupyterMessage>,
    pub outbox: Outbox,
    /// The connection as served: the file's, with the ports chosen for any that were 0.
    pub info: ConnectionInfo,
}

/// The sending side of the wire; cheap to clone and usable from any thread.
#[derive(Clone)]
pub struct Outbox {
    shell: mpsc::UnboundedSender<JupyterMessage>,
    control: mpsc::UnboundedSender<JupyterMessage>,
    iopub: mpsc::UnboundedSender<JupyterMessage>,
    /// None for an in-process outbox: no one there can answer an input request.
    stdin: Option<mpsc::UnboundedSender<JupyterMessage>>,
}

impl Outbox {
    pub fn send(&self, route: Route, message: JupyterMessage) {
        let tx = match route {
            Route::Shell => &self.shell,
            Route::Control => &self.control,
            Route::IoPub => &self.iopub,
            Route::Stdin => match &self.stdin {
                Some(tx) => tx,
                None => return,
            },
        };
        // The receiving task only ends when the kernel shuts down; a message sent after
        // that has nobody to go to.
        let _ = tx.send(message);
    }

    /// An outbox whose messages land in channels of this process (shell, control, iopub):
    /// for `ndplay check`, which runs cells through the core without sockets, and for tests.
    pub fn in_process() -> (Outbox, [mpsc::UnboundedReceiver<JupyterMessage>; 3]) {
        let (shell, a) = mpsc::unbounded_channel();
        let (control, b) = mpsc::unbounded_channel();
        let (iopub, c) = mpsc::unbounded_channel();
        (Outbox { shell, control, iopub, stdin: None }, [a, b, c])
    }
}

/// Binds all five sockets behind the guard and starts their tasks. Must run inside a tokio
/// runtime.
pub async fn bind(info: &ConnectionInfo) -> Result<Wire> {
    let signer = Signer::new(&info.key);
    let replay = Arc::new(Mutex::new(ReplayGuard::default()));

    // The zeromq sockets listen where only this user can reach them; the guard owns the
    // connection file's endpoints and lets through the peers and bytes it admits.
    let guard = Guard::new()?;
    let internal = |channel: &str| guard.internal_endpoint(channel);
    let mut shell = RouterSocket::new();
    shell.bind(&internal("shell")).await.context("binding the shell socket")?;
    let mut control = RouterSocket::new();
    control.bind(&internal("control")).await.context("binding the control socket")?;
    let mut stdin = RouterSocket::new();
    stdin.bind(&internal("stdin")).await.context("binding the stdin socket")?;
    let mut iopub = XPubSocket::new();
    iopub.bind(&internal("iopub")).await.context("binding the iopub socket")?;
    let mut heartbeat = RepSocket::new();
    heartbeat.bind(&internal("hb")).await.context("binding the heartbeat socket")?;
    let mut served = info.clone();
    for (channel, port) in [
        ("shell", &mut served.shell_port),
        ("control", &mut served.control_port),
        ("stdin", &mut served.stdin_port),
        ("iopub", &mut served.iopub_port),
        ("hb", &mut served.hb_port),
    ] {
        *port = guard.expose(info, channel, *port).await?;
    }

    let (shell_out, shell_in) = shell.split();
    let (control_out, control_in) = control.split();
    let (stdin_out, stdin_in) = stdin.split();

    let (shell_tx, shell_rx) = mpsc::channel(INBOX_CAPACITY);
    let (control_tx, control_rx) = mpsc::channel(INBOX_CAPACITY);
    tokio::spawn(receive_loop("shell", shell_in, shell_tx, signer.clone(), replay.clone()));
    tokio::spawn(receive_loop("control", control_in, control_tx, signer.clone(), replay.clone()));
    let (stdin_tx, stdin_rx) = mpsc::channel(INBOX_CAPACITY);
    tokio::spawn(receive_loop("stdin", stdin_in, stdin_tx, signer.clone(), replay));

    let (shell_send, rx) = mpsc::unbounded_channel();
    tokio::spawn(send_loop("shell", shell_out, rx, signer.clone()));
    let (control_send, rx) = mpsc::unbounded_channel();
    tokio::spawn(send_loop("control", control_out, rx, signer.clone()));
    let (stdin_send, rx) = mpsc::unbounded_channel();
    tokio::spawn(send_loop("stdin", stdin_out, rx, signer.clone()));
    let (iopub_send, rx) = mpsc::unbounded_channel();
    tokio::spawn(iopub_loop(iopub, rx, signer));

    tokio::spawn(heartbeat_loop(heartbeat));
    Ok(Wire {
        shell: shell_rx,
        control: control_rx,
        stdin: stdin_rx,
        outbox: Outbox { shell: shell_send, control: control_send, iopub: iopub_send, stdin: Some(stdin_send) },
        info: served,
    })
}

async fn receive_loop(
    name: &'static str,
    mut socket: impl SocketRecv,
    to_core: mpsc::Sender<JupyterMessage>,
    signer: Signer,
    replay: Arc<Mutex<ReplayGuard>>,
) {
    loop {
        let frames = match socket.recv().await {
            Ok(message) => message.into_vec(),
            Err(e) => {
                log!("{name}: receive failed: {e}");
                // A failed receive is about one peer (e.g. it vanished mid-message); the
                // socket itself goes on. Yield so that a persistent error cannot spin.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let decoded = {
            let mut guard = replay.lock().unwrap_or_else(|p| p.into_inner());
            codec::decode(frames, &signer, &mut guard)
        };
        match decoded {
            Ok(message) => {
                if to_core.send(message).await.is_err() {
                    return; // the core has shut down
                }
            }
            Err(e) => log!("{name}: dropped a message: {e}"),
        }
    }
}

async fn send_loop(
    name: &'static str,
    mut socket: impl SocketSend,
    mut from_core: mpsc::UnboundedReceiver<JupyterMessage>,
    signer: Signer,
) {
    while let Some(message) = from_core.recv().await {
        let frames = codec::encode(&message, &signer);
        let Ok(zmq) = ZmqMessage::try_from(frames) else { continue };
        if let Err(e) = socket.send(zmq).await {
            // Usually a client that disconnected before its reply was ready.
            log!("{name}: could not send {}: {e}", message.header.msg_type);
        }
    }
}

/// IOPub is an XPUB socket (JEP 65), so the kernel sees each client's subscription arrive
/// and answers it with an `iopub_welcome`. Without it a client cannot know when its
/// subscription is live: jupyter_client (like our test harness) waits 0.2 s for an IOPub
/// message after its first kernel_info reply and asks again when none came, and a
/// kernel_info answered before the subscription arrived publishes its status to no one. That
/// wait was 0.2 s of a 0.5 s first array. ipykernel 7 does the same.
///
/// One task owns the socket both ways: the XPUB socket registers a subscription only while
/// it is being read, and a send and a read cannot hold it at once.
async fn iopub_loop(mut socket: XPubSocket, mut from_core: mpsc::UnboundedReceiver<JupyterMessage>, signer: Signer) {
    loop {
        tokio::select! {
            message = from_core.recv() => {
                let Some(message) = message else { return }; // the core has shut down
                publish(&mut socket, &message, &signer).await;
            }
            incoming = socket.recv() => match incoming {
                Ok(frames) => {
                    if let Some(topic) = subscription(&frames) {
                        publish(&mut socket, &welcome(topic), &signer).await;
                    }
                }
                Err(e) => {
                    log!("iopub: receive failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
        }
    }
}

async fn publish(socket: &mut XPubSocket, message: &JupyterMessage, signer: &Signer) {
    let frames = codec::encode(message, signer);
    let Ok(zmq) = ZmqMessage::try_from(frames) else { return };
    if let Err(e) = socket.send(zmq).await {
        log!("iopub: could not send {}: {e}", message.header.msg_type);
    }
}

/// The topic of a subscribe message (one frame: byte 1, then the topic); None for an
/// unsubscribe or anything else a peer sends.
fn subscription(message: &ZmqMessage) -> Option<Vec<u8>> {
    if message.len() != 1 {
        return None;
    }
    let frame = message.get(0)?;
    (frame.first() == Some(&1)).then(|| frame[1..].to_vec())
}

/// JEP 65's welcome: content `{"subscription": topic}`, no parent, and the topic as its
/// first frame so that it reaches the subscriber that asked for it (all of them for "").
fn welcome(topic: Vec<u8>) -> JupyterMessage {
    let content = jupyter_protocol::UnknownMessage {
        msg_type: "iopub_welcome".into(),
        content: serde_json::json!({ "subscription": String::from_utf8_lossy(&topic) }),
    };
    let mut message = JupyterMessage::new(jupyter_protocol::JupyterMessageContent::UnknownMessage(content), None);
    if !topic.is_empty() {
        message.zmq_identities = vec![topic.into()];
    }
    message
}

async fn heartbeat_loop(mut socket: RepSocket) {
    loop {
        match socket.recv().await {
            Ok(ping) => {
                if let Err(e) = socket.send(ping).await {
                    log!("heartbeat: {e}");
                }
            }
            Err(e) => {
                log!("heartbeat: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}
