//! The machine-wide bound on spares: a spare is started, and kept waiting, only while the
//! machine has memory to spare (`NDPLAY_SPARE_MIN_AVAILABLE`).
//!
//! On a server shared by a class every student's kernel leaves a spare, so spares are as
//! many as students. Measured on a shared cache (docs/deploy.md): an idle spare holds about
//! 4 MB (PSS) beside 9 MB for an idle kernel and 125 MB for the student's Jupyter server,
//! so spares are not what fills a server; but a machine already short of memory should
//! not start processes nobody asked for yet. The floor is the kernel's `MemAvailable`,
//! which counts every user's processes, so it bounds all spares of the machine together
//! without any coordination between users (who cannot see each other's caches).

/// The default floor: no spare while less than this share of memory is available.
pub const DEFAULT_MIN_AVAILABLE: &str = "10%";
const VAR: &str = "NDPLAY_SPARE_MIN_AVAILABLE";

/// `(MemTotal, MemAvailable)` in bytes, from `/proc/meminfo`.
fn meminfo() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line[name.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024)
    };
    Some((field("MemTotal:")?, field("MemAvailable:")?))
}

/// Whether a spare may start or keep waiting now. Without `/proc/meminfo` (not Linux), yes.
pub fn affordable() -> bool {
    let setting = std::env::var(VAR).unwrap_or_else(|_| DEFAULT_MIN_AVAILABLE.to_string());
    meminfo().is_none_or(|(total, available)| affordable_with(&setting, total, available))
}

/// The rule, for a setting (`10%`, `2G`, `0`; anything unreadable means the default).
fn affordable_with(setting: &str, total: u64, available: u64) -> bool {
    use crate::engine::rust::process::limits::memory_limit;
    // `0`: no floor (not a memory size, which must be at least a byte).
    let floor = if setting.trim() == "0" {
        0
    } else {
        match memory_limit(setting, total) {
            Ok(Some(bytes)) => bytes,
            _ => memory_limit(DEFAULT_MIN_AVAILABLE, total).ok().flatten().unwrap_or(0),
        }
    };
    available >= floor
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1 << 30;

    #[test]
    fn the_floor_is_a_share_of_memory_or_a_size() {
        assert!(affordable_with("10%", 24 * GB, 3 * GB));
        assert!(!affordable_with("10%", 24 * GB, 2 * GB));
        assert!(affordable_with("2G", 24 * GB, 2 * GB));
        assert!(!affordable_with("4G", 24 * GB, 3 * GB));
        assert!(affordable_with("0", 24 * GB, 0), "0 turns the floor off");
        // A setting that cannot be read is the default, not "no floor".
        assert!(!affordable_with("lots", 24 * GB, GB));
    }

    #[test]
    fn this_machine_reports_its_memory() {
        let (total, available) = meminfo().unwrap();
        assert!(total > 0 && available <= total);
    }
}
