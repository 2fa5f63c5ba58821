//! The comms that are open: those the code opened (widget models, target `jupyter.widget`)
//! and the frontend's `jupyter.widget.control` comm.
//!
//! The core learns of the code's comms from the outputs that pass through it (an engine's
//! `comm_open` and `comm_close`), so it can answer `comm_info_request` (how a frontend finds
//! the widgets of a kernel after a page reload) and close every widget with a notice when
//! the process that ran their code is gone.

use std::collections::BTreeMap;
use std::sync::Mutex;

use jupyter_protocol::{CommId, CommInfo};

/// The comm target of the frontend's request for every widget's state at once.
pub const CONTROL_TARGET: &str = "jupyter.widget.control";

#[derive(Default)]
pub struct Comms {
    /// comm id → (target name, opened by the frontend)
    open: Mutex<BTreeMap<String, (String, bool)>>,
}

impl Comms {
    pub fn opened(&self, id: &str, target: &str, by_frontend: bool) {
        self.lock().insert(id.to_string(), (target.to_string(), by_frontend));
    }

    pub fn closed(&self, id: &str) {
        self.lock().remove(id);
    }

    pub fn is_open(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// Whether `id` is open and was opened by the code (not by the frontend).
    pub fn is_codes(&self, id: &str) -> bool {
        self.lock().get(id).is_some_and(|(_, by_frontend)| !by_frontend)
    }

    /// `comm_info_reply`'s `comms`: every open comm, or those of one target.
    pub fn info(&self, target: Option<&str>) -> std::collections::HashMap<CommId, CommInfo> {
        self.lock()
            .iter()
            .filter(|(_, (t, _))| target.is_none_or(|wanted| wanted.is_empty() || wanted == t))
            .map(|(id, (t, _))| (CommId(id.clone()), CommInfo { target_name: t.clone() }))
            .collect()
    }

    /// Forgets the comms the code opened and returns their ids (their process is gone).
    pub fn take_code_comms(&self) -> Vec<String> {
        let mut open = self.lock();
        let ids: Vec<String> =
            open.iter().filter(|(_, (_, by_frontend))| !by_frontend).map(|(id, _)| id.clone()).collect();
        for id in &ids {
            open.remove(id);
        }
        ids
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (String, bool)>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_by_target_and_forgets_only_the_codes_comms() {
        let comms = Comms::default();
        comms.opened("a", "jupyter.widget", false);
        comms.opened("b", "jupyter.widget", false);
        comms.opened("c", CONTROL_TARGET, true);
        assert_eq!(comms.info(None).len(), 3);
        assert_eq!(comms.info(Some("jupyter.widget")).len(), 2);
        comms.closed("a");
        assert_eq!(comms.take_code_comms(), ["b"]);
        assert!(comms.is_open("c") && !comms.is_open("b"));
        assert!(!comms.is_codes("c"));
    }
}
