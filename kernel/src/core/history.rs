//! The session's input history, served to Jupyter's `history_request`.
//!
//! Frontends use `history_request` to recall earlier cells: consoles preload
//! it for up-arrow navigation, and `jupyter_kernel_test` checks that `tail`,
//! `range` and `search` give back what was executed. The kernel keeps no
//! database, so history lives in memory for the life of the process and
//! exposes exactly those three queries, with the semantics of IPython's
//! `HistoryManager` (which is what ipykernel's `do_history` calls), so
//! frontends written against ipykernel behave the same here.
//!
//! Numbering follows IPython: the current session is 1 and a line number is
//! the execution count of the cell (so the first stored cell is line 1).
//!
//! Std-only; `search`'s globs are [`super::glob`]'s.

use std::collections::HashSet;

use super::glob::Glob;

/// The number of the one session this kernel process knows about.
///
/// Sessions would only go beyond 1 with a persistent store across restarts,
/// which we do not have.
pub const CURRENT_SESSION: u32 = 1;

/// One history row, as returned to the frontend.
///
/// On the wire it becomes `[session, line, input]`, or
/// `[session, line, [input, output]]` when the request had `output: true`
/// (`output` is then `None` → `null` for cells without an `execute_result`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HistoryEntry {
    pub session: u32,
    pub line: u32,
    pub input: String,
    pub output: Option<String>,
}

/// In-memory input/output history of the current session.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Sorted by `line`, line numbers unique. Outputs are always kept here;
    /// queries strip them unless asked for.
    entries: Vec<HistoryEntry>,
}

impl History {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored cells.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Store the input of a cell executed with `store_history: true`.
    ///
    /// Recording the same execution count again replaces that cell and drops
    /// its old output, since the output belonged to the old input. Count 0 is
    /// ignored: execution counts start at 1, and IPython reserves line 0 as a
    /// placeholder that is never a real cell.
    pub fn record(&mut self, execution_count: u32, input: &str) {
        if execution_count == 0 {
            return;
        }
        let entry =
            HistoryEntry { session: CURRENT_SESSION, line: execution_count, input: input.to_string(), output: None };
        // Counts normally only grow, so this is nearly always a push; the
        // search keeps the vector sorted for out-of-order or repeated counts.
        match self.entries.binary_search_by_key(&execution_count, |e| e.line) {
            Ok(i) => self.entries[i] = entry,
            Err(i) => self.entries.insert(i, entry),
        }
    }

    /// Attach the `text/plain` of a cell's `execute_result`.
    ///
    /// Does nothing if no input was recorded under that count (for example a
    /// `store_history: false` cell), because history rows are keyed by input.
    /// A second call replaces the first.
    pub fn set_output(&mut self, execution_count: u32, output: &str) {
        if let Ok(i) = self.entries.binary_search_by_key(&execution_count, |e| e.line) {
            self.entries[i].output = Some(output.to_string());
        }
    }

    /// `hist_access_type: "tail"`: the last `n` cells, oldest first.
    ///
    /// Matches ipykernel, which calls `get_tail(n, include_latest=True)`: a
    /// history request arrives between executions, so the newest cell is a real
    /// cell and is included. `n == 0` returns nothing (SQL `LIMIT 0`).
    ///
    /// With `unique`, only the latest occurrence of each distinct input is kept,
    /// before counting `n`, so the reply holds up to `n` distinct inputs. (The
    /// spec only defines `unique` for `search`; ipykernel ignores it for `tail`.
    /// Honouring it costs nothing, and a kernel that wants the ipykernel
    /// behaviour passes `false`.)
    #[must_use]
    pub fn tail(&self, n: usize, output: bool, unique: bool) -> Vec<HistoryEntry> {
        let all: Vec<&HistoryEntry> = self.entries.iter().collect();
        finish(last_n(dedup(all, unique), Some(n)), output)
    }

    /// `hist_access_type: "range"`: cells `start <= line < stop` of `session`.
    ///
    /// Mirrors IPython's `HistoryManager.get_range` for the current session:
    /// * `session`: `0` is the current session, negative values count back
    ///   from it (`-1` = previous); a positive value is an absolute session
    ///   number. Only session 1 exists, so anything resolving elsewhere
    ///   returns an empty list.
    /// * Line numbers are compared against `end = last line + 1` (IPython's
    ///   `len(input_hist)`, whose slot 0 is a placeholder).
    /// * `start < 0` counts from the end: `start += end`, so `-1` is the last
    ///   cell. The result is clamped to at least 1, where IPython would index
    ///   backwards through a Python list and return placeholders or wrap.
    ///   `start = 0` (jupyter_client's default) therefore means "from line 1";
    ///   IPython would also return the empty placeholder line 0, which we omit.
    /// * `stop` is exclusive. `0` or past the end means "to the end"; a
    ///   negative `stop` counts from the end like `start` (`-1` omits the last
    ///   cell).
    /// * Gaps (counts of cells that were not stored) are simply missing rows.
    ///
    /// One deliberate difference: IPython reports the current session as `0`
    /// in `get_range` rows but by its real number in `tail`/`search`; we always
    /// report [`CURRENT_SESSION`], so a client can feed a `tail` row's session
    /// and line back into `range` (this is what jupyter_kernel_test does and
    /// checks).
    #[must_use]
    pub fn range(&self, session: i64, start: i64, stop: i64, output: bool) -> Vec<HistoryEntry> {
        let resolved = if session <= 0 { session + i64::from(CURRENT_SESSION) } else { session };
        if resolved != i64::from(CURRENT_SESSION) {
            return Vec::new();
        }
        let Some(last) = self.entries.last() else {
            return Vec::new();
        };
        let end = i64::from(last.line) + 1;
        let start = if start < 0 { start + end } else { start }.max(1);
        let stop = if stop == 0 || stop > end {
            end
        } else if stop < 0 {
            stop + end
        } else {
            stop
        };
        let rows = self.entries.iter().filter(|e| (start..stop).contains(&i64::from(e.line))).collect();
        finish(rows, output)
    }

    /// `hist_access_type: "search"`: cells whose whole input matches the glob
    /// `pattern` (see [`Glob`]), oldest first.
    ///
    /// The pattern is used as given, *not* wrapped in `*...*`: ipykernel passes
    /// it straight to `HistoryManager.search`, which runs SQLite `GLOB` on the
    /// whole input. Only the `%history -g` magic adds the surrounding stars,
    /// so a frontend wanting a substring search sends `*foo*` itself.
    ///
    /// `n = Some(k)` keeps the last `k` matches (`Some(0)` gives none);
    /// `unique` keeps only the latest occurrence of each distinct input, and
    /// is applied before `n` as in IPython's `GROUP BY ... LIMIT`.
    #[must_use]
    pub fn search(&self, pattern: &str, n: Option<usize>, output: bool, unique: bool) -> Vec<HistoryEntry> {
        let glob = Glob::new(pattern);
        let hits = self.entries.iter().filter(|e| glob.matches(&e.input)).collect();
        finish(last_n(dedup(hits, unique), n), output)
    }
}

/// With `unique`, keep only the latest occurrence of each input, in
/// chronological order of those latest occurrences (IPython groups by input
/// and takes the row with the highest `(session, line)`).
fn dedup(rows: Vec<&HistoryEntry>, unique: bool) -> Vec<&HistoryEntry> {
    if !unique {
        return rows;
    }
    let mut seen = HashSet::new();
    let mut kept: Vec<&HistoryEntry> = rows.into_iter().rev().filter(|e| seen.insert(e.input.as_str())).collect();
    kept.reverse();
    kept
}

fn last_n(mut rows: Vec<&HistoryEntry>, n: Option<usize>) -> Vec<&HistoryEntry> {
    if let Some(n) = n {
        let skip = rows.len().saturating_sub(n);
        rows.drain(..skip);
    }
    rows
}

/// Clone the selected rows, keeping outputs only when they were requested.
fn finish(rows: Vec<&HistoryEntry>, output: bool) -> Vec<HistoryEntry> {
    rows.into_iter()
        .map(|e| HistoryEntry { output: if output { e.output.clone() } else { None }, ..e.clone() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> History {
        let mut h = History::new();
        h.record(1, "let x = 1;");
        h.record(2, "x + 1");
        h.set_output(2, "2");
        h.record(3, "let x = 1;");
        h.record(4, "println!(\"hi\");");
        h.record(5, "x + 1");
        h.set_output(5, "2");
        h
    }

    fn lines(rows: &[HistoryEntry]) -> Vec<u32> {
        rows.iter().map(|e| e.line).collect()
    }

    fn inputs(rows: &[HistoryEntry]) -> Vec<&str> {
        rows.iter().map(|e| e.input.as_str()).collect()
    }

    // --- storage ------------------------------------------------------------

    #[test]
    fn new_is_empty() {
        let h = History::new();
        assert!(h.is_empty());
        assert_eq!(h.len(), 0);
        assert!(h.tail(10, true, false).is_empty());
        assert!(h.range(0, 0, 0, true).is_empty());
        assert!(h.search("*", None, true, false).is_empty());
    }

    #[test]
    fn entries_carry_session_and_line() {
        let h = sample();
        let rows = h.tail(1, true, false);
        assert_eq!(rows, vec![HistoryEntry { session: 1, line: 5, input: "x + 1".into(), output: Some("2".into()) }]);
    }

    #[test]
    fn record_replaces_same_count_and_clears_output() {
        let mut h = sample();
        h.record(2, "x * 3");
        assert_eq!(h.len(), 5);
        let row = &h.range(1, 2, 3, true)[0];
        assert_eq!(row.input, "x * 3");
        assert_eq!(row.output, None);
    }

    #[test]
    fn record_out_of_order_stays_sorted() {
        let mut h = History::new();
        h.record(3, "c");
        h.record(1, "a");
        h.record(2, "b");
        assert_eq!(inputs(&h.tail(10, false, false)), ["a", "b", "c"]);
    }

    #[test]
    fn record_zero_is_ignored() {
        let mut h = History::new();
        h.record(0, "nope");
        assert!(h.is_empty());
    }

    #[test]
    fn set_output_without_input_is_a_no_op() {
        let mut h = sample();
        h.set_output(99, "x");
        assert_eq!(h.len(), 5);
        assert!(h.tail(10, true, false).iter().all(|e| e.line != 99));
    }

    #[test]
    fn set_output_replaces() {
        let mut h = sample();
        h.set_output(2, "3");
        assert_eq!(h.range(0, 2, 3, true)[0].output.as_deref(), Some("3"));
    }

    #[test]
    fn output_only_when_requested() {
        let h = sample();
        assert!(h.tail(10, false, false).iter().all(|e| e.output.is_none()));
        assert!(h.range(0, 0, 0, false).iter().all(|e| e.output.is_none()));
        assert!(h.search("*", None, false, false).iter().all(|e| e.output.is_none()));
        let with = h.tail(10, true, false);
        assert_eq!(with[1].output.as_deref(), Some("2"));
        assert_eq!(with[0].output, None); // no execute_result for line 1
    }

    // --- tail ------------------------------------------------------------------

    #[test]
    fn tail_returns_last_n_oldest_first() {
        let h = sample();
        assert_eq!(lines(&h.tail(2, false, false)), [4, 5]);
        assert_eq!(lines(&h.tail(5, false, false)), [1, 2, 3, 4, 5]);
        assert_eq!(lines(&h.tail(100, false, false)), [1, 2, 3, 4, 5]);
        assert!(h.tail(0, false, false).is_empty());
    }

    #[test]
    fn tail_unique_keeps_latest_occurrences() {
        let h = sample();
        // Lines 1 and 2 are older copies of lines 3 and 5.
        assert_eq!(lines(&h.tail(10, false, true)), [3, 4, 5]);
        // `n` counts distinct inputs.
        assert_eq!(lines(&h.tail(2, false, true)), [4, 5]);
        assert_eq!(lines(&h.tail(3, false, true)), [3, 4, 5]);
    }

    #[test]
    fn kernel_test_style_tail_then_range_roundtrip() {
        // jupyter_kernel_test: execute codes, tail n, then range on the first
        // row's (session, line) with stop = start + 1.
        let mut h = History::new();
        let codes = ["let a = 1;", "a + 1", "a * 2"];
        for (i, c) in codes.iter().enumerate() {
            h.record(u32::try_from(i).unwrap() + 7, c);
        }
        let tail = h.tail(codes.len(), false, false);
        assert_eq!(inputs(&tail), codes);
        let (session, start) = (tail[0].session, tail[0].line);
        let r = h.range(session.into(), start.into(), i64::from(start) + 1, false);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].session, r[0].line), (session, start));
    }

    // --- range -----------------------------------------------------------------

    #[test]
    fn range_sessions() {
        let h = sample();
        assert_eq!(h.range(0, 1, 0, false).len(), 5); // current
        assert_eq!(h.range(1, 1, 0, false).len(), 5); // absolute 1
        assert!(h.range(-1, 1, 0, false).is_empty()); // previous: none
        assert!(h.range(2, 1, 0, false).is_empty());
        assert!(h.range(i64::MIN, 1, 0, false).is_empty());
        assert!(h.range(i64::MAX, 1, 0, false).is_empty());
    }

    #[test]
    fn range_start_stop() {
        let h = sample();
        assert_eq!(lines(&h.range(0, 2, 4, false)), [2, 3]); // stop exclusive
        assert_eq!(lines(&h.range(0, 0, 0, false)), [1, 2, 3, 4, 5]);
        assert_eq!(lines(&h.range(0, 4, 0, false)), [4, 5]); // to the end
        assert_eq!(lines(&h.range(0, 4, 100, false)), [4, 5]);
        assert!(h.range(0, 3, 3, false).is_empty());
        assert!(h.range(0, 4, 2, false).is_empty());
        assert!(h.range(0, 6, 0, false).is_empty());
    }

    #[test]
    fn range_negative_counts_from_end() {
        let h = sample();
        assert_eq!(lines(&h.range(0, -1, 0, false)), [5]);
        assert_eq!(lines(&h.range(0, -2, 0, false)), [4, 5]);
        assert_eq!(lines(&h.range(0, 1, -1, false)), [1, 2, 3, 4]);
        assert_eq!(lines(&h.range(0, -3, -1, false)), [3, 4]);
        // Too far back clamps to line 1.
        assert_eq!(lines(&h.range(0, -100, 0, false)), [1, 2, 3, 4, 5]);
        assert!(h.range(0, 1, -100, false).is_empty());
        assert_eq!(h.range(0, i64::MIN, i64::MIN, false).len(), 0);
        assert_eq!(h.range(0, i64::MIN, i64::MAX, false).len(), 5);
    }

    #[test]
    fn range_with_gaps_uses_line_numbers() {
        let mut h = History::new();
        h.record(2, "b");
        h.record(5, "e");
        assert_eq!(inputs(&h.range(0, 1, 4, false)), ["b"]);
        // end = 6, so -1 is line 5 and -4 is line 2.
        assert_eq!(inputs(&h.range(0, -1, 0, false)), ["e"]);
        assert_eq!(inputs(&h.range(0, -4, 0, false)), ["b", "e"]);
    }

    #[test]
    fn range_includes_output() {
        let h = sample();
        let r = h.range(0, 5, 6, true);
        assert_eq!(r[0].output.as_deref(), Some("2"));
    }

    // --- search ----------------------------------------------------------------

    #[test]
    fn search_is_whole_string_not_substring() {
        let h = sample();
        assert!(h.search("x", None, false, false).is_empty());
        assert_eq!(lines(&h.search("x*", None, false, false)), [2, 5]);
        assert_eq!(lines(&h.search("*x*", None, false, false)), [1, 2, 3, 5]);
        assert_eq!(lines(&h.search("x + 1", None, false, false)), [2, 5]);
    }

    #[test]
    fn search_n_and_unique() {
        let h = sample();
        assert_eq!(lines(&h.search("*", None, false, false)), [1, 2, 3, 4, 5]);
        assert_eq!(lines(&h.search("*", Some(2), false, false)), [4, 5]);
        assert!(h.search("*", Some(0), false, false).is_empty());
        assert_eq!(lines(&h.search("*", None, false, true)), [3, 4, 5]);
        assert_eq!(lines(&h.search("*", Some(2), false, true)), [4, 5]);
        assert_eq!(lines(&h.search("*x*", Some(1), false, true)), [5]);
        assert_eq!(lines(&h.search("let*", None, false, true)), [3]);
    }

    #[test]
    fn kernel_test_style_search() {
        // jupyter_kernel_test runs the codes three times, then expects: >= 1
        // match, exactly 1 with unique, and exactly 3 with n=3.
        let mut h = History::new();
        let mut count = 0;
        for _ in 0..3 {
            for code in ["let a = 1;", "a + 12"] {
                count += 1;
                h.record(count, code);
            }
        }
        let pat = "a + 1?";
        assert!(!h.search(pat, None, false, false).is_empty());
        assert_eq!(h.search(pat, None, false, true).len(), 1);
        assert_eq!(h.search(pat, Some(3), false, false).len(), 3);
    }

    #[test]
    fn search_with_output() {
        let h = sample();
        let r = h.search("x + 1", Some(1), true, false);
        assert_eq!(r[0].output.as_deref(), Some("2"));
    }

    #[test]
    fn search_unicode_and_multiline() {
        let mut h = History::new();
        h.record(1, "let s = \"héllo wörld\";");
        h.record(2, "fn f() {\n    1\n}");
        h.record(3, "// 日本語");
        assert_eq!(lines(&h.search("*h?llo*", None, false, false)), [1]);
        assert_eq!(lines(&h.search("*w[ö]rld*", None, false, false)), [1]);
        assert_eq!(lines(&h.search("fn*}", None, false, false)), [2]);
        assert_eq!(lines(&h.search("fn f() {?*", None, false, false)), [2]);
        assert_eq!(lines(&h.search("// ???", None, false, false)), [3]);
        assert!(h.search("// ??", None, false, false).is_empty());
    }
}
