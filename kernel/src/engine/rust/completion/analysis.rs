//! Completion and inspection: from the completion index when it knows the answer
//! (`completion_index`: at once, ranked for a learner), else from rust-analyzer in a
//! process of its own (`analysis_server`), else by name.
//!
//! The kernel knows every variable's type, so `a.`, `Array2::` and a bare name are looked
//! up in the index, which holds what rust-analyzer said of the prelude's types when
//! `ndplay install` built it. What the index cannot answer (a chain `a.t().`, a type it does
//! not hold, a `use` line, a glob import's names) goes to rust-analyzer, as before, but in
//! `ndplay-analysis`, which starts on such a request and ends when idle: rust-analyzer's
//! hundreds of MB are never the kernel's. evcxr knows nothing of the session (cells run in
//! the kernel's own loop), so each of its requests is a small source of its own: the
//! prelude, the kept items, one `let x: T = unimplemented!();` per variable (with the type
//! the kernel knows), then the student's text, with the cursor moved by that prefix.

use std::path::PathBuf;
use std::time::Duration;

use jupyter_protocol::{Media, MediaType};
use serde_json::json;

use super::analysis_server::Helper;
use super::completion_index::{Doc, Entry, Index};
use crate::core::engine::Completions;
use crate::engine::rust::cell::state::State;
use crate::syntax::cell::ItemKind;
use crate::syntax::cell::{identifier_end, identifier_start};

/// How long a request waits for rust-analyzer before the kernel answers without it.
const WAIT: Duration = Duration::from_secs(3);
/// How long a request waits when rust-analyzer's process is starting: it loads the
/// standard library and the dependencies first (seconds).
const FIRST_WAIT: Duration = Duration::from_secs(20);

/// Completion and inspection for one engine.
#[derive(Default)]
pub struct Analysis {
    /// The index for this prelude, if `ndplay install` built it: read on the first request
    /// (tens of ms), so that a kernel no one presses Tab in never holds it. `Some(None)`:
    /// looked for, not there (yet).
    index: Option<Option<Index>>,
    /// rust-analyzer's process, for what the index cannot answer.
    helper: Option<Helper>,
    /// The cache the index is kept in.
    cache: Option<PathBuf>,
}

impl Analysis {
    /// `dir`: the crate directory evcxr analyses in; `prelude`: the unpacked prelude, whose
    /// parent is the cache that holds the index.
    pub fn new(dir: PathBuf, prelude: PathBuf) -> Analysis {
        let cache = prelude.parent().map(|p| p.to_path_buf());
        Analysis { index: None, helper: Some(Helper::new(dir, prelude)), cache }
    }

    /// The index, read on first use. While there is none, every request looks again (a
    /// failed open: microseconds): on a fresh machine it is built after JupyterLab is up
    /// (scripts/lab.sh), and a kernel started before then takes it up at the next Tab.
    fn index(&mut self) -> Option<&Index> {
        if !matches!(self.index, Some(Some(_))) {
            let index = self.cache.as_deref().and_then(Index::load);
            if index.is_none() && self.index.is_none() {
                crate::log!("no completion index for this prelude (`ndplay install` builds it): rust-analyzer answers every Tab");
            }
            self.index = Some(index);
        }
        self.index.as_ref()?.as_ref()
    }

    /// Builds the completion index with rust-analyzer's process (started, and its crate's
    /// dependencies built, on the way: minutes the first time) and keeps it in the cache.
    /// `ndplay install` does it once; `timeout` bounds each answer.
    pub fn build_index(&mut self, timeout: Duration, progress: &dyn Fn(&str)) -> bool {
        let (Some(helper), Some(cache)) = (self.helper.as_mut(), self.cache.clone()) else { return false };
        // The first answer waits for rust-analyzer to start.
        if helper
            .ask(json!({"op": "complete", "source": "let __ndplay_w = 1u8;\n__ndplay_w.", "cursor": 27}), timeout)
            .is_none()
        {
            return false;
        }
        let mut ask = Asker { helper, wait: Duration::from_secs(60) };
        let index = Index::build(&mut ask, progress);
        if index.members.is_empty() {
            return false;
        }
        if let Err(e) = index.save(&cache) {
            crate::log!("could not keep the completion index in {}: {e}", cache.display());
            return false;
        }
        self.index = Some(Some(index));
        true
    }

    /// What `ndplay install` does once: builds the index (see [`Analysis::build_index`]).
    pub fn warm(&mut self, timeout: Duration) -> bool {
        // Built before for this prelude (an install again, the README's command run twice):
        // kept, not built again (a minute and a half of rust-analyzer).
        if let Some(index) = self.cache.as_deref().and_then(Index::load) {
            crate::log!("completion index: already built for this prelude");
            self.index = Some(Some(index));
            return true;
        }
        let started = std::time::Instant::now();
        // Quiet on the way (forty steps would fill an install's console); one line at the end.
        let built = self.build_index(timeout, &|_| {});
        if let Some(Some(index)) = &self.index {
            crate::log!(
                "completion index: {} types, {} paths, {} names, {} docs, in {:.0} s",
                index.members.len(),
                index.paths.len(),
                index.scope.len(),
                index.docs.len(),
                started.elapsed().as_secs_f64()
            );
        }
        built
    }

    /// Asks rust-analyzer's process; waits longer while it starts.
    fn ask(&mut self, request: serde_json::Value) -> Option<serde_json::Value> {
        let helper = self.helper.as_mut()?;
        let wait = if helper.ready() { WAIT } else { FIRST_WAIT };
        helper.ask(request, wait)
    }

    /// Completions at `cursor`: the commands, at a `:` that starts a line of the cell's
    /// commands; else from the index; else from rust-analyzer when it answers in time, else
    /// from `names`.
    pub fn complete(&mut self, state: &State, code: &str, cursor: usize, names: &[String]) -> Completions {
        if let Some(c) = commands(code, cursor) {
            return c;
        }
        if let Some(c) = self.index().and_then(|index| from_index(index, state, code, cursor, names)) {
            return c;
        }
        let (prefix, source) = synthetic(state, code);
        if let Some(answer) = self.ask(json!({"op": "complete", "source": source, "cursor": cursor + prefix})) {
            let start = answer["start"].as_u64().unwrap_or(0) as usize;
            let end = answer["end"].as_u64().unwrap_or(0) as usize;
            let start = start.saturating_sub(prefix).min(cursor);
            let end = end.saturating_sub(prefix).max(start);
            let offered: Vec<(String, String)> = answer["matches"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| Some((m[0].as_str()?.to_string(), m[1].as_str()?.to_string())))
                // Not the `iter().sum()` shortcuts rust-analyzer adds to every iterable (the
                // index leaves them out too: they bury the methods).
                .filter(|(m, _)| !is_internal(m) && !m.contains(")."))
                .collect();
            if !offered.is_empty() {
                let entries: Vec<Entry> =
                    offered.into_iter().map(|(code, kind)| Entry { code, kind, doc: None }).collect();
                let entries = super::rank::rank_by(entries, false);
                let (matches, kinds) = entries.into_iter().map(|e| (e.code, e.kind)).unzip();
                return Completions { matches, start, end, kinds };
            }
        }
        let mut c = from_names(code, cursor, names);
        c.kinds = c.matches.iter().map(|m| name_kind(state, m).to_string()).collect();
        c
    }

    /// What a name at `cursor` is: a session variable's type; else the index's signature
    /// and docs; else rust-analyzer's hover.
    pub fn inspect(&mut self, state: &State, code: &str, cursor: usize) -> Option<Media> {
        // rust-analyzer is asked at the end of the word; right after `name(`, evcxr asks
        // about `name` itself, and so does the index.
        let hover_at = identifier_end(code, cursor);
        let (mut start, mut end) = (identifier_start(code, cursor), hover_at);
        if start == end && code[..start].ends_with('(') {
            end = start - 1;
            start = identifier_start(code, end);
        }
        let word = &code[start..end];
        let var_type = state
            .variable(word)
            .map(|v| format!("{word}: {}", crate::engine::rust::report::array_terms::shorten_types(&v.ty)));
        let from_index = self.index().and_then(|i| doc_from_index(i, state, code, start, end)).cloned();
        let hover = match (&var_type, from_index) {
            (_, Some(doc)) => Some((doc.plain, doc.html)),
            // A variable's type is what rust-analyzer would say of it too.
            (Some(_), None) => None,
            (None, None) => {
                let (prefix, source) = synthetic(state, code);
                self.ask(json!({"op": "hover", "source": source, "cursor": hover_at + prefix}))
                    .and_then(|a| Some((a["plain"].as_str()?.to_string(), a["html"].as_str()?.to_string())))
            }
        };
        if var_type.is_none() && hover.is_none() {
            return None;
        }
        let mut plain = var_type.clone().unwrap_or_default();
        let mut html = var_type.map(|t| format!("<pre>{}</pre>", html_escape(&t))).unwrap_or_default();
        if let Some((p, h)) = hover {
            if !plain.is_empty() {
                plain.push_str("\n\n");
            }
            plain.push_str(&p);
            html.push_str(&h);
        }
        Some(Media::new(vec![MediaType::Plain(plain), MediaType::Html(html)]))
    }
}

/// The index builder's questions, put to rust-analyzer's process.
struct Asker<'a> {
    helper: &'a mut Helper,
    wait: Duration,
}

impl super::completion_index::Ask for Asker<'_> {
    fn complete(&mut self, source: &str, cursor: usize) -> Option<Vec<(String, String)>> {
        let a = self.helper.ask(json!({"op": "complete", "source": source, "cursor": cursor}), self.wait)?;
        Some(
            a["matches"]
                .as_array()?
                .iter()
                .filter_map(|m| Some((m[0].as_str()?.to_string(), m[1].as_str()?.to_string())))
                .collect(),
        )
    }

    fn hover(&mut self, source: &str, cursor: usize) -> Option<Doc> {
        let a = self.helper.ask(json!({"op": "hover", "source": source, "cursor": cursor}), self.wait)?;
        Some(Doc { plain: a["plain"].as_str()?.to_string(), html: a["html"].as_str()?.to_string() })
    }
}

/// What kind of thing a session name is, for Jupyter.
fn name_kind(state: &State, name: &str) -> &'static str {
    match (state.variable(name), state.items().find(|i| i.key == *name)) {
        (Some(_), _) => "instance",
        (None, Some(i)) if i.kind == ItemKind::Type => "class",
        (None, Some(i)) if i.kind == ItemKind::Macro => "macro",
        _ => "",
    }
}

/// The identifier just before the `.` that precedes `start` (`a` in `a.su`), if it stands
/// alone: not itself after a `.` or `::` (a field, a path), and not a number.
fn receiver_before(code: &str, start: usize) -> Option<&str> {
    let before = code[..start].strip_suffix('.')?;
    let r = identifier_start(before, before.len());
    let receiver = &before[r..];
    let alone = !before[..r].ends_with(['.', ':']);
    (alone && !receiver.is_empty() && !receiver.starts_with(|c: char| c.is_ascii_digit())).then_some(receiver)
}

/// The path just before the `::` that precedes `start` (`Array2` in `Array2::ze`), if it is
/// one identifier.
fn path_before(code: &str, start: usize) -> Option<&str> {
    let before = code[..start].strip_suffix("::")?;
    let p = identifier_start(before, before.len());
    let path = &before[p..];
    let alone = !before[..p].ends_with([':', '.', '>']);
    (alone && !path.is_empty()).then_some(path)
}

/// Whether offset `at` of `code` is inside a string, a character or a comment (where the
/// index has nothing to offer; rust-analyzer decides).
fn in_literal_or_comment(code: &str, at: usize) -> bool {
    use ra_ap_syntax::{AstNode, SyntaxKind, TextSize};
    let file = ra_ap_syntax::SourceFile::parse(code, ra_ap_syntax::Edition::Edition2021).tree();
    // rowan panics at an offset past the end.
    let Ok(at) = u32::try_from(at.min(code.len())) else { return true };
    let token = file.syntax().token_at_offset(TextSize::from(at)).left_biased();
    token.is_some_and(|t| {
        matches!(
            t.kind(),
            SyntaxKind::STRING
                | SyntaxKind::BYTE_STRING
                | SyntaxKind::C_STRING
                | SyntaxKind::CHAR
                | SyntaxKind::COMMENT
        ) && t.text_range().start() < TextSize::from(at)
    })
}

/// The words after which a name is being declared or a path written: rust-analyzer's to
/// complete (or no one's).
const DECLARING: &[&str] = &[
    "let",
    "mut",
    "fn",
    "struct",
    "enum",
    "trait",
    "type",
    "mod",
    "use",
    "impl",
    "const",
    "static",
    "for",
    "as",
    "macro_rules",
];

/// The answer the index gives at `cursor`, if it knows it.
fn from_index(index: &Index, state: &State, code: &str, cursor: usize, names: &[String]) -> Option<Completions> {
    let start = identifier_start(code, cursor);
    let end = identifier_end(code, cursor);
    let prefix = &code[start..cursor];
    if in_literal_or_comment(code, start) {
        return None;
    }
    let parts = crate::syntax::cell::parts(code);
    let rebound =
        |name: &str| parts.bindings.iter().any(|b| b.name == name) || parts.items.iter().any(|i| i.key == name);
    let entries: Vec<&Entry> = if let Some(receiver) = receiver_before(code, start) {
        // The cell may give the name another type before the cursor: rust-analyzer's.
        if rebound(receiver) {
            return None;
        }
        index.members(&state.variable(receiver)?.ty, prefix)?
    } else if let Some(path) = path_before(code, start) {
        if rebound(path) || state.items().any(|i| i.key == path) {
            return None;
        }
        index.path_items(path, prefix)?
    } else {
        let before = code[..start].trim_end();
        let line = &code[code[..start].rfind('\n').map_or(0, |i| i + 1)..start];
        let previous = before.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
        let glob = state.items().any(|i| i.kind == ItemKind::Use && i.text.contains('*'))
            || parts.items.iter().any(|i| i.kind == ItemKind::Use && code[i.start..i.end].contains('*'));
        if prefix.is_empty()
            || before.ends_with(['.', ':'])
            || DECLARING.contains(&previous)
            || line.trim_start().starts_with("use ")
            || glob
        {
            return None;
        }
        // The student's own names first, then what every cell has in scope.
        let own = from_names(code, cursor, names);
        let mut matches = own.matches;
        let mut kinds: Vec<String> = matches.iter().map(|m| name_kind(state, m).to_string()).collect();
        for e in index.scope(prefix) {
            if !matches.contains(&e.code) && e.code != prefix {
                matches.push(e.code.clone());
                kinds.push(e.kind.clone());
            }
        }
        return Some(Completions { matches, start, end, kinds });
    };
    let (matches, kinds) = entries.into_iter().map(|e| (e.code.clone(), e.kind.clone())).unzip();
    Some(Completions { matches, start, end, kinds })
}

/// The index's docs of the name in `code[start..end]`: a member of a variable of an indexed
/// type, an associated item of an indexed path, or a name every cell has in scope.
fn doc_from_index<'i>(index: &'i Index, state: &State, code: &str, start: usize, end: usize) -> Option<&'i Doc> {
    let word = &code[start..end];
    if word.is_empty() || in_literal_or_comment(code, start) {
        return None;
    }
    let parts = crate::syntax::cell::parts(code);
    let rebound =
        |name: &str| parts.bindings.iter().any(|b| b.name == name) || parts.items.iter().any(|i| i.key == name);
    if let Some(receiver) = receiver_before(code, start) {
        if rebound(receiver) {
            return None;
        }
        return index.member_doc(&state.variable(receiver)?.ty, word);
    }
    if let Some(path) = path_before(code, start) {
        return index.path_doc(path, word);
    }
    if code[..start].ends_with(['.', ':']) || rebound(word) || state.variable(word).is_some() {
        return None;
    }
    if state.items().any(|i| i.key == word || (i.kind == ItemKind::Use && i.text.contains('*'))) {
        return None;
    }
    index.scope_doc(word)
}

/// Names of the kernel's and evcxr's own code, which rust-analyzer sees in the source it
/// is given (evcxr wraps it in functions of its own) and a student must never be offered.
pub(in crate::engine::rust) fn is_internal(name: &str) -> bool {
    let bare = name.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '_');
    ["evcxr_", "Evcxr", "EVCXR", "__ndplay", "__Ndplay", crate::engine::rust::cell::codegen::ENTRY]
        .iter()
        .any(|p| bare.starts_with(p))
}

/// The commands that start with the word at `cursor`, when it is a `:` word at the start
/// of a line among the cell's leading command lines (blank lines and commands above it).
fn commands(code: &str, cursor: usize) -> Option<Completions> {
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let word = code[line_start..cursor].trim_start();
    let rest = word.strip_prefix(':')?;
    if !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let above_are_commands = code[..line_start].lines().all(|l| l.trim().is_empty() || l.trim().starts_with(':'));
    if !above_are_commands {
        return None;
    }
    let matches: Vec<String> =
        crate::engine::rust::commands::COMMANDS.iter().filter(|c| c.starts_with(word)).map(|c| c.to_string()).collect();
    let kinds = vec!["command".to_string(); matches.len()];
    Some(Completions { matches, start: cursor - word.len(), end: identifier_end(code, cursor), kinds })
}

/// The source rust-analyzer is asked about, and the length of what precedes the student's
/// text in it.
fn synthetic(state: &State, code: &str) -> (usize, String) {
    let mut source = String::from("use ndplay::prelude::*;\nuse ndplay::cell::names::*;\n");
    for item in state.items() {
        source.push_str(item.text.trim());
        source.push('\n');
    }
    for (name, v) in state.variables() {
        let m = if v.mutable { "mut " } else { "" };
        source.push_str(&format!("let {m}{name}: {} = unimplemented!();\n", v.ty));
    }
    let prefix = source.len();
    source.push_str(code);
    (prefix, source)
}

/// Completion without rust-analyzer: the session's variables and items, and those the text
/// itself defines, that start with the word before the cursor.
fn from_names(code: &str, cursor: usize, names: &[String]) -> Completions {
    let start = identifier_start(code, cursor);
    let prefix = &code[start..cursor];
    let parts = crate::syntax::cell::parts(code);
    let own = parts.bindings.into_iter().map(|b| b.name).chain(parts.items.into_iter().map(|i| i.key));
    let mut matches: Vec<String> =
        names.iter().cloned().chain(own).filter(|n| n.starts_with(prefix) && n.as_str() != prefix).collect();
    matches.sort();
    matches.dedup();
    Completions { matches, start, end: cursor, kinds: Vec::new() }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rust::cell::state::Variable;

    #[test]
    fn the_synthetic_source_declares_the_variables() {
        let mut state = State::default();
        state.set_variable("a", Variable { ty: "Vec<f64>".into(), mutable: true });
        let (prefix, source) = synthetic(&state, "a.");
        assert!(source.contains("let mut a: Vec<f64> = unimplemented!();\n"));
        assert_eq!(&source[prefix..], "a.");
    }

    /// rust-analyzer reduced to one method on every type: enough for an index to exist.
    struct OneMethod;

    impl super::super::completion_index::Ask for OneMethod {
        fn complete(&mut self, _: &str, _: usize) -> Option<Vec<(String, String)>> {
            Some(vec![("sum()".into(), "function".into())])
        }
        fn hover(&mut self, _: &str, _: usize) -> Option<Doc> {
            None
        }
    }

    #[test]
    fn an_index_built_after_the_kernel_started_is_taken_up_at_the_next_request() {
        // scripts/lab.sh on a fresh machine: JupyterLab (and a kernel) first, the index
        // minutes later, from the background.
        let cache = std::env::temp_dir().join(format!("ndplay-late-index-{}", std::process::id()));
        std::fs::create_dir_all(&cache).unwrap();
        let mut analysis = Analysis { index: None, helper: None, cache: Some(cache.clone()) };
        assert!(analysis.index().is_none(), "no index yet");
        assert!(analysis.index().is_none(), "still none: looked for again, not an error");
        Index::build(&mut OneMethod, &|_| {}).save(&cache).unwrap();
        let found = analysis.index().map(|index| index.members.is_empty());
        std::fs::remove_dir_all(&cache).unwrap();
        assert_eq!(found, Some(false), "the index saved since is read");
    }

    #[test]
    fn commands_complete_at_a_colon_that_starts_a_command_line() {
        let c = commands(":v", 2).unwrap();
        assert_eq!(
            (c.matches, c.start, c.end, c.kinds),
            (vec![":vars".to_string()], 0, 2, vec!["command".to_string()])
        );
        assert_eq!(
            commands(":dep a = \"1\"\n:", 14).unwrap().matches.len(),
            crate::engine::rust::commands::COMMANDS.len()
        );
        assert!(commands("let x = 1;\n:v", 13).is_none(), "below Rust code, `:` is Rust's");
        assert!(commands("a::b", 2).is_none());
        assert!(commands("let t = :v", 10).is_none());
    }

    #[test]
    fn the_kernels_own_names_are_internal() {
        for name in
            ["evcxr_analysis_wrapper()", "evcxr_variable_store", "EvcxrUserCodeError", "__ndplay_try(…)", "ndplay_cell"]
        {
            assert!(is_internal(name), "{name}");
        }
        assert!(!is_internal("evaluate") && !is_internal("ndplay") && !is_internal("array!"));
    }

    fn index() -> Index {
        let e = |code: &str, doc: Option<u32>| Entry { code: code.into(), kind: "function".into(), doc };
        let mut index = Index::default();
        index
            .members
            .insert("Array1<f64>".into(), vec![e("sum()", Some(0)), e("shape()", None), e("slice(info)", None)]);
        index.paths.insert("Array2".into(), vec![e("zeros(shape)", Some(1))]);
        index.scope = vec![e("array![]", None), e("arange(start, end, step)", Some(2)), e("Array2", None)];
        index.docs = ["sums", "zeros", "arange"]
            .iter()
            .map(|d| Doc { plain: d.to_string(), html: format!("<p>{d}</p>") })
            .collect();
        index
    }

    fn session() -> State {
        let mut state = State::default();
        let ty = "ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>>".to_string();
        state.set_variable("a", Variable { ty, mutable: false });
        state
    }

    #[test]
    fn the_index_answers_a_member_a_path_and_a_name() {
        let (index, state) = (index(), session());
        let at = |code: &str| from_index(&index, &state, code, code.len(), &["a".into(), "arr_x".into()]);
        let c = at("let b = a.s").unwrap();
        assert_eq!(
            (c.matches, c.start, c.end),
            (vec!["sum()".to_string(), "shape()".into(), "slice(info)".into()], 10, 11)
        );
        assert_eq!(at("Array2::z").unwrap().matches, ["zeros(shape)"]);
        assert_eq!(at("let y = ar").unwrap().matches, ["arr_x", "array![]", "arange(start, end, step)"]);
        // Not the index's: a chain, an unknown receiver, a name the cell rebinds, a string,
        // a comment, a declaration, a `use` line.
        for code in ["a.t().s", "b.s", "let a = vec![1];\na.s", "let s = \"a.s", "// a.s", "let ar", "use nd", "x."] {
            assert!(at(code).is_none(), "{code}");
        }
    }

    #[test]
    fn the_index_gives_the_docs_of_a_member_a_path_item_and_a_name() {
        let (index, state) = (index(), session());
        let doc = |code: &str, start: usize, end: usize| {
            doc_from_index(&index, &state, code, start, end).map(|d| d.plain.clone())
        };
        assert_eq!(doc("a.sum()", 2, 5).as_deref(), Some("sums"));
        assert_eq!(doc("Array2::zeros", 8, 13).as_deref(), Some("zeros"));
        assert_eq!(doc("arange(0.0, 1.0, 0.1)", 0, 6).as_deref(), Some("arange"));
        assert_eq!(doc("a.shape()", 2, 7), None, "no docs indexed for it: rust-analyzer's");
        assert_eq!(doc("fn arange() {}\narange", 15, 21), None, "the cell's own arange");
    }

    #[test]
    fn a_receiver_and_a_path_stand_alone() {
        assert_eq!(receiver_before("x = a.", 6), Some("a"));
        assert_eq!(receiver_before("s.a.", 4), None);
        assert_eq!(receiver_before("1.", 2), None);
        assert_eq!(path_before("Array2::", 8), Some("Array2"));
        assert_eq!(path_before("ndarray::Array2::", 17), None);
        assert!(in_literal_or_comment("let s = \"a.", 10) && in_literal_or_comment("// a.", 5));
        assert!(!in_literal_or_comment("let s = \"x\"; a.", 15));
    }

    #[test]
    fn names_complete_without_rust_analyzer() {
        let c = from_names("let x = wei", 11, &["weights".into(), "bias".into(), "weight_decay".into()]);
        assert_eq!((c.matches, c.start, c.end), (vec!["weight_decay".to_string(), "weights".to_string()], 8, 11));
        let code = "let ndplay_test_value = 1;\nndplay_test_va";
        assert_eq!(from_names(code, code.len(), &[]).matches, ["ndplay_test_value"]);
    }
}
