//! nbval's verdict on one cell (nbval 0.11.0, `plugin.py`), and a readable diff.
//!
//! What nbval does, and so what this does:
//! - options come from cell tags (`nbval-ignore-output`, `nbval-check-output`,
//!   `nbval-raises-exception`, `raises-exception`, `nbval-skip`) and from comment lines
//!   (`# NBVAL_IGNORE_OUTPUT` …); comments win. Every cell's output is checked by default.
//! - a skipped cell is not run at all;
//! - an error in a cell without `raises-exception` fails it ("Cell execution caused an
//!   exception"), whatever the stored outputs;
//! - a stored cell that was never run (`execution_count: null`) is not compared, and fails
//!   if it nevertheless has outputs;
//! - otherwise both output lists are coalesced (all streams of one name joined into the
//!   first, carriage returns applied) and compared per key: each output contributes its
//!   keys, `data` flattened into its mime types and a stream into its name (`stdout`), minus
//!   `metadata`, `traceback`, `execution_count`, `output_type`, `name`, `prompt_number`,
//!   the widget mime and `image/png`/`image/jpeg`. The key sets must be equal and, per key,
//!   the sanitized values equal in number and in order. So the relative order of different
//!   kinds of output does not matter, and an error is compared by `ename` and `evalue`.

use std::collections::HashMap;

use serde_json::Value;
use similar::algorithms::{diff_slices, Capture, Replace};
use similar::{group_diff_ops, Algorithm, DiffOp, DiffTag};

use super::sanitize::Sanitizer;

/// nbval's `skip_compare` (without `--nbdime`).
pub const SKIP_COMPARE: &[&str] = &[
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellOptions {
    pub check: bool,
    pub check_exception: bool,
    pub skip: bool,
}

fn marker(name: &str) -> Option<(&'static str, bool)> {
    Some(match name {
        "PYTEST_VALIDATE_IGNORE_OUTPUT" | "NBVAL_IGNORE_OUTPUT" => ("check", false),
        "NBVAL_CHECK_OUTPUT" => ("check", true),
        "NBVAL_RAISES_EXCEPTION" => ("check_exception", true),
        "NBVAL_SKIP" => ("skip", true),
        _ => return None,
    })
}

fn tag_marker(tag: &str) -> Option<(&'static str, bool)> {
    if tag == "raises-exception" {
        return Some(("check_exception", true));
    }
    // nbval's tags are its comment markers, lower-cased with `-` for `_`.
    [
        "PYTEST_VALIDATE_IGNORE_OUTPUT",
        "NBVAL_IGNORE_OUTPUT",
        "NBVAL_CHECK_OUTPUT",
        "NBVAL_RAISES_EXCEPTION",
        "NBVAL_SKIP",
    ]
    .into_iter()
    .find(|m| m.to_lowercase().replace('_', "-") == tag)
    .and_then(marker)
}

/// nbval's `find_metadata_tags` then `find_comment_markers`, later ones winning.
pub fn cell_options(tags: &[String], source: &str) -> CellOptions {
    let mut found: HashMap<&str, bool> = HashMap::new();
    for (k, v) in tags.iter().filter_map(|t| tag_marker(t)) {
        found.insert(k, v);
    }
    for line in source.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('#') {
            if let Some((k, v)) = marker(rest.trim_start_matches('#').trim()) {
                found.insert(k, v);
            }
        }
    }
    CellOptions {
        check: found.get("check").copied().unwrap_or(true),
        check_exception: found.get("check_exception").copied().unwrap_or(false),
        skip: found.get("skip").copied().unwrap_or(false),
    }
}

/// nbval's `coalesce_streams`: every stream of one name joined into the first of them, then
/// carriage returns applied. (nbval's backspace step never runs: its loop condition is false
/// on entry.)
pub fn coalesce_streams(outputs: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for o in outputs {
        if o.get("output_type").and_then(Value::as_str) == Some("stream") {
            let name = o.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            let text = o.get("text").and_then(Value::as_str).unwrap_or("");
            if let Some(&i) = first_of.get(&name) {
                let joined = format!("{}{text}", out[i]["text"].as_str().unwrap_or(""));
                out[i]["text"] = Value::String(joined);
                continue;
            }
            first_of.insert(name, out.len());
        }
        out.push(o.clone());
    }
    for &i in first_of.values() {
        if let Some(text) = out[i].get("text").and_then(Value::as_str) {
            out[i]["text"] = Value::String(apply_carriage_returns(text));
        }
    }
    out
}

/// `re.sub(r'^.*\r(?=[^\n])', '', text, flags=re.M)`: on each line, everything up to the
/// last carriage return that is followed by more text on that line is dropped.
fn apply_carriage_returns(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let chars: Vec<(usize, char)> = line.char_indices().collect();
            let cut = chars
                .iter()
                .enumerate()
                .rev()
                .find(|(k, (_, c))| *c == '\r' && *k + 1 < chars.len())
                .map(|(_, (i, _))| i + 1);
            match cut {
                Some(i) => &line[i..],
                None => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// nbval's `transform_streams_for_comparison` then the flattening in `compare_outputs`:
/// key → sanitized values, keys in order of first appearance.
fn flatten(outputs: &[Value], s: &Sanitizer) -> Vec<(String, Vec<Value>)> {
    let mut keys: Vec<(String, Vec<Value>)> = Vec::new();
    let mut add = |k: &str, v: Value| match keys.iter_mut().find(|(key, _)| key == k) {
        Some((_, vs)) => vs.push(v),
        None => keys.push((k.to_string(), vec![v])),
    };
    for o in outputs {
        let Some(obj) = o.as_object() else { continue };
        if obj.get("output_type").and_then(Value::as_str) == Some("stream") {
            let name = obj.get("name").and_then(Value::as_str).unwrap_or("");
            if !SKIP_COMPARE.contains(&name) {
                add(name, s.apply_value(obj.get("text").unwrap_or(&Value::Null)));
            }
            continue;
        }
        for (key, value) in obj {
            if SKIP_COMPARE.contains(&key.as_str()) {
                continue;
            }
            if key == "data" {
                for (mime, v) in value.as_object().into_iter().flatten() {
                    if !SKIP_COMPARE.contains(&mime.as_str()) {
                        add(mime, s.apply_value(v));
                    }
                }
            } else {
                add(key, s.apply_value(value));
            }
        }
    }
    keys
}

/// Python's `==` on JSON values (`1 == 1.0`).
fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| py_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => a == b,
    }
}

fn key_list(keys: &[&String]) -> String {
    let mut keys: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    keys.sort();
    format!("{{{}}}", keys.join(", "))
}

/// nbval's `compare_outputs` on coalesced outputs. `Err` says why, as nbval would.
pub fn compare_outputs(reference: &[Value], fresh: &[Value], s: &Sanitizer) -> Result<(), String> {
    let r = flatten(reference, s);
    let t = flatten(fresh, s);
    let missing: Vec<&String> = r.iter().map(|(k, _)| k).filter(|k| !t.iter().any(|(tk, _)| tk == *k)).collect();
    if !missing.is_empty() {
        return Err(format!("missing output fields from running code: {}", key_list(&missing)));
    }
    let unexpected: Vec<&String> = t.iter().map(|(k, _)| k).filter(|k| !r.iter().any(|(rk, _)| rk == *k)).collect();
    if !unexpected.is_empty() {
        return Err(format!("unexpected output fields from running code: {}", key_list(&unexpected)));
    }
    for (key, ref_values) in &r {
        let test_values = &t.iter().find(|(k, _)| k == key).expect("same keys").1;
        if ref_values.len() != test_values.len() {
            return Err(format!(
                "dissimilar number of outputs for key '{key}': {} stored, {} fresh",
                ref_values.len(),
                test_values.len()
            ));
        }
        if ref_values.iter().zip(test_values).any(|(a, b)| !py_eq(a, b)) {
            return Err(format!("mismatch '{key}'"));
        }
    }
    Ok(())
}

/// How nbval judges one code cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    /// Run, but its outputs are not compared (the reason says why).
    NotCompared(&'static str),
    Skipped,
    Failed {
        reason: String,
        detail: Vec<String>,
    },
}

impl Verdict {
    pub fn failed(&self) -> bool {
        matches!(self, Verdict::Failed { .. })
    }
}

/// The verdict on a cell, given its options, its stored state and nbval's view of the
/// fresh outputs (`None` when it was skipped).
pub fn judge(
    options: CellOptions,
    stored_count: Option<u64>,
    stored: &[Value],
    fresh: Option<&[Value]>,
    s: &Sanitizer,
) -> Verdict {
    let Some(fresh) = fresh.filter(|_| !options.skip) else { return Verdict::Skipped };
    if !options.check_exception {
        if let Some(err) = fresh.iter().find(|o| o["output_type"] == "error") {
            let mut detail = vec![format!("{}: {}", str_of(&err["ename"]), str_of(&err["evalue"]))];
            detail.extend(err["traceback"].as_array().into_iter().flatten().map(|l| str_of(l).to_string()));
            return Verdict::Failed { reason: "cell execution caused an exception".into(), detail };
        }
    }
    if stored_count.is_none() {
        if !stored.is_empty() {
            return Verdict::Failed {
                reason: "unrun reference cell has outputs".into(),
                detail: vec![
                    "The stored cell has outputs but no execution count; run it again or clear its outputs.".into()
                ],
            };
        }
        return Verdict::NotCompared("the stored cell was never run");
    }
    if !options.check {
        return Verdict::NotCompared("nbval-ignore-output");
    }
    let reference = coalesce_streams(stored);
    let fresh = coalesce_streams(fresh);
    match compare_outputs(&reference, &fresh, s) {
        Ok(()) => Verdict::Pass,
        Err(reason) => Verdict::Failed { reason, detail: diff(&reference, &fresh, s) },
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The compared part of outputs as text lines, for the diff: each output's compared keys,
/// sanitized, under a `[key]` header.
pub fn render(outputs: &[Value], s: &Sanitizer) -> Vec<String> {
    let mut lines = Vec::new();
    for o in outputs {
        for (key, values) in flatten(std::slice::from_ref(o), s) {
            for v in values {
                match &v {
                    Value::String(text) if !text.contains('\n') => lines.push(format!("[{key}] {text}")),
                    Value::String(text) => {
                        lines.push(format!("[{key}]"));
                        lines.extend(text.split('\n').map(str::to_string));
                        if text.ends_with('\n') {
                            lines.pop();
                        } else {
                            lines.push("\\ No newline at end".into());
                        }
                    }
                    other => {
                        lines.push(format!("[{key}]"));
                        lines.extend(
                            serde_json::to_string_pretty(other).unwrap_or_default().lines().map(str::to_string),
                        );
                    }
                }
            }
        }
    }
    lines
}

/// A unified diff (3 lines of context) of the rendered stored and fresh outputs.
pub fn diff(reference: &[Value], fresh: &[Value], s: &Sanitizer) -> Vec<String> {
    let a = render(reference, s);
    let b = render(fresh, s);
    let mut out = vec!["--- stored (sanitized)".to_string(), "+++ fresh (sanitized)".to_string()];
    let body = unified_diff(&a, &b, 3);
    if body.is_empty() {
        out.push(" (the same outputs in a different order, or a difference in numbers' spelling)".into());
    }
    out.extend(point_at_changes(body));
    out
}

/// After a long line replaced by one other line, a `?` line showing where they first
/// differ (an HTML or SVG output is often one long line).
fn point_at_changes(body: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(body.len());
    for (i, line) in body.iter().enumerate() {
        out.push(line.clone());
        let single = |k: usize, c: char| body.get(k).is_some_and(|l| l.starts_with(c));
        let is_pair_end = line.starts_with('+')
            && i >= 1
            && single(i - 1, '-')
            && !(i >= 2 && single(i - 2, '-'))
            && !single(i + 1, '+');
        if !is_pair_end {
            continue;
        }
        let old: Vec<char> = body[i - 1].chars().skip(1).collect();
        let new: Vec<char> = line.chars().skip(1).collect();
        if old.len().max(new.len()) <= 80 {
            continue;
        }
        let at = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let excerpt = |v: &[char]| {
            let start = at.saturating_sub(30);
            let end = (at + 30).min(v.len());
            format!(
                "{}{}{}",
                if start > 0 { "…" } else { "" },
                v[start..end].iter().collect::<String>(),
                if end < v.len() { "…" } else { "" }
            )
        };
        out.push(format!("? first difference at character {}: {:?} became {:?}", at + 1, excerpt(&old), excerpt(&new)));
    }
    out
}

/// Past this many cells (after the common head and tail), an LCS table is too big to build.
const LCS_TABLE_LIMIT: usize = 4_000_000;

/// The line diff: `similar`'s LCS table, so that lines repeated in an output are aligned as
/// they always were, or beyond [`LCS_TABLE_LIMIT`] its Myers, which bounds its own work.
/// (`capture_diff_slices` would also run the `Compact` hook, which realigns some of them.)
fn diff_ops(a: &[String], b: &[String]) -> Vec<DiffOp> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let table = (a.len() - head - tail).saturating_mul(b.len() - head - tail);
    let algorithm = if table > LCS_TABLE_LIMIT { Algorithm::Myers } else { Algorithm::Lcs };
    let mut hook = Replace::new(Capture::new());
    let Ok(()) = diff_slices(algorithm, &mut hook, a, b);
    hook.into_inner().into_ops()
}

/// Hunks of `-`/`+`/` ` lines with `@@ -l,n +l,n @@` headers (the count always written,
/// `0,0` for an empty side); empty when `a == b`.
pub fn unified_diff(a: &[String], b: &[String], context: usize) -> Vec<String> {
    let mut out = Vec::new();
    for hunk in group_diff_ops(diff_ops(a, b), context) {
        let (first, last) = (hunk[0], hunk[hunk.len() - 1]);
        let range = |start: usize, end: usize| {
            if end > start {
                format!("{},{}", start + 1, end - start)
            } else {
                "0,0".into()
            }
        };
        out.push(format!(
            "@@ -{} +{} @@",
            range(first.old_range().start, last.old_range().end),
            range(first.new_range().start, last.new_range().end)
        ));
        for op in hunk {
            let (tag, old, new) = op.as_tag_tuple();
            if tag == DiffTag::Equal {
                out.extend(a[old].iter().map(|l| format!(" {l}")));
            } else {
                out.extend(a[old].iter().map(|l| format!("-{l}")));
                out.extend(b[new].iter().map(|l| format!("+{l}")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stream(name: &str, text: &str) -> Value {
        json!({"output_type": "stream", "name": name, "text": text})
    }
    fn result(text: &str, count: u64) -> Value {
        json!({"output_type": "execute_result", "execution_count": count, "metadata": {}, "data": {"text/plain": text}})
    }
    fn html(text: &str, png: &str) -> Value {
        json!({"output_type": "display_data", "metadata": {"w": 1}, "data": {"text/html": text, "image/png": png}})
    }
    fn error(ename: &str, evalue: &str, tb: &str) -> Value {
        json!({"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [tb]})
    }
    fn none() -> Sanitizer {
        Sanitizer::default()
    }
    fn opts(tags: &[&str], src: &str) -> CellOptions {
        cell_options(&tags.iter().map(|t| t.to_string()).collect::<Vec<_>>(), src)
    }

    #[test]
    fn options_from_tags_and_comments() {
        let default = CellOptions { check: true, check_exception: false, skip: false };
        assert_eq!(opts(&[], "let a = 1;"), default);
        assert!(opts(&["raises-exception"], "").check_exception);
        assert!(opts(&["nbval-raises-exception"], "").check_exception);
        assert!(!opts(&["nbval-ignore-output"], "").check);
        assert!(opts(&["nbval-skip"], "").skip);
        assert_eq!(opts(&["NBVAL_SKIP", "skip"], ""), default);
        // Comments beat tags; `#[derive]` is no marker.
        assert!(opts(&["nbval-ignore-output"], "  ## NBVAL_CHECK_OUTPUT \n#[derive(Debug)]").check);
        assert!(!opts(&[], "// NBVAL_SKIP").skip);
    }

    #[test]
    fn execution_counts_metadata_tracebacks_and_images_are_not_compared() {
        let stored = [result("3", 1), html("<b>x</b>", "AAAA"), error("E1", "bad", "old tb")];
        let fresh = [
            result("3", 9),
            json!({"output_type": "display_data", "metadata": {}, "data": {"text/html": "<b>x</b>", "image/png": "BBBB"}}),
            error("E1", "bad", "new tb"),
        ];
        assert_eq!(compare_outputs(&stored, &fresh, &none()), Ok(()));
    }

    #[test]
    fn order_matters_only_within_a_key() {
        let stored = [result("3", 1), stream("stdout", "a\n")];
        assert_eq!(compare_outputs(&stored, &[stream("stdout", "a\n"), result("3", 1)], &none()), Ok(()));
        let two = [result("1", 1), result("2", 1)];
        let swapped = [result("2", 1), result("1", 1)];
        assert_eq!(compare_outputs(&two, &swapped, &none()), Err("mismatch 'text/plain'".into()));
    }

    #[test]
    fn key_sets_and_counts() {
        let s = none();
        assert_eq!(
            compare_outputs(&[result("1", 1), stream("stderr", "w")], &[result("1", 1)], &s),
            Err("missing output fields from running code: {'stderr'}".into())
        );
        assert_eq!(
            compare_outputs(&[result("1", 1)], &[result("1", 1), html("h", "")], &s),
            Err("unexpected output fields from running code: {'text/html'}".into())
        );
        assert!(compare_outputs(&[result("1", 1)], &[result("1", 1), result("1", 1)], &s)
            .unwrap_err()
            .starts_with("dissimilar number"));
        // A png-only display adds no key at all.
        let png = json!({"output_type": "display_data", "metadata": {}, "data": {"image/png": "AAAA"}});
        assert_eq!(compare_outputs(&[result("1", 1)], &[result("1", 1), png], &s), Ok(()));
    }

    #[test]
    fn streams_coalesce_and_carriage_returns_apply() {
        let stored = [stream("stdout", "a\nb\n")];
        let fresh = coalesce_streams(&[stream("stdout", "a\n"), result("1", 1), stream("stdout", "b\n")]);
        assert_eq!(fresh.len(), 2);
        assert_eq!(compare_outputs(&stored, &[fresh[0].clone()], &none()), Ok(()));
        assert_eq!(apply_carriage_returns("10%\r50%\r100%\ndone\r\nx\r"), "100%\ndone\r\nx\r");
        assert_eq!(coalesce_streams(&[stream("stdout", "1\r2")])[0]["text"], "2");
    }

    #[test]
    fn sanitizing_applies_to_strings_before_comparing() {
        let s = Sanitizer::parse("regex: id-[0-9]+\nreplace: id-N\n").unwrap();
        assert_eq!(compare_outputs(&[html("<div id-1>", "")], &[html("<div id-22>", "")], &s), Ok(()));
        assert!(compare_outputs(&[html("<div id-1>", "")], &[html("<div id-22>", "")], &none()).is_err());
    }

    #[test]
    fn json_numbers_compare_like_python() {
        let j = |v: Value| json!({"output_type": "display_data", "metadata": {}, "data": {"application/json": v}});
        assert_eq!(compare_outputs(&[j(json!({"a": 1}))], &[j(json!({"a": 1.0}))], &none()), Ok(()));
        assert!(compare_outputs(&[j(json!({"a": 1}))], &[j(json!({"a": 2}))], &none()).is_err());
    }

    #[test]
    fn verdicts() {
        let s = none();
        let o = opts(&[], "");
        let err = [error("panic", "boom", "tb")];
        assert_eq!(judge(opts(&["nbval-skip"], ""), Some(1), &[], Some(&[]), &s), Verdict::Skipped);
        // An unexpected error fails even when the stored cell shows the same error.
        assert!(judge(o, Some(1), &err, Some(&err), &s).failed());
        assert_eq!(judge(opts(&["raises-exception"], ""), Some(1), &err, Some(&err), &s), Verdict::Pass);
        // Tagged raises-exception but no longer raising: the stored ename/evalue are missing.
        assert!(judge(opts(&["raises-exception"], ""), Some(1), &err, Some(&[]), &s).failed());
        assert_eq!(
            judge(o, None, &[], Some(&[result("1", 1)]), &s),
            Verdict::NotCompared("the stored cell was never run")
        );
        assert!(judge(o, None, &[result("1", 1)], Some(&[result("1", 1)]), &s).failed());
        assert_eq!(
            judge(opts(&["nbval-ignore-output"], ""), Some(1), &[], Some(&[result("1", 1)]), &s),
            Verdict::NotCompared("nbval-ignore-output")
        );
        let Verdict::Failed { reason, detail } =
            judge(o, Some(1), &[result("1\n2\n3", 1)], Some(&[result("1\n5\n3", 2)]), &s)
        else {
            panic!()
        };
        assert_eq!(reason, "mismatch 'text/plain'");
        assert_eq!(
            detail,
            vec![
                "--- stored (sanitized)",
                "+++ fresh (sanitized)",
                "@@ -1,5 +1,5 @@",
                " [text/plain]",
                " 1",
                "-2",
                "+5",
                " 3",
                " \\ No newline at end"
            ]
        );
        let Verdict::Failed { detail, .. } = judge(o, Some(1), &[result("21", 1)], Some(&[result("20", 2)]), &s) else {
            panic!()
        };
        assert_eq!(detail[2..], ["@@ -1,1 +1,1 @@", "-[text/plain] 21", "+[text/plain] 20"]);
        let Verdict::Failed { detail, .. } = judge(o, Some(1), &[result("21", 1)], Some(&[result("21\n", 2)]), &s)
        else {
            panic!()
        };
        assert_eq!(detail[2..], ["@@ -1,1 +1,2 @@", "-[text/plain] 21", "+[text/plain]", "+21"]);
    }

    #[test]
    fn long_changed_lines_get_a_pointer() {
        let a = format!("-{}1{}", "x".repeat(100), "y".repeat(100));
        let b = format!("+{}2{}", "x".repeat(100), "y".repeat(100));
        let out = point_at_changes(vec![" ctx".into(), a.clone(), b.clone(), " ctx".into()]);
        assert_eq!(out.len(), 5);
        assert!(out[3].starts_with("? first difference at character 101: \"…xxx"), "{}", out[3]);
        assert!(out[3].contains("x1y") && out[3].contains("x2y"));
        // Short lines, and several lines replaced at once, get none.
        assert_eq!(point_at_changes(vec!["-a".into(), "+b".into()]).len(), 2);
        assert_eq!(point_at_changes(vec![a.clone(), a.clone(), b.clone()]).len(), 3);
    }

    #[test]
    fn unified_diff_hunks() {
        let a: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
        let mut b = a.clone();
        b[1] = "two".into();
        b.remove(15);
        let d = unified_diff(&a, &b, 1);
        assert_eq!(d, vec!["@@ -1,3 +1,3 @@", " 1", "-2", "+two", " 3", "@@ -15,3 +15,2 @@", " 15", "-16", " 17"]);
        assert!(unified_diff(&a, &a, 3).is_empty());
        let d = unified_diff(&[], &["x".to_string()], 3);
        assert_eq!(d, vec!["@@ -0,0 +1,1 @@", "+x"]);
    }

    #[test]
    fn repeated_lines_align_as_the_lcs_table_does() {
        let lines = |s: &str| s.chars().map(String::from).collect::<Vec<_>>();
        // Myers after `Compact` would give "-a", " b", "+b" here: as small, less to the point.
        let d = unified_diff(&lines("abbabab"), &lines("abbbbab"), 1);
        assert_eq!(d, vec!["@@ -3,3 +3,3 @@", " b", "-a", "+b", " b"]);
    }

    #[test]
    fn big_diffs_are_still_line_by_line() {
        // 3000 × 3000 lines differ: past the LCS table's limit, so Myers; no "all removed,
        // all added".
        let a: Vec<String> = (0..3000).map(|i| format!("line {i}")).collect();
        let b: Vec<String> =
            a.iter().enumerate().map(|(i, l)| if i % 3 == 0 { format!("{l}!") } else { l.clone() }).collect();
        let d = unified_diff(&a, &b, 0);
        assert_eq!(d.iter().filter(|l| l.starts_with('-')).count(), 1000);
        assert_eq!(d.iter().filter(|l| l.starts_with('+')).count(), 1000);
        assert_eq!(d[..3], ["@@ -1,1 +1,1 @@", "-line 0", "+line 0!"]);
    }
}
