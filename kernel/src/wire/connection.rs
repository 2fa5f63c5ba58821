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
}
