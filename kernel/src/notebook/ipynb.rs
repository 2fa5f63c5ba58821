//! Reading and writing `.ipynb` files (nbformat 4) as nbformat does.
//!
//! The notebook is kept as a `serde_json::Value`, so fields this module does not know
//! survive a rewrite. Reading rejoins multi-line strings (nbformat's `rejoin_lines`);
//! writing splits them again (`split_lines`), drops the transient fields nbformat drops,
//! and formats like `json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)` with a
//! final newline — so a notebook written here and one written by Jupyter differ only where
//! their contents do.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub struct Notebook {
    pub json: Value,
}

/// A code cell, as nbval sees it.
#[derive(Debug, Clone)]
pub struct CodeCell {
    /// Position in the notebook's `cells` array.
    pub index: usize,
    pub source: String,
    pub tags: Vec<String>,
    /// `None` when the stored cell was never run.
    pub execution_count: Option<u64>,
    pub outputs: Vec<Value>,
}

impl Notebook {
    pub fn read(path: &Path) -> Result<Notebook> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Notebook::parse(&text).with_context(|| format!("{} is not a notebook ndplay can read", path.display()))
    }

    pub fn parse(text: &str) -> Result<Notebook> {
        let mut json: Value = serde_json::from_str(text).context("invalid JSON")?;
        match json.get("nbformat").and_then(Value::as_u64) {
            Some(4) => {}
            Some(v) => bail!("nbformat {v}; only nbformat 4 is supported (open and save it in Jupyter to upgrade)"),
            None => bail!("no nbformat field"),
        }
        let Some(cells) = json.get_mut("cells").and_then(Value::as_array_mut) else {
            bail!("no cells array");
        };
        for cell in cells.iter_mut() {
            rejoin_cell(cell);
        }
        Ok(Notebook { json })
    }

    pub fn cells(&self) -> &[Value] {
        self.json["cells"].as_array().map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn code_cells(&self) -> Vec<CodeCell> {
        self.cells()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.get("cell_type").and_then(Value::as_str) == Some("code"))
            .map(|(index, c)| CodeCell {
                index,
                source: c.get("source").and_then(Value::as_str).unwrap_or("").to_string(),
                tags: tags(c),
                execution_count: c.get("execution_count").and_then(Value::as_u64),
                outputs: c.get("outputs").and_then(Value::as_array).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// Stores a fresh run's outputs and execution count in the cell at `index`.
    pub fn set_outputs(&mut self, index: usize, execution_count: Option<u64>, outputs: Vec<Value>) {
        let cell = &mut self.json["cells"][index];
        cell["outputs"] = Value::Array(outputs);
        cell["execution_count"] = execution_count.map_or(Value::Null, Value::from);
    }

    /// The file's text, as `nbformat.write` would produce it.
    pub fn to_ipynb_string(&self) -> String {
        let mut json = self.json.clone();
        if let Some(meta) = json.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in ["orig_nbformat", "orig_nbformat_minor", "signature"] {
                meta.remove(key);
            }
        }
        if let Some(cells) = json.get_mut("cells").and_then(Value::as_array_mut) {
            for cell in cells.iter_mut() {
                if let Some(meta) = cell.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("trusted");
                }
                split_cell(cell);
            }
        }
        let sorted = sort_keys(json);
        let mut buf = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
        serde::Serialize::serialize(&sorted, &mut ser).expect("serializing JSON to memory cannot fail");
        let mut text = String::from_utf8(buf).expect("serde_json writes UTF-8");
        text.push('\n');
        text
    }
}

pub fn tags(cell: &Value) -> Vec<String> {
    cell.pointer("/metadata/tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// nbformat's `_is_json_mime`: values of these mime types are JSON, never split or joined.
pub fn is_json_mime(mime: &str) -> bool {
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn join_if_lines(v: &mut Value) {
    if let Value::Array(items) = v {
        if items.iter().all(Value::is_string) {
            *v = Value::String(items.iter().filter_map(Value::as_str).collect());
        }
    }
}

/// Where nbformat's `rejoin_lines` and `split_lines` look: the source, each attachment's
/// mime bundle and, in a code cell, each output: the `data` bundle of a result or display,
/// the `text` of other outputs whose type `text_output` accepts. `visit` gets each value,
/// with its mime type when it is in a bundle.
fn walk_strings(cell: &mut Value, text_output: fn(&str) -> bool, visit: &mut dyn FnMut(Option<&str>, &mut Value)) {
    fn bundle(data: Option<&mut Value>, visit: &mut dyn FnMut(Option<&str>, &mut Value)) {
        if let Some(Value::Object(data)) = data {
            for (mime, value) in data.iter_mut() {
                visit(Some(mime), value);
            }
        }
    }
    if let Some(source) = cell.get_mut("source") {
        visit(None, source);
    }
    if let Some(Value::Object(attachments)) = cell.get_mut("attachments") {
        for a in attachments.values_mut() {
            bundle(Some(a), visit);
        }
    }
    if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
        return;
    }
    if let Some(Value::Array(outputs)) = cell.get_mut("outputs") {
        for output in outputs.iter_mut() {
            match output.get("output_type").and_then(Value::as_str) {
                Some("execute_result" | "display_data") => bundle(output.get_mut("data"), visit),
                Some(t) if text_output(t) => {
                    if let Some(text) = output.get_mut("text") {
                        visit(None, text);
                    }
                }
                _ => {}
            }
        }
    }
}

/// nbformat's `rejoin_lines` on one cell: every output's text, and all but JSON mime types.
fn rejoin_cell(cell: &mut Value) {
    walk_strings(cell, |_| true, &mut |mime, v| {
        if !mime.is_some_and(is_json_mime) {
            join_if_lines(v);
        }
    });
}

fn split_value(v: &mut Value) {
    if let Value::String(s) = v {
        *v = Value::Array(splitlines_keepends(s).into_iter().map(Value::from).collect());
    }
}

/// nbformat's `split_lines` on one cell: streams' text, and text-like mime types only.
fn split_cell(cell: &mut Value) {
    walk_strings(cell, |t| t == "stream", &mut |mime, v| {
        if mime.is_none_or(|m| m.starts_with("text/") || m == "application/javascript" || m == "image/svg+xml") {
            split_value(v);
        }
    });
}

/// Python's `str.splitlines(True)`: every line keeps its terminator, and the terminators
/// are Python's (`\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`–`\x1e`, `\x85`, U+2028, U+2029).
pub fn splitlines_keepends(s: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let end = match c {
            '\r' => match iter.peek() {
                Some((j, '\n')) => {
                    let j = *j;
                    iter.next();
                    j + 1
                }
                _ => i + 1,
            },
            '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}' => i + c.len_utf8(),
            _ => continue,
        };
        lines.push(s[start..end].to_string());
        start = end;
    }
    if start < s.len() {
        lines.push(s[start..].to_string());
    }
    lines
}

/// Rebuilds every object with its keys in order (whatever map serde_json was built with).
fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut sorted = Map::new();
            for (k, v) in entries {
                sorted.insert(k, sort_keys(v));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NB: &str = r##"{
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "text"]},
  {"cell_type": "code", "execution_count": 3, "metadata": {"tags": ["raises-exception"], "trusted": true},
   "source": ["let a = 1;\n", "a"],
   "outputs": [
    {"output_type": "stream", "name": "stdout", "text": ["x\n", "y\n"]},
    {"output_type": "execute_result", "execution_count": 3, "metadata": {},
     "data": {"text/plain": ["1\n", "2"], "application/json": {"a": ["b"]}, "image/png": "iVBO\nRw=="}}
   ]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "source": "", "outputs": []}
 ],
 "metadata": {"kernelspec": {"name": "ndplay"}, "signature": "s"},
 "nbformat": 4, "nbformat_minor": 5
}"##;

    #[test]
    fn reads_like_nbformat() {
        let nb = Notebook::parse(NB).unwrap();
        let cells = nb.code_cells();
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].index, 1);
        assert_eq!(cells[0].source, "let a = 1;\na");
        assert_eq!(cells[0].tags, vec!["raises-exception"]);
        assert_eq!(cells[0].execution_count, Some(3));
        assert_eq!(cells[0].outputs[0]["text"], "x\ny\n");
        assert_eq!(cells[0].outputs[1]["data"]["text/plain"], "1\n2");
        assert_eq!(cells[0].outputs[1]["data"]["application/json"], json!({"a": ["b"]}));
        assert_eq!(cells[1].execution_count, None);
        assert_eq!(nb.cells()[0]["source"], "# Title\ntext");
    }

    #[test]
    fn writes_like_nbformat() {
        let mut nb = Notebook::parse(NB).unwrap();
        nb.set_outputs(2, Some(4), vec![json!({"output_type": "stream", "name": "stderr", "text": "é\u{1b}[0m\n"})]);
        let text = nb.to_ipynb_string();
        assert!(text.ends_with("}\n"));
        assert!(!text.contains("signature") && !text.contains("trusted"));
        // indent=1, sorted keys, lines split, non-ASCII kept, control characters escaped.
        assert!(text.starts_with("{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\",\n   \"metadata\": {},\n   \"source\": [\n    \"# Title\\n\",\n    \"text\"\n   ]\n  },"), "{text}");
        assert!(text.contains("\"text\": [\n      \"é\\u001b[0m\\n\"\n     ]"), "{text}");
        assert!(text.contains("\"image/png\": \"iVBO\\nRw==\""), "{text}");
        assert!(text.contains("\"application/json\": {\n       \"a\": [\n        \"b\"\n       ]"), "{text}");
        // Round trip.
        let again = Notebook::parse(&text).unwrap();
        assert_eq!(again.code_cells()[1].execution_count, Some(4));
        assert_eq!(again.code_cells()[1].outputs[0]["text"], "é\u{1b}[0m\n");
        assert_eq!(again.to_ipynb_string(), text);
    }

    #[test]
    fn rejoins_and_splits_where_nbformat_does() {
        let cell = |cell_type: &str| {
            json!({"cell_type": cell_type, "metadata": {}, "source": ["a\n", "b"],
                   "attachments": {"x.txt": {"text/plain": ["c\n", "d"], "application/vnd.x+json": ["e", "f"]}},
                   "outputs": [{"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t\n", "u"],
                                "text": ["g\n", "h"]},
                               {"output_type": "display_data", "metadata": {},
                                "data": {"image/svg+xml": ["<svg>\n", "</svg>"], "image/png": ["i", "j"]}}]})
        };
        let mut code = cell("code");
        rejoin_cell(&mut code);
        assert_eq!(code["source"], "a\nb");
        assert_eq!(code["attachments"]["x.txt"], json!({"text/plain": "c\nd", "application/vnd.x+json": ["e", "f"]}));
        // Rejoining takes any output's `text` (never a traceback) and every non-JSON mime type.
        assert_eq!(code["outputs"][0]["text"], "g\nh");
        assert_eq!(code["outputs"][0]["traceback"], json!(["t\n", "u"]));
        assert_eq!(code["outputs"][1]["data"], json!({"image/svg+xml": "<svg>\n</svg>", "image/png": "ij"}));
        // Splitting takes only streams' `text`, and text-like mime types.
        split_cell(&mut code);
        assert_eq!(code["source"], json!(["a\n", "b"]));
        assert_eq!(code["attachments"]["x.txt"]["text/plain"], json!(["c\n", "d"]));
        assert_eq!(code["outputs"][0]["text"], "g\nh");
        assert_eq!(code["outputs"][1]["data"], json!({"image/svg+xml": ["<svg>\n", "</svg>"], "image/png": "ij"}));
        // Outside a code cell, outputs are not walked.
        let mut markdown = cell("markdown");
        rejoin_cell(&mut markdown);
        assert_eq!(markdown["source"], "a\nb");
        assert_eq!(markdown["outputs"], cell("markdown")["outputs"]);
    }

    #[test]
    fn splitlines_matches_python() {
        assert_eq!(splitlines_keepends("a\nb\r\nc\rd"), vec!["a\n", "b\r\n", "c\r", "d"]);
        assert_eq!(splitlines_keepends("a\n"), vec!["a\n"]);
        assert!(splitlines_keepends("").is_empty());
        assert_eq!(splitlines_keepends("a\x0cb\u{2028}"), vec!["a\x0c", "b\u{2028}"]);
    }

    #[test]
    fn rejects_other_formats() {
        assert!(Notebook::parse(r#"{"nbformat": 3, "worksheets": []}"#).is_err());
        assert!(Notebook::parse("not json").is_err());
    }
}
