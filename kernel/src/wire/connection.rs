//! Reading and checking the connection file that Jupyter hands the kernel.

use std::path::Path;

use anyhow::{bail, Context, Result};
use jupyter_protocol::ConnectionInfo;

/// Reads the connection file and refuses configurations that would be unsafe or that the
/// kernel cannot serve.
///
/// An empty key means that nobody's messages are authenticated: any local process could
/// run code as this user. Jupyter never writes one unless asked to, so it is refused unless
/// the user says `--allow-unsigned`.
pub fn load_connection_file(path: &Path, allow_unsigned: bool) -> Result<ConnectionInfo> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the connection file {}", path.display()))?;
    let info: ConnectionInfo =
        serde_json::from_str(&text).with_context(|| format!("{} is not a Jupyter connection file", path.display()))?;
    if info.key.is_empty() && !allow_unsigned {
        bail!(
            "the connection file {} has an empty key, so messages would not be signed; \
             refusing to start (pass --allow-unsigned if that is really what you want)",
            path.display()
        );
    }
    if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
        bail!("signature scheme {:?} is not supported; use hmac-sha256", info.signature_scheme);
    }
    warn_if_readable_by_others(path);
    Ok(info)
}

/// Writes the ports the kernel serves back into its connection file when the file asked
/// for any port 0 ("pick one"), as ipykernel does, so that a client started after the
/// kernel finds it. Every other field of the file is kept as it was. A file with all five
/// ports set is left alone.
///
/// The new text goes to a fresh file beside it (mode 0600: it holds the key) that then
/// replaces the old one, so a client never reads half a file.
pub fn record_ports(path: &Path, asked: &ConnectionInfo, served: &ConnectionInfo) -> Result<()> {
    let ports = |i: &ConnectionInfo| [i.shell_port, i.iopub_port, i.stdin_port, i.control_port, i.hb_port];
    if !ports(asked).contains(&0) {
        return Ok(());
    }
    let what = || format!("writing the chosen ports into the connection file {}", path.display());
    let text = std::fs::read_to_string(path).with_context(what)?;
    let mut file: serde_json::Value = serde_json::from_str(&text).with_context(what)?;
    let fields = file.as_object_mut().with_context(what)?;
    for (name, port) in
        ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"].into_iter().zip(ports(served))
    {
        fields.insert(name.to_string(), port.into());
    }
    let name = path.file_name().with_context(what)?.to_string_lossy();
    let fresh = path.with_file_name(format!(".{name}.{}.new", std::process::id()));
    let written = write_private(&fresh, serde_json::to_string_pretty(&file)?.as_bytes())
        .and_then(|()| std::fs::rename(&fresh, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&fresh);
    }
    written.with_context(what)
}

/// Creates `path` (it must not exist) readable by this user only and writes `bytes`.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The key in the connection file lets anyone who reads it run code as this user.
#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o044 != 0 {
            eprintln!(
                "ndplay: warning: the connection file {} is readable by other users, who \
                 could use its key to run code as you (chmod 600 it)",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, key: &str) -> std::path::PathBuf {
        let p = dir.join("conn.json");
        std::fs::write(
            &p,
            format!(
                r#"{{"ip":"127.0.0.1","transport":"tcp","shell_port":1,"iopub_port":2,
                "stdin_port":3,"control_port":4,"hb_port":5,"key":"{key}",
                "signature_scheme":"hmac-sha256","kernel_name":"ndplay"}}"#
            ),
        )
        .unwrap();
        p
    }

    #[test]
    fn empty_key_is_refused_unless_allowed() {
        let dir = std::env::temp_dir().join(format!("ndplay-conn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = write(&dir, "");
        let err = load_connection_file(&p, false).unwrap_err().to_string();
        assert!(err.contains("--allow-unsigned"), "{err}");
        assert!(load_connection_file(&p, true).is_ok());
        let p = write(&dir, "abc");
        assert_eq!(load_connection_file(&p, false).unwrap().key, "abc");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn chosen_ports_are_written_back_and_nothing_else_changes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ndplay-conn-ports-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("conn.json");
        std::fs::write(
            &p,
            r#"{"ip":"127.0.0.1","transport":"tcp","shell_port":0,"iopub_port":7002,
            "stdin_port":0,"control_port":0,"hb_port":0,"key":"abc",
            "signature_scheme":"hmac-sha256","kernel_name":"ndplay","jupyter_session":"/nb.ipynb"}"#,
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let asked = load_connection_file(&p, false).unwrap();
        let mut served = asked.clone();
        (served.shell_port, served.stdin_port, served.control_port, served.hb_port) = (7001, 7003, 7004, 7005);
        record_ports(&p, &asked, &served).unwrap();

        let now: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let ports: Vec<u64> = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]
            .iter()
            .map(|k| now[k].as_u64().unwrap())
            .collect();
        assert_eq!(ports, [7001, 7002, 7003, 7004, 7005]);
        // A field the kernel does not read is kept; so are the key and the mode.
        assert_eq!(now["jupyter_session"], "/nb.ipynb");
        assert_eq!(now["key"], "abc");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        // Nothing is left beside it.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

        // A file with every port set is not touched, even if the served info differs.
        let before = std::fs::read_to_string(&p).unwrap();
        let asked = load_connection_file(&p, false).unwrap();
        served.hb_port = 9999;
        record_ports(&p, &asked, &served).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), before);
        std::fs::remove_dir_all(&dir).ok();
    }
}
