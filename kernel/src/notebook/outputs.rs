//! A cell's IOPub messages, turned into nbformat output dicts two ways: as Jupyter stores
//! them (`ndplay run`) and as nbval collects them (`ndplay check`).

use std::collections::HashMap;

use jupyter_protocol::{JupyterMessageContent, Media};
use serde_json::{json, Map, Value};

/// One IOPub message of a cell, reduced to what notebooks store.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Stream { name: String, text: String },
    Display { data: Value, metadata: Value, display_id: Option<String> },
    Update { data: Value, metadata: Value, display_id: Option<String> },
    Clear { wait: bool },
    Result { data: Value, metadata: Value, execution_count: u64 },
    Error { ename: String, evalue: String, traceback: Vec<String> },
}

fn media_value(media: &Media) -> Value {
    serde_json::to_value(media).unwrap_or_else(|_| json!({}))
}

impl Event {
    /// The output an IOPub message of a cell makes, as nbclient reads it (`status`,
    /// `execute_input` and the like make none).
    pub fn from_iopub(content: &JupyterMessageContent) -> Option<Event> {
        use JupyterMessageContent as C;
        Some(match content {
            C::StreamContent(s) => {
                Event::Stream { name: serde_json::to_value(&s.name).ok()?.as_str()?.to_string(), text: s.text.clone() }
            }
            C::DisplayData(d) => Event::Display {
                data: media_value(&d.data),
                metadata: Value::Object(d.metadata.clone()),
                display_id: d.transient.as_ref().and_then(|t| t.display_id.clone()),
            },
            C::UpdateDisplayData(d) => Event::Update {
                data: media_value(&d.data),
                metadata: Value::Object(d.metadata.clone()),
                display_id: d.transient.display_id.clone(),
            },
            C::ClearOutput(c) => Event::Clear { wait: c.wait },
            C::ExecuteResult(r) => Event::Result {
                data: media_value(&r.data),
                metadata: Value::Object(r.metadata.clone()),
                execution_count: r.execution_count.value() as u64,
            },
            C::ErrorOutput(e) => {
                Event::Error { ename: e.ename.clone(), evalue: e.evalue.clone(), traceback: e.traceback.clone() }
            }
            _ => return None,
        })
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Event::Error { .. })
    }
}

/// nbformat's `output_from_msg`.
fn output_dict(event: &Event) -> Option<Value> {
    Some(match event {
        Event::Stream { name, text } => json!({"output_type": "stream", "name": name, "text": text}),
        Event::Display { data, metadata, .. } => {
            json!({"output_type": "display_data", "data": data, "metadata": metadata})
        }
        Event::Result { data, metadata, execution_count } => json!({
            "output_type": "execute_result", "data": data, "metadata": metadata, "execution_count": execution_count
        }),
        Event::Error { ename, evalue, traceback } => {
            json!({"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback})
        }
        Event::Update { .. } | Event::Clear { .. } => return None,
    })
}

/// The outputs nbval collects for a cell (nbval 0.11 `IPyNbCell.runtest`): streams,
/// displays, the result and errors, in order. nbval does not act on `clear_output` or
/// `update_display_data` ("unhandled iopub msg"), so neither does this.
pub fn nbval_outputs(events: &[Event]) -> Vec<Value> {
    events.iter().filter_map(output_dict).collect()
}

/// Whether a cell sent messages that nbval ignores but Jupyter applies.
pub fn has_display_updates(events: &[Event]) -> bool {
    events.iter().any(|e| matches!(e, Event::Update { .. } | Event::Clear { .. }))
}

/// Outputs as a notebook frontend stores them, across a whole notebook run: what nbclient
/// does (`clear_output`, with `wait` deferring the clear to the next output; display ids
/// updated in place, in any cell), plus JupyterLab's merging of consecutive stream
/// messages of the same name into one output.
#[derive(Debug, Default)]
pub struct NotebookOutputs {
    /// Outputs per cell (keyed by the caller's cell index).
    cells: HashMap<usize, Vec<Value>>,
    /// display_id → (cell, output index) of every output that shows it.
    display_ids: HashMap<String, Vec<(usize, usize)>>,
    clear_pending: bool,
}

impl NotebookOutputs {
    pub fn push(&mut self, cell: usize, event: &Event) {
        let (display_id, data, metadata) = match event {
            Event::Display { display_id, data, metadata } | Event::Update { display_id, data, metadata } => {
                (display_id.as_deref(), Some(data), Some(metadata))
            }
            _ => (None, None, None),
        };
        // A display or an update with a known id rewrites every output showing it.
        if let (Some(id), Some(data), Some(metadata)) = (display_id, data, metadata) {
            for &(c, i) in self.display_ids.get(id).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(out) = self.cells.get_mut(&c).and_then(|o| o.get_mut(i)) {
                    out["data"] = data.clone();
                    out["metadata"] = metadata.clone();
                }
            }
        }
        match event {
            Event::Update { .. } => return,
            Event::Clear { wait: true } => {
                self.clear_pending = true;
                return;
            }
            Event::Clear { wait: false } => {
                self.clear(cell);
                return;
            }
            _ => {}
        }
        let Some(out) = output_dict(event) else { return };
        if self.clear_pending {
            self.clear(cell);
            self.clear_pending = false;
        }
        let outs = self.cells.entry(cell).or_default();
        if let Event::Stream { name, text } = event {
            if let Some(last) = outs.last_mut() {
                if last["output_type"] == "stream" && last["name"] == name.as_str() {
                    let merged = format!("{}{text}", last["text"].as_str().unwrap_or(""));
                    last["text"] = Value::String(merged);
                    return;
                }
            }
        }
        if let Some(id) = display_id {
            self.display_ids.entry(id.to_string()).or_default().push((cell, outs.len()));
        }
        outs.push(out);
    }

    /// Called when a cell finishes: a pending `clear_output(wait=True)` does not outlive it.
    pub fn end_cell(&mut self) {
        self.clear_pending = false;
    }

    fn clear(&mut self, cell: usize) {
        self.cells.insert(cell, Vec::new());
        for places in self.display_ids.values_mut() {
            places.retain(|(c, _)| *c != cell);
        }
    }

    pub fn take(&mut self, cell: usize) -> Vec<Value> {
        self.cells.get(&cell).cloned().unwrap_or_default()
    }
}

/// An empty metadata object, for building outputs in tests and elsewhere.
pub fn no_metadata() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(name: &str, text: &str) -> Event {
        Event::Stream { name: name.into(), text: text.into() }
    }
    fn display(text: &str, id: Option<&str>) -> Event {
        Event::Display { data: json!({"text/plain": text}), metadata: no_metadata(), display_id: id.map(Into::into) }
    }
    fn update(text: &str, id: &str) -> Event {
        Event::Update { data: json!({"text/plain": text}), metadata: no_metadata(), display_id: Some(id.into()) }
    }

    fn run(cells: &[&[Event]]) -> Vec<Vec<Value>> {
        let mut nb = NotebookOutputs::default();
        for (i, events) in cells.iter().enumerate() {
            for e in events.iter() {
                nb.push(i, e);
            }
            nb.end_cell();
        }
        (0..cells.len()).map(|i| nb.take(i)).collect()
    }

    #[test]
    fn consecutive_streams_of_one_name_merge() {
        let out = run(&[&[
            stream("stdout", "a\n"),
            stream("stdout", "b\n"),
            stream("stderr", "e\n"),
            stream("stdout", "c\n"),
        ]]);
        assert_eq!(out[0].len(), 3);
        assert_eq!(out[0][0]["text"], "a\nb\n");
        assert_eq!(out[0][1]["name"], "stderr");
        assert_eq!(out[0][2]["text"], "c\n");
    }

    #[test]
    fn updates_rewrite_displays_in_earlier_cells() {
        let out = run(&[
            &[display("v1", Some("d")), display("other", None)],
            &[stream("stdout", "x\n"), update("v2", "d"), display("v3", Some("d"))],
        ]);
        assert_eq!(out[0][0]["data"]["text/plain"], "v3");
        assert_eq!(out[0][1]["data"]["text/plain"], "other");
        assert_eq!(out[1].len(), 2);
        assert_eq!(out[1][1]["data"]["text/plain"], "v3");
        assert!(out[1][1].get("transient").is_none());
    }

    #[test]
    fn clear_output_with_and_without_wait() {
        let out = run(&[
            &[stream("stdout", "a\n"), Event::Clear { wait: false }, stream("stdout", "b\n")],
            &[display("1", None), Event::Clear { wait: true }, display("2", None), Event::Clear { wait: true }],
        ]);
        assert_eq!(out[0], vec![json!({"output_type": "stream", "name": "stdout", "text": "b\n"})]);
        // The second wait-clear never saw a next output: "2" stays.
        assert_eq!(out[1].len(), 1);
        assert_eq!(out[1][0]["data"]["text/plain"], "2");
    }

    #[test]
    fn cleared_displays_are_no_longer_updated() {
        let out =
            run(&[&[display("1", Some("d")), Event::Clear { wait: false }, display("x", None), update("2", "d")]]);
        assert_eq!(out[0].len(), 1);
        assert_eq!(out[0][0]["data"]["text/plain"], "x");
    }

    #[test]
    fn results_and_errors_are_stored_like_nbformat() {
        use jupyter_protocol::{ErrorOutput, ExecuteResult, ExecutionCount, MediaType};
        let result = ExecuteResult::new(ExecutionCount::new(7), Media::new(vec![MediaType::Plain("3".into())]));
        let r = Event::from_iopub(&result.into()).unwrap();
        let error = ErrorOutput { ename: "panic".into(), evalue: "boom".into(), traceback: vec!["l1".into()] };
        let e = Event::from_iopub(&error.into()).unwrap();
        let out = run(&[&[r, e]]);
        assert_eq!(
            out[0][0],
            json!({"output_type": "execute_result", "execution_count": 7, "data": {"text/plain": "3"}, "metadata": {}})
        );
        assert_eq!(out[0][1], json!({"output_type": "error", "ename": "panic", "evalue": "boom", "traceback": ["l1"]}));
    }

    #[test]
    fn nbval_ignores_clears_and_updates() {
        let events = [
            display("1", Some("d")),
            Event::Clear { wait: false },
            update("2", "d"),
            stream("stdout", "a"),
            stream("stdout", "b"),
        ];
        let out = nbval_outputs(&events);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0]["data"]["text/plain"], "1");
        assert!(has_display_updates(&events));
    }

    #[test]
    fn iopub_messages_become_events() {
        use jupyter_protocol::{
            ClearOutput, ExecuteInput, ExecutionCount, MediaType, Status, StreamContent, UpdateDisplayData,
        };
        let message = UpdateDisplayData::new(Media::new(vec![MediaType::Plain("u".into())]), "id-1");
        assert_eq!(Event::from_iopub(&StreamContent::stderr("oops\n").into()), Some(stream("stderr", "oops\n")));
        assert_eq!(Event::from_iopub(&ClearOutput { wait: true }.into()), Some(Event::Clear { wait: true }));
        assert_eq!(Event::from_iopub(&message.into()), Some(update("u", "id-1")));
        assert_eq!(Event::from_iopub(&Status::busy().into()), None);
        let input = ExecuteInput { code: "1".into(), execution_count: ExecutionCount::new(1) };
        assert_eq!(Event::from_iopub(&input.into()), None);
    }
}
