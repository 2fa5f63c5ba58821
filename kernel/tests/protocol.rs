//! Protocol tests: the real kernel binary, the real wire format over loopback sockets, and
//! the mock engine (`--mock-engine`), so nothing is compiled and each test takes
//! milliseconds. The client side uses the kernel's own codec, so signatures are real.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{free_port, served_ports};
use jupyter_protocol::{
    ExecuteRequest, InterruptRequest, JupyterMessage, JupyterMessageContent, KernelInfoRequest, ShutdownRequest,
};
use ndplay_kernel::wire::codec::{self, ReplayGuard, Signer};
use serde_json::{json, Value};
use zeromq::{DealerSocket, ReqSocket, Socket, SocketRecv, SocketSend, SubSocket, ZmqMessage};

const KEY: &str = "test-key-0123456789";
const WAIT: Duration = Duration::from_secs(10);

/// The kernel process under test, and the first client connected to it.
struct Kernel {
    child: Child,
    dir: PathBuf,
    ports: Vec<u16>,
    key: String,
    client: Client,
}

/// One frontend's sockets: what jupyter_client's KernelClient holds.
struct Client {
    shell: DealerSocket,
    control: DealerSocket,
    iopub: SubSocket,
    hb: ReqSocket,
    signer: Signer,
    session: String,
}

impl std::ops::Deref for Kernel {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Kernel {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// Writes a connection file into `dir` (created) whose ports are all 0: the kernel picks
/// free ones and writes them back ([`served_ports`]). Ports picked here and then freed could
/// be taken by another test's connection before the kernel binds them (it happened in CI).
fn connection_file(dir: &std::path::Path, key: &str, file_mode: u32) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let conn = json!({
        "ip": "127.0.0.1", "transport": "tcp",
        "shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0,
        "key": key, "signature_scheme": "hmac-sha256", "kernel_name": "ndplay"
    });
    let file = dir.join("conn.json");
    std::fs::write(&file, conn.to_string()).unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(file_mode)).unwrap();
    file
}

impl Kernel {
    async fn start() -> Kernel {
        Self::start_with_key(KEY, &[]).await
    }

    async fn start_with_key(key: &str, extra: &[&str]) -> Kernel {
        Self::start_with_options(key, extra, 0o600, std::process::Stdio::inherit()).await
    }

    async fn start_with_options(key: &str, extra: &[&str], file_mode: u32, stderr: std::process::Stdio) -> Kernel {
        let dir = std::env::temp_dir().join(format!("ndplay-proto-{}-{}", std::process::id(), free_port()));
        let file = connection_file(&dir, key, file_mode);
        let mut child = Command::new(env!("CARGO_BIN_EXE_ndplay"))
            .args(["kernel", "--mock-engine", "--connection-file"])
            .arg(&file)
            .args(extra)
            .stderr(stderr)
            .spawn()
            .unwrap();
        let ports = served_ports(&file, &mut child);
        let client = Client::connect(&ports, key).await;
        Kernel { child, dir, ports, key: key.to_string(), client }
    }

    /// Another frontend on the same kernel (a second notebook view, a console).
    async fn connect_client(&self) -> Client {
        Client::connect(&self.ports, &self.key).await
    }
}

impl Client {
    async fn connect(ports: &[u16], key: &str) -> Client {
        let url = |p: u16| format!("tcp://127.0.0.1:{p}");
        let mut shell = DealerSocket::new();
        let mut control = DealerSocket::new();
        let mut iopub = SubSocket::new();
        let mut hb = ReqSocket::new();
        // The ports are bound: the kernel wrote them only after binding (`served_ports`).
        shell.connect(&url(ports[0])).await.unwrap();
        control.connect(&url(ports[3])).await.unwrap();
        iopub.connect(&url(ports[1])).await.unwrap();
        iopub.subscribe("").await.unwrap();
        hb.connect(&url(ports[4])).await.unwrap();
        let mut c =
            Client { shell, control, iopub, hb, signer: Signer::new(key), session: uuid::Uuid::new_v4().to_string() };
        c.wait_for_ready().await;
        c
    }

    /// Closes every socket, as a frontend that goes away does.
    async fn disconnect(self) {
        for errors in
            [self.shell.close().await, self.control.close().await, self.iopub.close().await, self.hb.close().await]
        {
            assert!(errors.is_empty(), "{errors:?}");
        }
    }

    /// Like jupyter_client's wait_for_ready: kernel_info until IOPub is seen to work.
    async fn wait_for_ready(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let id = self.send_shell(KernelInfoRequest {}).await;
            let _ = self.shell_reply(&id).await;
            if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), self.next_iopub()).await {
                // Drain what is left of this round.
                while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), self.next_iopub()).await {}
                return;
            }
            assert!(Instant::now() < deadline, "IOPub never delivered a message");
        }
    }

    fn message(&self, content: impl Into<JupyterMessageContent>) -> JupyterMessage {
        JupyterMessage::new(content, None).with_session(&self.session)
    }

    async fn send_frames(&mut self, control: bool, frames: Vec<Bytes>) {
        let msg = ZmqMessage::try_from(frames).unwrap();
        if control {
            self.control.send(msg).await.unwrap();
        } else {
            self.shell.send(msg).await.unwrap();
        }
    }

    async fn send_shell(&mut self, content: impl Into<JupyterMessageContent>) -> String {
        let m = self.message(content);
        let id = m.header.msg_id.clone();
        let frames = codec::encode(&m, &self.signer);
        self.send_frames(false, frames).await;
        id
    }

    async fn send_control(&mut self, content: impl Into<JupyterMessageContent>) -> String {
        let m = self.message(content);
        let id = m.header.msg_id.clone();
        let frames = codec::encode(&m, &self.signer);
        self.send_frames(true, frames).await;
        id
    }

    fn decode(&self, m: ZmqMessage) -> JupyterMessage {
        // Messages from the kernel are checked with our key too: a wrong signature fails here.
        codec::decode(m.into_vec(), &self.signer, &mut ReplayGuard::default()).expect("kernel sent a valid message")
    }

    async fn shell_reply(&mut self, id: &str) -> JupyterMessage {
        loop {
            let m = tokio::time::timeout(WAIT, self.shell.recv()).await.expect("no shell reply").unwrap();
            let m = self.decode(m);
            if m.parent_header.as_ref().map(|h| h.msg_id.as_str()) == Some(id) {
                return m;
            }
        }
    }

    async fn control_reply(&mut self, id: &str) -> JupyterMessage {
        loop {
            let m = tokio::time::timeout(WAIT, self.control.recv()).await.expect("no control reply").unwrap();
            let m = self.decode(m);
            if m.parent_header.as_ref().map(|h| h.msg_id.as_str()) == Some(id) {
                return m;
            }
        }
    }

    async fn next_iopub(&mut self) -> Option<JupyterMessage> {
        let m = self.iopub.recv().await.ok()?;
        Some(self.decode(m))
    }

    /// IOPub messages for request `id`, up to and including its `idle` status.
    async fn iopub_until_idle(&mut self, id: &str) -> Vec<JupyterMessage> {
        let mut out = Vec::new();
        loop {
            let m = tokio::time::timeout(WAIT, self.next_iopub()).await.expect("no idle on iopub").unwrap();
            if m.parent_header.as_ref().map(|h| h.msg_id.as_str()) != Some(id) {
                continue;
            }
            let idle = matches!(&m.content, JupyterMessageContent::Status(s) if s.execution_state.as_str() == "idle");
            out.push(m);
            if idle {
                return out;
            }
        }
    }

    /// Sends a shell request and collects its reply and outputs.
    async fn execute(&mut self, code: &str) -> (Value, Vec<(String, Value)>) {
        let id = self.send_shell(ExecuteRequest::new(code.into())).await;
        let reply = self.shell_reply(&id).await;
        let outputs = self.iopub_until_idle(&id).await;
        (content(&reply), outputs.iter().map(|m| (m.header.msg_type.clone(), content(m))).collect())
    }

    /// An execute_request with `content` sent as is (signed, but not checked against the
    /// spec on our side), and its reply.
    async fn execute_untyped(&mut self, content: Value) -> JupyterMessage {
        let mut m = self.message(ExecuteRequest::new(String::new()));
        m.content = JupyterMessageContent::UnknownMessage(jupyter_protocol::UnknownMessage {
            msg_type: "execute_request".into(),
            content,
        });
        let id = m.header.msg_id.clone();
        let frames = codec::encode(&m, &self.signer);
        self.send_frames(false, frames).await;
        self.shell_reply(&id).await
    }

    async fn assert_alive(&mut self) {
        let (reply, _) = self.execute("result alive").await;
        assert_eq!(reply["status"], "ok");
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn content(m: &JupyterMessage) -> Value {
    serde_json::to_value(&m.content).unwrap()
}

fn types(outputs: &[(String, Value)]) -> Vec<&str> {
    outputs.iter().map(|(t, _)| t.as_str()).collect()
}

#[tokio::test]
async fn kernel_info_is_wrapped_in_busy_and_idle() {
    let mut k = Kernel::start().await;
    let id = k.send_shell(KernelInfoRequest {}).await;
    let reply = k.shell_reply(&id).await;
    let c = content(&reply);
    assert_eq!(reply.header.msg_type, "kernel_info_reply");
    assert_eq!(c["language_info"]["name"], "rust");
    assert_eq!(c["language_info"]["file_extension"], ".rs");
    assert_eq!(c["implementation"], "ndplay");
    assert!(c["protocol_version"].as_str().unwrap() >= "5.3");
    let iopub = k.iopub_until_idle(&id).await;
    let states: Vec<String> =
        iopub.iter().map(|m| content(m)["execution_state"].as_str().unwrap().to_string()).collect();
    assert_eq!(states, ["busy", "idle"]);
}

/// JEP 65: a new subscriber's first IOPub message is a welcome, with no request sent, so a
/// client knows its subscription is live without asking kernel_info again and again.
#[tokio::test]
async fn a_new_iopub_subscriber_is_welcomed() {
    let k = Kernel::start().await;
    let mut sub = SubSocket::new();
    sub.connect(&format!("tcp://127.0.0.1:{}", k.ports[1])).await.unwrap();
    sub.subscribe("").await.unwrap();
    let m = tokio::time::timeout(Duration::from_secs(5), sub.recv()).await.expect("no welcome in 5 s").unwrap();
    let m = k.decode(m);
    assert_eq!(m.header.msg_type, "iopub_welcome");
    assert_eq!(content(&m), json!({ "subscription": "" }));
    assert!(m.parent_header.is_none(), "{:?}", m.parent_header);
}

#[tokio::test]
async fn execute_publishes_outputs_in_order_and_counts() {
    let mut k = Kernel::start().await;
    let (reply, out) = k.execute("print hello\ndisplay picture\nclear\neprint oops\nresult 42").await;
    assert_eq!(reply["status"], "ok");
    assert_eq!(reply["execution_count"], 1);
    assert_eq!(
        types(&out),
        ["status", "execute_input", "stream", "display_data", "clear_output", "stream", "execute_result", "status"]
    );
    assert_eq!(out[2].1["text"], "hello\n");
    assert_eq!(out[5].1["name"], "stderr");
    assert_eq!(out[6].1["data"]["text/plain"], "result 42");
    assert_eq!(out[6].1["execution_count"], 1);
    let (reply, _) = k.execute("result again").await;
    assert_eq!(reply["execution_count"], 2);
}

#[tokio::test]
async fn silent_execution_publishes_no_input_nor_result_and_does_not_count() {
    let mut k = Kernel::start().await;
    let mut req = ExecuteRequest::new("print still shown\nresult hidden".into());
    req.silent = true;
    req.store_history = false;
    let id = k.send_shell(req).await;
    let reply = content(&k.shell_reply(&id).await);
    let out = k.iopub_until_idle(&id).await;
    let t: Vec<&str> = out.iter().map(|m| m.header.msg_type.as_str()).collect();
    assert_eq!(t, ["status", "stream", "status"]);
    assert_eq!(reply["status"], "ok");
    let (reply, _) = k.execute("result x").await;
    assert_eq!(reply["execution_count"], 1);
}

#[tokio::test]
async fn an_error_is_one_error_message_and_aborts_the_queue() {
    let mut k = Kernel::start().await;
    // The sleep lets the second request arrive while the first runs, as in "run all".
    let first = k.send_shell(ExecuteRequest::new("sleep 300\nfail broken".into())).await;
    let second = k.send_shell(ExecuteRequest::new("result never".into())).await;
    let r1 = content(&k.shell_reply(&first).await);
    assert_eq!(r1["status"], "error");
    assert_eq!(r1["ename"], "MockError");
    let out = k.iopub_until_idle(&first).await;
    let errors = out.iter().filter(|m| m.header.msg_type == "error").count();
    assert_eq!(errors, 1);
    let r2 = k.shell_reply(&second).await;
    assert_eq!(r2.header.msg_type, "execute_reply");
    assert_eq!(content(&r2)["status"], "aborted");
    // After the queue was aborted, new requests run again.
    k.assert_alive().await;
}

#[tokio::test]
async fn stop_on_error_false_keeps_the_queue() {
    let mut k = Kernel::start().await;
    let mut req = ExecuteRequest::new("fail broken".into());
    req.stop_on_error = false;
    let first = k.send_shell(req).await;
    let second = k.send_shell(ExecuteRequest::new("result runs".into())).await;
    assert_eq!(content(&k.shell_reply(&first).await)["status"], "error");
    assert_eq!(content(&k.shell_reply(&second).await)["status"], "ok");
}

#[tokio::test]
async fn user_expressions_are_evaluated() {
    let mut k = Kernel::start().await;
    let mut req = ExecuteRequest::new("result main".into());
    req.user_expressions =
        Some([("x".to_string(), "result 7".to_string()), ("bad".to_string(), "fail no".to_string())].into());
    let id = k.send_shell(req).await;
    let reply = content(&k.shell_reply(&id).await);
    assert_eq!(reply["user_expressions"]["x"]["status"], "ok");
    assert_eq!(reply["user_expressions"]["x"]["data"]["text/plain"], "result 7");
    assert_eq!(reply["user_expressions"]["bad"]["status"], "error");
}

#[tokio::test]
async fn bad_messages_are_dropped_and_the_kernel_keeps_answering() {
    let mut k = Kernel::start().await;
    // A forged signature.
    let m = k.message(ExecuteRequest::new("result forged".into()));
    let forged = codec::encode(&m, &Signer::new("not the key"));
    k.send_frames(false, forged).await;
    // A replayed message: the same frames twice. The first runs, the second must not.
    let m = k.message(ExecuteRequest::new("result once".into()));
    let replay_id = m.header.msg_id.clone();
    let frames = codec::encode(&m, &k.signer);
    k.send_frames(false, frames.clone()).await;
    let first = k.shell_reply(&replay_id).await;
    assert_eq!(content(&first)["status"], "ok");
    k.send_frames(false, frames).await;
    // Truncated frames, garbage JSON (correctly signed), and an unknown message type.
    let m = k.message(KernelInfoRequest {});
    let mut truncated = codec::encode(&m, &k.signer);
    truncated.truncate(4);
    k.send_frames(false, truncated).await;
    let parts: [&[u8]; 4] = [b"{not json", b"{}", b"{}", b"{}"];
    let sig = k.signer.sign(parts);
    let mut garbage = vec![Bytes::from_static(b"<IDS|MSG>"), Bytes::from(sig)];
    garbage.extend(parts.iter().map(|p| Bytes::copy_from_slice(p)));
    k.send_frames(false, garbage).await;
    let mut unknown = k.message(KernelInfoRequest {});
    unknown.header.msg_type = "frobnicate_request".into();
    let frames = codec::encode(&unknown, &k.signer);
    k.send_frames(false, frames).await;
    k.send_frames(true, vec![Bytes::from_static(b"just one frame")]).await;

    // The kernel still answers, and none of the above got a reply: the next reply on
    // shell belongs to this request.
    let id = k.send_shell(ExecuteRequest::new("result fine".into())).await;
    let m = tokio::time::timeout(WAIT, k.shell.recv()).await.unwrap().unwrap();
    let reply = k.decode(m);
    assert_eq!(reply.parent_header.unwrap().msg_id, id);
}

#[tokio::test]
async fn wrong_field_types_get_an_error_reply_not_silence() {
    let mut k = Kernel::start().await;
    let reply = k.execute_untyped(json!({"code": 42, "silent": "no"})).await;
    assert_eq!(reply.header.msg_type, "execute_reply");
    assert_eq!(content(&reply)["status"], "error");
    k.assert_alive().await;
}

#[tokio::test]
async fn a_20_mb_cell_is_handled() {
    let mut k = Kernel::start().await;
    let big = format!("result {}", "x".repeat(20 * 1024 * 1024));
    let (reply, out) = k.execute(&big).await;
    assert_eq!(reply["status"], "ok");
    assert!(types(&out).contains(&"execute_result"));
    k.assert_alive().await;
}

#[tokio::test]
async fn interrupt_stops_a_running_cell_within_a_second_and_heartbeat_keeps_beating() {
    let mut k = Kernel::start().await;
    let id = k.send_shell(ExecuteRequest::new("sleep 30000".into())).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Heartbeat and control answer while the cell runs.
    k.hb.send(ZmqMessage::from("ping")).await.unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(2), k.hb.recv()).await.expect("heartbeat").unwrap();
    assert_eq!(pong.into_vec()[0].as_ref(), b"ping");
    let info = k.send_control(KernelInfoRequest {}).await;
    assert_eq!(k.control_reply(&info).await.header.msg_type, "kernel_info_reply");

    let started = Instant::now();
    let int = k.send_control(InterruptRequest {}).await;
    assert_eq!(content(&k.control_reply(&int).await)["status"], "ok");
    let reply = content(&k.shell_reply(&id).await);
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert_eq!(reply["status"], "error");
    assert_eq!(reply["ename"], "Interrupted");
    k.assert_alive().await;
}

#[tokio::test]
async fn sigint_does_not_kill_the_kernel() {
    let mut k = Kernel::start().await;
    unsafe {
        libc::kill(k.child.id() as libc::pid_t, libc::SIGINT);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(k.child.try_wait().unwrap().is_none(), "the kernel exited on SIGINT");
    k.assert_alive().await;
}

#[tokio::test]
async fn is_complete_history_complete_inspect_and_comms() {
    let mut k = Kernel::start().await;
    for (code, status) in [("fn f() {", "incomplete"), ("let x = 1;", "complete"), ("}", "invalid")] {
        let m = k.message(JupyterMessageContent::IsCompleteRequest(jupyter_protocol::IsCompleteRequest {
            code: code.into(),
        }));
        let id = m.header.msg_id.clone();
        let f = codec::encode(&m, &k.signer);
        k.send_frames(false, f).await;
        assert_eq!(content(&k.shell_reply(&id).await)["status"], status, "{code}");
    }
    k.execute("result a").await;
    k.execute("result b").await;
    let mut hist = k.message(KernelInfoRequest {});
    hist.header.msg_type = "history_request".into();
    hist.content = JupyterMessageContent::UnknownMessage(jupyter_protocol::UnknownMessage {
        msg_type: "history_request".into(),
        content: json!({"hist_access_type": "search", "pattern": "result ?", "output": false, "raw": true}),
    });
    let id = hist.header.msg_id.clone();
    let f = codec::encode(&hist, &k.signer);
    k.send_frames(false, f).await;
    let h = content(&k.shell_reply(&id).await);
    assert_eq!(h["history"], json!([[1, 1, "result a"], [1, 2, "result b"]]));

    let id = k.send_shell(jupyter_protocol::CompleteRequest { code: "pri".into(), cursor_pos: 3 }).await;
    let c = content(&k.shell_reply(&id).await);
    assert_eq!(c["matches"], json!(["print"]));
    assert_eq!(c["cursor_start"], 0);
    assert!(c["metadata"].is_object());

    let id = k.send_shell(jupyter_protocol::CommInfoRequest { target_name: None }).await;
    let c = content(&k.shell_reply(&id).await);
    assert_eq!(c["status"], "ok");
    assert!(c["comms"].is_object());
}

#[tokio::test]
async fn shutdown_replies_and_exits() {
    let mut k = Kernel::start().await;
    let id = k.send_control(ShutdownRequest { restart: false }).await;
    let reply = content(&k.control_reply(&id).await);
    assert_eq!(reply["restart"], false);
    let deadline = Instant::now() + Duration::from_secs(5);
    while k.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "kernel did not exit after shutdown");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_empty_key_is_refused_unless_allowed() {
    let dir = std::env::temp_dir().join(format!("ndplay-nokey-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("c.json");
    std::fs::write(&file, json!({"ip":"127.0.0.1","transport":"tcp","shell_port":free_port(),"iopub_port":free_port(),
        "stdin_port":free_port(),"control_port":free_port(),"hb_port":free_port(),"key":"","signature_scheme":"hmac-sha256"}).to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ndplay"))
        .args(["kernel", "--mock-engine", "--connection-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-unsigned"));
    std::fs::remove_dir_all(&dir).ok();
    let mut k = Kernel::start_with_key("", &["--allow-unsigned"]).await;
    k.assert_alive().await;
}

/// Reads `client`'s shell socket for a short while and returns every message there.
async fn shell_messages_within(client: &mut Client, wait: Duration) -> Vec<JupyterMessage> {
    let mut out = Vec::new();
    while let Ok(m) = tokio::time::timeout(wait, client.shell.recv()).await {
        out.push(client.decode(m.unwrap()));
    }
    out
}

fn parent_id(m: &JupyterMessage) -> Option<&str> {
    m.parent_header.as_ref().map(|h| h.msg_id.as_str())
}

#[tokio::test]
async fn two_clients_at_once_each_get_their_own_replies_and_see_all_outputs() {
    let mut a = Kernel::start().await;
    let mut b = a.connect_client().await;
    let id_a = a.send_shell(ExecuteRequest::new("sleep 300\nprint from a\nresult a".into())).await;
    let id_b = b.send_shell(ExecuteRequest::new("print from b\nresult b".into())).await;

    // Each client's shell socket carries exactly its own reply, nothing of the other's.
    let to_a = shell_messages_within(&mut a, Duration::from_secs(2)).await;
    let to_b = shell_messages_within(&mut b, Duration::from_secs(2)).await;
    assert_eq!(to_a.iter().map(parent_id).collect::<Vec<_>>(), [Some(id_a.as_str())]);
    assert_eq!(to_b.iter().map(parent_id).collect::<Vec<_>>(), [Some(id_b.as_str())]);
    // Requests run one after the other, in order of arrival, counted once each.
    let count = |m: &JupyterMessage| content(m)["execution_count"].as_i64().unwrap();
    assert_eq!(count(&to_b[0]), count(&to_a[0]) + 1);

    // IOPub is a broadcast: both clients see both cells' outputs, each with its parent.
    for client in [&mut *a, &mut b] {
        for (id, text) in [(&id_a, "from a\n"), (&id_b, "from b\n")] {
            let out = client.iopub_until_idle(id).await;
            let streams: Vec<_> =
                out.iter().filter(|m| m.header.msg_type == "stream").map(|m| content(m)["text"].clone()).collect();
            assert_eq!(streams, [json!(text)]);
        }
    }
    a.assert_alive().await;
    b.assert_alive().await;
}

#[tokio::test]
async fn a_client_that_disconnects_mid_cell_does_not_take_the_kernel_down() {
    let mut k = Kernel::start().await;
    let mut gone = k.connect_client().await;
    let id = gone.send_shell(ExecuteRequest::new("sleep 400\nprint finished anyway\nresult late".into())).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    gone.disconnect().await;

    // The cell runs to its end; the reply has nobody to go to, but its outputs are published.
    let out = k.iopub_until_idle(&id).await;
    let kinds: Vec<_> = out.iter().map(|m| m.header.msg_type.as_str()).collect();
    assert_eq!(kinds, ["status", "execute_input", "stream", "execute_result", "status"]);
    k.assert_alive().await;
    // No stray reply reached the remaining client, and a new client is served.
    assert!(shell_messages_within(&mut k, Duration::from_millis(300)).await.is_empty());
    let mut next = k.connect_client().await;
    next.assert_alive().await;
}

#[tokio::test]
async fn missing_fields_get_an_error_reply_or_are_dropped() {
    let mut k = Kernel::start().await;
    // Content without its required field: an error reply that says so.
    let reply = k.execute_untyped(json!({"silent": false})).await;
    assert_eq!(reply.header.msg_type, "execute_reply");
    assert_eq!(content(&reply)["status"], "error");
    assert!(content(&reply)["evalue"].as_str().unwrap().contains("code"), "{}", content(&reply));

    // A header without msg_id or msg_type cannot be answered (a reply needs its parent):
    // it is dropped, and the next request is answered as usual.
    let parts: [&[u8]; 4] = [br#"{"username":"u","session":"s","version":"5.3"}"#, b"{}", b"{}", b"{}"];
    let sig = k.signer.sign(parts);
    let mut frames = vec![Bytes::from_static(b"<IDS|MSG>"), Bytes::from(sig)];
    frames.extend(parts.iter().map(|p| Bytes::copy_from_slice(p)));
    k.send_frames(false, frames).await;
    let id = k.send_shell(KernelInfoRequest {}).await;
    let m = tokio::time::timeout(WAIT, k.shell.recv()).await.unwrap().unwrap();
    assert_eq!(parent_id(&k.decode(m)), Some(id.as_str()));
}

#[tokio::test]
async fn binds_only_the_connection_files_address_and_warns_about_a_readable_file() {
    let mut k = Kernel::start_with_options(KEY, &[], 0o644, std::process::Stdio::piped()).await;
    k.assert_alive().await;
    // The connection file says 127.0.0.1; the same port on another loopback address
    // (all of 127/8 reaches this machine) must not answer.
    for port in &k.ports {
        let elsewhere =
            std::net::TcpStream::connect_timeout(&format!("127.0.0.2:{port}").parse().unwrap(), Duration::from_secs(1));
        assert!(elsewhere.is_err(), "port {port} answers on 127.0.0.2");
        assert!(std::net::TcpStream::connect(("127.0.0.1", *port)).is_ok(), "port {port} not bound on 127.0.0.1");
    }
    k.child.kill().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(k.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("readable by other users"), "{stderr}");
}

#[tokio::test]
async fn a_port_taken_by_another_program_ends_the_kernel_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = std::env::temp_dir().join(format!("ndplay-taken-{}", std::process::id()));
    let file = connection_file(&dir, KEY, 0o600);
    let mut conn: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    conn["shell_port"] = taken.local_addr().unwrap().port().into();
    std::fs::write(&file, conn.to_string()).unwrap();
    let kernel = Command::new(env!("CARGO_BIN_EXE_ndplay"))
        .args(["kernel", "--mock-engine", "--connection-file"])
        .arg(&file)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&kernel.stderr);
    assert!(!kernel.status.success(), "{stderr}");
    assert!(stderr.contains("another program took this port first"), "{stderr}");
    assert!(stderr.contains("shut this kernel down and start a new one"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_kernel_ends_when_the_jupyter_process_that_started_it_is_gone() {
    // A shell stands in for Jupyter: it starts the kernel with JPY_PARENT_PID set to its own
    // pid, as jupyter_client does, prints the kernel's pid, and is killed.
    let dir = std::env::temp_dir().join(format!("ndplay-orphan-{}", std::process::id()));
    let file = connection_file(&dir, KEY, 0o600);
    let script = format!(
        "JPY_PARENT_PID=$$ {:?} kernel --mock-engine --connection-file {:?} & echo $!; sleep 60",
        env!("CARGO_BIN_EXE_ndplay"),
        file
    );
    let mut jupyter =
        std::process::Command::new("sh").args(["-c", &script]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(jupyter.stdout.take().unwrap()), &mut line).unwrap();
    let kernel: i32 = line.trim().parse().unwrap();
    // The kernel stays up while its parent lives (it checks once a second).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // SAFETY: kill with signal 0 only checks that the process exists.
    assert_eq!(unsafe { libc::kill(kernel, 0) }, 0, "the kernel ended while its parent lived");
    jupyter.kill().unwrap();
    jupyter.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    // The orphan is reparented (to init or a subreaper) and, once it has exited, reaped by
    // it: it is gone or a zombie.
    let gone = || match std::fs::read_to_string(format!("/proc/{kernel}/stat")) {
        Err(_) => true,
        Ok(stat) => stat[stat.rfind(')').unwrap() + 1..].trim_start().starts_with('Z'),
    };
    while !gone() {
        assert!(Instant::now() < deadline, "the kernel outlived the process that started it by 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A message to `comm_id` from the frontend (a widget's move).
fn comm_msg(comm_id: &str, data: Value) -> jupyter_protocol::CommMsg {
    jupyter_protocol::CommMsg { comm_id: comm_id.to_string().into(), data: data.as_object().unwrap().clone() }
}

#[tokio::test]
async fn widget_comms_are_listed_and_their_messages_are_parented_between_busy_and_idle() {
    let mut k = Kernel::start().await;
    let (reply, outputs) = k.execute("widget w1\nwidget w2").await;
    assert_eq!(reply["status"], "ok");
    let opens: Vec<&Value> = outputs.iter().filter(|(t, _)| t == "comm_open").map(|(_, c)| c).collect();
    assert_eq!(opens.len(), 2);
    assert_eq!(opens[0]["target_name"], "jupyter.widget");

    let id = k.send_shell(jupyter_protocol::CommInfoRequest { target_name: Some("jupyter.widget".into()) }).await;
    let c = content(&k.shell_reply(&id).await);
    assert_eq!(c["comms"], json!({"w1": {"target_name": "jupyter.widget"}, "w2": {"target_name": "jupyter.widget"}}));

    // A move: busy, the engine's output, idle — all children of the comm_msg.
    let id = k.send_shell(comm_msg("w1", json!({"method": "update", "state": {"value": 3}}))).await;
    let messages = k.iopub_until_idle(&id).await;
    let kinds: Vec<&str> = messages.iter().map(|m| m.header.msg_type.as_str()).collect();
    assert_eq!(kinds, ["status", "display_data", "status"]);
    assert_eq!(content(&messages[0])["execution_state"], "busy");
    assert!(content(&messages[1])["data"]["text/plain"].as_str().unwrap().starts_with("w1 got"));
    // A failing closure: an error output, parented to the move.
    let id = k.send_shell(comm_msg("w2", json!({"method": "panic"}))).await;
    let messages = k.iopub_until_idle(&id).await;
    let kinds: Vec<&str> = messages.iter().map(|m| m.header.msg_type.as_str()).collect();
    assert_eq!(kinds, ["status", "error", "status"]);
    // A comm that is not open is not the engine's business, but still gets busy/idle.
    let id = k.send_shell(comm_msg("nobody", json!({"method": "update", "state": {}}))).await;
    assert_eq!(k.iopub_until_idle(&id).await.len(), 2);
    k.assert_alive().await;
}

#[tokio::test]
async fn the_control_comm_stays_open_and_other_targets_are_closed() {
    let mut k = Kernel::start().await;
    let open = |id: &str, target: &str| jupyter_protocol::CommOpen {
        comm_id: id.to_string().into(),
        target_name: target.into(),
        ..Default::default()
    };
    let id = k.send_shell(open("ctl", "jupyter.widget.control")).await;
    let kinds: Vec<String> = k.iopub_until_idle(&id).await.iter().map(|m| m.header.msg_type.clone()).collect();
    assert_eq!(kinds, ["status", "status"], "the control comm is kept");
    let id = k.send_shell(open("other", "some.target")).await;
    let kinds: Vec<String> = k.iopub_until_idle(&id).await.iter().map(|m| m.header.msg_type.clone()).collect();
    assert_eq!(kinds, ["status", "comm_close", "status"]);
    let id = k.send_shell(jupyter_protocol::CommInfoRequest { target_name: None }).await;
    assert_eq!(content(&k.shell_reply(&id).await)["comms"], json!({"ctl": {"target_name": "jupyter.widget.control"}}));
}

#[tokio::test]
async fn a_fresh_process_closes_the_codes_comms_with_a_notice() {
    let mut k = Kernel::start().await;
    k.execute("widget w1").await;
    let (reply, outputs) = k.execute("restart").await;
    assert_eq!(reply["status"], "ok");
    let closed: Vec<&Value> = outputs.iter().filter(|(t, _)| t == "comm_close").map(|(_, c)| c).collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["comm_id"], "w1");
    let notice = outputs.iter().find(|(t, _)| t == "stream").expect("a notice");
    assert!(notice.1["text"].as_str().unwrap().contains("widgets of earlier cells were closed"));
    let id = k.send_shell(jupyter_protocol::CommInfoRequest { target_name: None }).await;
    assert_eq!(content(&k.shell_reply(&id).await)["comms"], json!({}));
}

#[tokio::test]
async fn input_is_asked_on_stdin_only_when_the_request_allows_it() {
    let mut k = Kernel::start().await;
    // A client whose shell and stdin sockets share one identity, as jupyter_client's do.
    let with_identity = || {
        let mut options = zeromq::SocketOptions::default();
        options.peer_identity(zeromq::util::PeerIdentity::try_from(b"stdin-test-client".to_vec()).unwrap());
        DealerSocket::with_options(options)
    };
    let mut shell = with_identity();
    shell.connect(&format!("tcp://127.0.0.1:{}", k.ports[0])).await.unwrap();
    let mut stdin = with_identity();
    stdin.connect(&format!("tcp://127.0.0.1:{}", k.ports[2])).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut request = ExecuteRequest::new("input name?".into());
    request.allow_stdin = true;
    let m = k.message(request);
    shell.send(ZmqMessage::try_from(codec::encode(&m, &k.signer)).unwrap()).await.unwrap();
    let asked = k.decode(tokio::time::timeout(WAIT, stdin.recv()).await.expect("an input_request").unwrap());
    assert_eq!(asked.header.msg_type, "input_request");
    assert_eq!(content(&asked)["prompt"], "name?");
    assert_eq!(asked.parent_header.as_ref().unwrap().msg_id, m.header.msg_id);
    let answer = JupyterMessage::new(jupyter_protocol::InputReply { value: "Ada".into(), ..Default::default() }, None)
        .with_session(&k.session);
    stdin.send(ZmqMessage::try_from(codec::encode(&answer, &k.signer)).unwrap()).await.unwrap();
    let outputs = k.iopub_until_idle(&m.header.msg_id).await;
    let result = outputs.iter().find(|o| o.header.msg_type == "execute_result").expect("a result");
    assert_eq!(content(result)["data"]["text/plain"], "typed: Ada");

    // Without allow_stdin (nbval, nbclient, `ndplay check`): an error at once, saying why.
    let (reply, _) = k.execute("input name?").await;
    assert_eq!(reply["status"], "error");
    assert!(reply["evalue"].as_str().unwrap().contains("allow_stdin"), "{reply}");
}
