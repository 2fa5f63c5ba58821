//! The completion index: what rust-analyzer says of the prelude's and ndarray's API, asked
//! once (at `ndplay install`) and kept in the cache, so that the kernel answers the Tabs and
//! Shift+Tabs a learner presses most without rust-analyzer.
//!
//! The kernel knows every variable's type (`State`), so `a.` on an `Array1<f64>` is a
//! lookup: the members rust-analyzer offered for a `let a: Array1<f64>` when the index was
//! built, without the private fields its completion shows (evcxr turns on
//! `enable_private_editable`), ranked by [`LEARNER_FIRST`](super::rank::LEARNER_FIRST), each with the signature and docs
//! its hover gave. The same holds for `Array2::` (associated functions) and for a bare name
//! (what a cell sees in scope). Anything else (a chain `a.t().`, a type not indexed, a `use`
//! line) is rust-analyzer's, in a process of its own (`analysis_server`).
//!
//! The file is named after the prelude's hash and this format's number, so an index built
//! for another prelude (another ndarray, another `ArrayExt`) is never read.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::rank::{rank, rank_path};
use super::type_key::canonical;

/// Bumped whenever what the index holds, or how it is keyed, changes.
const FORMAT: u32 = 1;

/// The types whose members are indexed, as a cell writes them; their element types are
/// those lessons use. Every one is a question to rust-analyzer at install time.
const MEMBER_TYPES: &[&str] = &[
    "Array1<f64>",
    "Array2<f64>",
    "Array3<f64>",
    "ArrayD<f64>",
    "Array1<f32>",
    "Array2<f32>",
    "Array1<i32>",
    "Array2<i32>",
    "Array1<i64>",
    "Array2<i64>",
    "Array1<usize>",
    "Array2<usize>",
    "Array1<bool>",
    "Array2<bool>",
    "ArrayView1<'static, f64>",
    "ArrayView2<'static, f64>",
    "Vec<f64>",
    "Vec<i32>",
    "Vec<usize>",
    "String",
    "&'static str",
    "f64",
    "f32",
    "i32",
    "i64",
    "usize",
    "bool",
];

/// The types whose members' docs are asked for; every other array type borrows them by
/// name (the methods are the same generic ones).
const DOC_TYPES: &[&str] = &["Array1<f64>", "Array2<f64>"];

/// The paths whose associated items (`Array2::`) are indexed.
const PATHS: &[&str] = &["Array1", "Array2", "Array3", "ArrayD", "Array", "Rng"];

/// One offer: what is inserted, its kind (as Jupyter names it), its docs if indexed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Entry {
    pub code: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<u32>,
}

impl Entry {
    /// The name: the code without the arguments rust-analyzer fills in (`dot(rhs)`).
    pub fn name(&self) -> &str {
        name_of(&self.code)
    }
}

/// A hover: the signature and docs, as text and as HTML.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Doc {
    pub plain: String,
    pub html: String,
}

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct Index {
    format: u32,
    prelude: String,
    /// `x.` for each type, by [`canonical`] type, ranked.
    pub members: BTreeMap<String, Vec<Entry>>,
    /// `P::` for each path, ranked.
    pub paths: BTreeMap<String, Vec<Entry>>,
    /// A bare name: what a cell has in scope.
    pub scope: Vec<Entry>,
    pub docs: Vec<Doc>,
}

/// What the index builder asks rust-analyzer: completions at a cursor (code, kind), and
/// the hover at one. The analysis process answers it; tests script it.
pub trait Ask {
    fn complete(&mut self, source: &str, cursor: usize) -> Option<Vec<(String, String)>>;
    fn hover(&mut self, source: &str, cursor: usize) -> Option<Doc>;
}

/// Where the index for this binary's prelude lives in `cache`.
pub fn path(cache: &Path) -> PathBuf {
    cache.join(format!("completion-index-{}-v{FORMAT}.json", crate::engine::rust::build::prelude::HASH))
}

impl Index {
    /// The index in `cache`, if it was built for this prelude.
    pub fn load(cache: &Path) -> Option<Index> {
        let text = std::fs::read(path(cache)).ok()?;
        let mut index: Index = serde_json::from_slice(&text).ok()?;
        if index.format != FORMAT || index.prelude != crate::engine::rust::build::prelude::HASH {
            return None;
        }
        // Ranked as this binary ranks (a millisecond), not as the one that built it.
        for entries in index.members.values_mut() {
            *entries = rank(std::mem::take(entries));
        }
        for entries in index.paths.values_mut() {
            *entries = rank_path(std::mem::take(entries));
        }
        Some(index)
    }

    /// Writes it into `cache`, whole or not at all (kernels may read it meanwhile).
    pub fn save(&self, cache: &Path) -> std::io::Result<()> {
        let tmp = cache.join(format!(".completion-index-{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(self)?)?;
        std::fs::rename(&tmp, path(cache))
    }

    /// Asks rust-analyzer (through `ask`) about every indexed type, path and name.
    /// `progress` hears of each.
    pub fn build(ask: &mut dyn Ask, progress: &dyn Fn(&str)) -> Index {
        let mut index = Index {
            format: FORMAT,
            prelude: crate::engine::rust::build::prelude::HASH.to_string(),
            ..Index::default()
        };
        let mut docs = Docs::default();
        let header = "use ndplay::prelude::*;\n";
        // Hovers take a third of a second each: they are asked on the two types a learner
        // uses most, and every other array type borrows them by name (the methods are the
        // same generic ones), with its own element type and dimension written in.
        let mut asked: HashMap<(String, String), u32> = HashMap::new();
        for ty in DOC_TYPES.iter().chain(MEMBER_TYPES) {
            let key = canonical(ty);
            if index.members.contains_key(&key) {
                continue;
            }
            progress(&format!("members of {ty}"));
            let decl = format!("{header}let __ndplay_x: {ty} = unimplemented!();\n__ndplay_x.");
            let Some(found) = ask.complete(&decl, decl.len()) else { continue };
            let with_docs = DOC_TYPES.contains(ty);
            let mut entries = Vec::new();
            for (code, kind) in found {
                if is_noise(&code) {
                    continue;
                }
                let name = name_of(&code).to_string();
                let is_field = !code.contains('(');
                // A field, or a member of a type whose docs are asked for: its hover.
                let hover = if is_field || with_docs {
                    let src = hover_source(&decl, &code);
                    ask.hover(&src, src.len())
                } else {
                    None
                };
                // Private fields are offered (evcxr analyses with private fields editable)
                // but no cell can use them: a field is kept only if its hover says `pub`.
                if is_field && !hover.as_ref().is_some_and(|h| is_public_field(&h.plain, &name)) {
                    continue;
                }
                let doc = match hover {
                    Some(h) => {
                        let d = docs.add(h);
                        if with_docs {
                            asked.insert((key.clone(), name.clone()), d);
                        }
                        Some(d)
                    }
                    None => borrowed_doc(&mut docs, &asked, &key, &name),
                };
                entries.push(Entry { code, kind, doc });
            }
            index.members.insert(key, rank(entries));
        }
        for path in PATHS {
            progress(&format!("{path}::"));
            let before = format!("{header}let __ndplay_x = {path}::");
            let Some(found) = ask.complete(&before, before.len()) else { continue };
            // The docs of its methods are those of its values' members.
            let values = canonical(&format!("{path}<f64>"));
            let mut entries = Vec::new();
            for (code, kind) in found.into_iter().filter(|(c, _)| !is_noise(c)) {
                let name = name_of(&code).to_string();
                let own = format!("{path}::");
                let doc = if code.contains("self") {
                    borrowed_doc(&mut docs, &asked, &values, &name)
                } else if let Some(d) = borrowed_path_doc(&mut docs, &asked, path, &name) {
                    Some(d)
                } else {
                    let src = hover_source(&before, &code);
                    let d = ask.hover(&src, src.len()).map(|h| docs.add(h));
                    if let Some(d) = d {
                        asked.insert((own, name), d);
                    }
                    d
                };
                entries.push(Entry { code, kind, doc });
            }
            index.paths.insert(path.to_string(), rank_path(entries));
        }
        progress("names in scope");
        // Where a value is written: every function, type, macro and module a cell sees.
        let before = format!("{header}let __ndplay_x = ");
        if let Some(found) = ask.complete(&before, before.len()) {
            for (code, kind) in found.into_iter().filter(|(c, _)| !is_noise(c)) {
                // Keywords and modules have no docs worth a request each.
                let doc = if kind == "keyword" || kind == "module" {
                    None
                } else {
                    let src = hover_source(&before, &code);
                    ask.hover(&src, src.len()).map(|h| docs.add(h))
                };
                index.scope.push(Entry { code, kind, doc });
            }
            // Alphabetical only: the learner's list names methods (a bare `row` is a widget).
            index.scope.sort_by_cached_key(|e| e.name().to_lowercase());
        }
        index.docs = docs.list;
        index
    }

    /// The members of `ty` (as the state writes it) whose name starts with `prefix`,
    /// ranked; `None` when the type is not indexed.
    pub fn members(&self, ty: &str, prefix: &str) -> Option<Vec<&Entry>> {
        let all = self.members.get(&canonical(ty))?;
        Some(all.iter().filter(|e| e.code.starts_with(prefix)).collect())
    }

    /// The associated items of `path` (`Array2`) that start with `prefix`.
    pub fn path_items(&self, path: &str, prefix: &str) -> Option<Vec<&Entry>> {
        let all = self.paths.get(path)?;
        Some(all.iter().filter(|e| e.code.starts_with(prefix)).collect())
    }

    /// The names in scope that start with `prefix`.
    pub fn scope(&self, prefix: &str) -> Vec<&Entry> {
        self.scope.iter().filter(|e| e.code.starts_with(prefix)).collect()
    }

    /// The docs of the member `name` of `ty`.
    pub fn member_doc(&self, ty: &str, name: &str) -> Option<&Doc> {
        let entry = self.members.get(&canonical(ty))?.iter().find(|e| e.name() == name)?;
        self.docs.get(entry.doc? as usize)
    }

    pub fn path_doc(&self, path: &str, name: &str) -> Option<&Doc> {
        let entry = self.paths.get(path)?.iter().find(|e| e.name() == name)?;
        self.docs.get(entry.doc? as usize)
    }

    pub fn scope_doc(&self, name: &str) -> Option<&Doc> {
        let entry = self.scope.iter().find(|e| e.name() == name)?;
        self.docs.get(entry.doc? as usize)
    }
}

/// The source whose hover tells of `code` offered after `before`. evcxr hovers over the
/// text up to the cursor only, and over a method only when a `(` follows its name.
fn hover_source(before: &str, code: &str) -> String {
    let name = code.split(['(', '!', '[']).next().unwrap_or(code);
    let call = if code[name.len()..].starts_with('(') { "(" } else { "" };
    format!("{before}{name}{call}")
}

/// Hovers, each kept once (many members share one).
#[derive(Default)]
struct Docs {
    list: Vec<Doc>,
    seen: HashMap<String, u32>,
}

impl Docs {
    fn add(&mut self, doc: Doc) -> u32 {
        if let Some(&i) = self.seen.get(&doc.plain) {
            return i;
        }
        let i = self.list.len() as u32;
        self.seen.insert(doc.plain.clone(), i);
        self.list.push(doc);
        i
    }
}

/// What no student should be offered: the kernel's and evcxr's own names, a tuple
/// struct's numbered fields (private ones are what `0` is on an array), names that say
/// they are internal (`_fmt_inner`), snippets (`fn $1($2) {…}`, `#[test]`), and the
/// `iter().count()` shortcuts rust-analyzer adds to every iterable.
fn is_noise(code: &str) -> bool {
    code.is_empty()
        || super::analysis::is_internal(code)
        || code.starts_with(|c: char| c.is_ascii_digit() || c == '_' || c == '#')
        || code.contains(['\n', '$'])
        || code.contains(").")
}

/// The name in an offer's code: without the arguments rust-analyzer fills in.
fn name_of(code: &str) -> &str {
    code.split(['(', '!', '[', ' ', ';']).next().unwrap_or(code)
}

/// `Array1<f64>` → (`1`, `f64`); `ArrayViewMut2<i32>` → (`2`, `i32`).
fn array_parts(key: &str) -> Option<(&str, &str)> {
    let rest = ["ArrayViewMut", "ArrayView", "Array"].iter().find_map(|p| key.strip_prefix(p))?;
    let (dim, elem) = rest.split_once('<')?;
    Some((dim, elem.strip_suffix('>')?))
}

/// How rust-analyzer's hover writes a dimension's type.
fn dim_type(dim: &str) -> String {
    if dim == "D" {
        "Dim<IxDynImpl>".into()
    } else {
        format!("Dim<[usize; {dim}]>")
    }
}

/// The docs of `name` on the array type `key`, taken from the type of its dimension whose
/// docs were asked (`Array1<f64>`, else `Array2<f64>`), with `key`'s own element type and
/// dimension written into the hover's `A = f64, D = …` line.
fn borrowed_doc(docs: &mut Docs, asked: &HashMap<(String, String), u32>, key: &str, name: &str) -> Option<u32> {
    let (dim, elem) = array_parts(key)?;
    let sources = if dim == "1" { ["Array1<f64>", "Array2<f64>"] } else { ["Array2<f64>", "Array1<f64>"] };
    let (source, &d) = sources.iter().find_map(|s| Some((*s, asked.get(&(s.to_string(), name.to_string()))?)))?;
    let (source_dim, _) = array_parts(source)?;
    let doc = docs.list[d as usize].clone();
    let write = |t: &str| t.replace("A = f64", &format!("A = {elem}")).replace(&dim_type(source_dim), &dim_type(dim));
    Some(docs.add(Doc { plain: write(&doc.plain), html: write(&doc.html) }))
}

/// The docs of `path::name` (`Array3::zeros`) taken from `Array2::zeros` (or `Array1`'s),
/// with its own dimension written in.
fn borrowed_path_doc(docs: &mut Docs, asked: &HashMap<(String, String), u32>, path: &str, name: &str) -> Option<u32> {
    let dim = canonical(&format!("{path}<f64>"));
    let (dim, _) = array_parts(&dim)?;
    let (source, &d) =
        ["Array2", "Array1"].iter().find_map(|s| Some((*s, asked.get(&(format!("{s}::"), name.to_string()))?)))?;
    let source_dim = &source[5..];
    let doc = docs.list[d as usize].clone();
    let write = |t: &str| t.replace(&dim_type(source_dim), &dim_type(dim));
    Some(docs.add(Doc { plain: write(&doc.plain), html: write(&doc.html) }))
}

/// Whether rust-analyzer's hover of a field declares it `pub` (`pub data: S` against
/// `data: S`).
fn is_public_field(hover: &str, name: &str) -> bool {
    hover.lines().any(|l| {
        let l = l.trim();
        l.starts_with("pub") && l.contains(&format!("{name}:"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_fields_are_told_from_public_ones_by_the_hover() {
        assert!(!is_public_field("ndarray::ArrayBase\n\ndata: S", "data"));
        assert!(is_public_field("ndplay::Timing\n\npub mean: Duration", "mean"));
        assert!(is_noise("0") && is_noise("__ndplay_x") && !is_noise("sum()"));
    }

    /// rust-analyzer as the index builder meets it: private fields, internals, methods.
    struct Scripted;

    impl Ask for Scripted {
        fn complete(&mut self, source: &str, _: usize) -> Option<Vec<(String, String)>> {
            let items: &[(&str, &str)] = if source.ends_with("__ndplay_x.") {
                &[
                    ("data", "instance"),
                    ("0", "instance"),
                    ("into_owned()", "function"),
                    ("sum()", "function"),
                    ("shape()", "function"),
                ]
            } else if source.ends_with("::") {
                &[("zeros(shape)", "function")]
            } else {
                &[("array![]", "function"), ("let", "keyword"), ("__ndplay_x", "instance")]
            };
            Some(items.iter().map(|(c, k)| (c.to_string(), k.to_string())).collect())
        }

        fn hover(&mut self, source: &str, _: usize) -> Option<Doc> {
            let word = source.rsplit(['.', ':', '\n']).next().unwrap();
            let plain = if word == "data" {
                "ndarray::ArrayBase\n\ndata: S".into()
            } else {
                format!("fn {word}\n\ndocs of {word}")
            };
            Some(Doc { html: format!("<p>{plain}</p>"), plain })
        }
    }

    #[test]
    fn the_index_offers_methods_ranked_without_private_fields_and_with_docs() {
        let index = Index::build(&mut Scripted, &|_| {});
        let offered = |ty: &str, prefix: &str| -> Vec<String> {
            index.members(ty, prefix).unwrap().into_iter().map(|e| e.code.clone()).collect()
        };
        assert_eq!(offered("ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>>", ""), ["sum()", "shape()", "into_owned()"]);
        assert_eq!(offered("Array2<f64>", "s"), ["sum()", "shape()"]);
        // Every array type shares the docs asked for on one.
        assert!(index.member_doc("Array2<i32>", "sum").unwrap().plain.contains("docs of sum"));
        assert!(index.members("HashMap<String, i32>", "").is_none());
        assert_eq!(index.path_items("Array2", "ze").unwrap()[0].code, "zeros(shape)");
        assert!(index.path_doc("Array2", "zeros").unwrap().plain.contains("docs of zeros"));
        assert_eq!(index.scope("ar").into_iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["array![]"]);
        assert!(index.scope("__").is_empty());
        assert!(index.scope_doc("array").is_some());
    }

    #[test]
    fn an_index_for_another_prelude_is_never_read() {
        let dir = std::env::temp_dir().join(format!("ndplay-index-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let index = Index::build(&mut Scripted, &|_| {});
        index.save(&dir).unwrap();
        assert!(Index::load(&dir).is_some());
        let mut stale: serde_json::Value = serde_json::from_slice(&std::fs::read(path(&dir)).unwrap()).unwrap();
        stale["prelude"] = "another".into();
        std::fs::write(path(&dir), stale.to_string()).unwrap();
        assert!(Index::load(&dir).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
