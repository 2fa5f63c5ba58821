//! A cell parsed as Rust: where its final expression is, what the operands of its
//! arithmetic are, where an identifier starts and ends. Pure functions on text.
//!
//! A cell is the body of a function (the kernel compiles it as one), so the parser is given
//! the cell wrapped in one ([`CELL_PREFIX`]); offsets are translated back to the cell's own.

/// What a cell is wrapped in to parse it.
const CELL_PREFIX: &str = "fn __cell() {\n";

/// Parses a cell as the body of a function. Offsets in the tree are `CELL_PREFIX.len()`
/// bytes after the cell's own.
pub fn parse_cell(code: &str) -> Option<ra_ap_syntax::ast::Fn> {
    use ra_ap_syntax::ast::{self, HasModuleItem};
    let wrapped = format!("{CELL_PREFIX}{code}\n}}");
    let file = ra_ap_syntax::SourceFile::parse(&wrapped, ra_ap_syntax::Edition::Edition2021).tree();
    match file.items().next()? {
        ast::Item::Fn(f) => Some(f),
        _ => None,
    }
}

/// A cell's final expression (the one whose value is shown) and its byte range in `code`.
pub fn tail_expression(code: &str) -> Option<(ra_ap_syntax::ast::Expr, usize, usize)> {
    use ra_ap_syntax::AstNode;
    let tail = parse_cell(code)?.body()?.stmt_list()?.tail_expr()?;
    let range = tail.syntax().text_range();
    let start = usize::from(range.start()).checked_sub(CELL_PREFIX.len())?;
    let end = usize::from(range.end()).checked_sub(CELL_PREFIX.len())?;
    (end <= code.len() && start < end).then_some((tail, start, end))
}

/// The byte range of a cell's final expression, if any.
pub fn final_expression(code: &str) -> Option<(usize, usize)> {
    tail_expression(code).map(|(_, start, end)| (start, end))
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub fn identifier_start(code: &str, cursor: usize) -> usize {
    code[..cursor].rfind(|c: char| !is_ident(c)).map_or(0, |i| i + code[i..].chars().next().unwrap().len_utf8())
}

pub fn identifier_end(code: &str, cursor: usize) -> usize {
    code[cursor..].find(|c: char| !is_ident(c)).map_or(code.len(), |i| cursor + i)
}

/// `(lhs, rhs)` of every `+ - * /` in the cell, in source order, without leading `&`s
/// (the probe borrows them itself).
pub fn arithmetic_operands(code: &str) -> Vec<(String, String)> {
    use ra_ap_syntax::ast::{self, ArithOp, BinaryOp};
    use ra_ap_syntax::AstNode;
    let Some(f) = parse_cell(code) else { return Vec::new() };
    let strip = |e: ast::Expr| e.syntax().text().to_string().trim().trim_start_matches('&').trim().to_string();
    f.syntax()
        .descendants()
        .filter_map(ast::BinExpr::cast)
        .filter(|b| {
            matches!(b.op_kind(), Some(BinaryOp::ArithOp(ArithOp::Add | ArithOp::Sub | ArithOp::Mul | ArithOp::Div)))
        })
        .filter_map(|b| Some((strip(b.lhs()?), strip(b.rhs()?))))
        .collect()
}

/// What kind of crate-level thing a cell defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// `use …;` (kept by its text).
    Use,
    /// `macro_rules! name { … }` (kept by name; macros must come before their use).
    Macro,
    /// An `impl` block (kept by its header, the text before its `{`).
    Impl,
    /// Any other item with a name: `fn`, `struct`, `enum`, `trait`, `type`, `const`…
    Named,
    /// A definition that values are made with (`struct`, `enum`, `union`, `type`; a
    /// `trait`, whose `dyn` values carry its table of methods; a `mod`, which may hold
    /// types): values of the old definition cannot be read as the new one.
    Type,
}

/// An item of a cell: what it is, the key a later definition replaces it by, and where
/// it is in the cell's text (byte range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: ItemKind,
    pub key: String,
    pub start: usize,
    pub end: usize,
}

/// A variable a cell's top-level `let` makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    pub mutable: bool,
    /// The type written in the `let`, when it names one variable and is fully given.
    pub ty: Option<String>,
}

/// A cell, split the way the kernel compiles it: items go to the crate's top level,
/// statements stay in the cell's function, the final expression is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    pub items: Vec<Item>,
    pub bindings: Vec<Binding>,
    /// Byte range of the final expression.
    pub tail: Option<(usize, usize)>,
    /// Names the cell assigns to with `=` or a compound assignment at any depth.
    pub assigned: Vec<String>,
    /// Names of which the cell assigns a part (`a[0] = 1.0`, `p.x += 1.0`, `*r = 2`).
    pub changed: Vec<String>,
    /// Every `?` of the cell's own code (not one inside a closure, an `async` block or a
    /// function, which answers to that instead), outermost first.
    pub tries: Vec<Try>,
    /// A `?` of the cell's own code inside a macro's arguments (`println!("{}", f()?)`),
    /// which is not parsed as an expression, so not in `tries`.
    pub tries_in_macros: bool,
}

/// A `?` at a cell's top level: the byte range of the expression it applies to (the `?`
/// itself is at `end`), and its 1-based line in the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Try {
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

/// Splits a cell into [`Parts`]. Text that does not parse is left to the compiler: what
/// can be recognised is, and the rest stays statements.
pub fn parts(code: &str) -> Parts {
    use ra_ap_syntax::ast::{self, HasName};
    use ra_ap_syntax::AstNode;
    let mut parts = Parts::default();
    let Some(f) = parse_cell(code) else { return parts };
    let Some(list) = f.body().and_then(|b| b.stmt_list()) else { return parts };
    let range = |node: &ra_ap_syntax::SyntaxNode| {
        let r = node.text_range();
        let start = usize::from(r.start()).saturating_sub(CELL_PREFIX.len()).min(code.len());
        let end = usize::from(r.end()).saturating_sub(CELL_PREFIX.len()).min(code.len());
        (start, end)
    };
    for stmt in list.statements() {
        match stmt {
            ast::Stmt::Item(item) => {
                let (start, end) = range(item.syntax());
                let name = |n: Option<ast::Name>| n.map(|n| n.text().to_string());
                let (kind, key) = match &item {
                    ast::Item::Use(_) => (ItemKind::Use, Some(code[start..end].trim().to_string())),
                    ast::Item::MacroRules(m) => (ItemKind::Macro, name(m.name())),
                    ast::Item::Impl(_) => {
                        let text = &code[start..end];
                        (
                            ItemKind::Impl,
                            Some(
                                text.split('{').next().unwrap_or(text).split_whitespace().collect::<Vec<_>>().join(" "),
                            ),
                        )
                    }
                    ast::Item::Struct(s) => (ItemKind::Type, name(s.name())),
                    ast::Item::Enum(e) => (ItemKind::Type, name(e.name())),
                    ast::Item::Union(u) => (ItemKind::Type, name(u.name())),
                    ast::Item::TypeAlias(t) => (ItemKind::Type, name(t.name())),
                    ast::Item::Fn(x) => (ItemKind::Named, name(x.name())),
                    ast::Item::Trait(x) => (ItemKind::Type, name(x.name())),
                    ast::Item::Const(x) => (ItemKind::Named, name(x.name())),
                    ast::Item::Static(x) => (ItemKind::Named, name(x.name())),
                    ast::Item::Module(x) => (ItemKind::Type, name(x.name())),
                    ast::Item::MacroDef(x) => (ItemKind::Macro, name(x.name())),
                    ast::Item::ExternCrate(_) | ast::Item::ExternBlock(_) => {
                        (ItemKind::Use, Some(code[start..end].trim().to_string()))
                    }
                    // A macro call in item position (`thread_local! { … }`) stays a statement.
                    ast::Item::MacroCall(_) | ast::Item::AsmExpr(_) => continue,
                };
                if let Some(key) = key {
                    parts.items.push(Item { kind, key, start, end });
                }
            }
            ast::Stmt::LetStmt(l) => {
                let Some(pat) = l.pat() else { continue };
                let single = matches!(pat, ast::Pat::IdentPat(_));
                let ty = l.ty().filter(|t| single && fully_given(t)).map(|t| t.syntax().text().to_string());
                let before = parts.bindings.len();
                bindings_of(&pat, &mut parts.bindings);
                if let (Some(ty), true) = (ty, parts.bindings.len() == before + 1) {
                    parts.bindings[before].ty = Some(ty);
                }
            }
            ast::Stmt::ExprStmt(_) => {}
        }
    }
    if let Some(tail) = list.tail_expr() {
        let (start, end) = range(tail.syntax());
        if start < end {
            parts.tail = Some((start, end));
        }
    }
    (parts.tries, parts.tries_in_macros) = tries(list.syntax(), &range, code);
    for node in list.syntax().descendants() {
        let Some(bin) = ast::BinExpr::cast(node) else { continue };
        if !matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { .. })) {
            continue;
        }
        let (list, lhs) = match bin.lhs() {
            Some(ast::Expr::PathExpr(p)) => (&mut parts.assigned, Some(ast::Expr::PathExpr(p))),
            other => (&mut parts.changed, other.and_then(root_of_place)),
        };
        let name = match lhs {
            Some(ast::Expr::PathExpr(p)) => p.path().filter(|p| p.qualifier().is_none()).and_then(|p| p.segment()),
            _ => None,
        };
        if let Some(name) = name.map(|n| n.syntax().text().to_string()) {
            if !list.contains(&name) {
                list.push(name);
            }
        }
    }
    parts
}

/// The `?`s under `node` that belong to the cell's own function, in the order they start
/// (an outer `?` before one inside its expression), and whether a macro call there has a
/// `?` in its arguments.
fn tries(
    node: &ra_ap_syntax::SyntaxNode,
    range: &dyn Fn(&ra_ap_syntax::SyntaxNode) -> (usize, usize),
    code: &str,
) -> (Vec<Try>, bool) {
    use ra_ap_syntax::ast;
    use ra_ap_syntax::{AstNode, SyntaxKind, WalkEvent};
    let mut found = Vec::new();
    let mut in_macros = false;
    let mut walk = node.preorder();
    while let Some(event) = walk.next() {
        let WalkEvent::Enter(n) = event else { continue };
        // A `?` in these answers to their own return type, not the cell's.
        let own_body = ast::ClosureExpr::can_cast(n.kind())
            || ast::Item::can_cast(n.kind())
            || ast::BlockExpr::cast(n.clone()).is_some_and(|b| {
                b.async_token().is_some() || b.try_block_modifier().is_some() || b.const_token().is_some()
            });
        if ast::MacroCall::can_cast(n.kind()) {
            in_macros |= n.descendants_with_tokens().any(|t| {
                t.kind() == SyntaxKind::QUESTION && t.parent().is_some_and(|p| p.kind() == SyntaxKind::TOKEN_TREE)
            });
        }
        if own_body {
            walk.skip_subtree();
            continue;
        }
        if let Some(inner) = ast::TryExpr::cast(n).and_then(|t| t.expr()) {
            let (start, end) = range(inner.syntax());
            if start < end {
                found.push(Try { start, end, line: code[..start].matches('\n').count() + 1 });
            }
        }
    }
    (found, in_macros)
}

/// One import of a `use` item: `use std::collections::{HashMap, HashSet};` is two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseLeaf {
    /// What a later import replaces it by: the name it brings into scope (`import
    /// HashMap`), or for a glob or `as _` import the whole path.
    pub key: String,
    /// The import alone, as a `use` item (attributes and visibility kept).
    pub text: String,
}

/// The imports of a `use` item, one by one; `None` when `text` is not one `use` item.
/// A session keeps imports one by one, so that a later cell may import a name again, alone
/// or in a group, without a second import of it ("defined multiple times").
pub fn use_leaves(text: &str) -> Option<Vec<UseLeaf>> {
    use ra_ap_syntax::ast::{self, HasAttrs, HasModuleItem, HasName, HasVisibility};
    use ra_ap_syntax::AstNode;
    let file = ra_ap_syntax::SourceFile::parse(text, ra_ap_syntax::Edition::Edition2021);
    if !file.errors().is_empty() {
        return None;
    }
    let mut items = file.tree().items();
    let (Some(ast::Item::Use(u)), None) = (items.next(), items.next()) else { return None };
    let mut prefix: String = u.attrs().map(|a| format!("{} ", a.syntax().text())).collect();
    if let Some(v) = u.visibility() {
        prefix.push_str(&format!("{} ", v.syntax().text()));
    }
    let compact = |node: &ra_ap_syntax::SyntaxNode| node.text().to_string().split_whitespace().collect::<String>();
    let join = |base: &str, path: &str| match (base.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (_, true) => base.to_string(),
        _ => format!("{base}::{path}"),
    };
    let mut leaves = Vec::new();
    let mut pending = vec![(u.use_tree()?, String::new())];
    while let Some((tree, base)) = pending.pop() {
        let path = tree.path().map(|p| compact(p.syntax())).unwrap_or_default();
        let full = join(&base, &path);
        if let Some(list) = tree.use_tree_list() {
            // Reversed onto the stack, so that the imports come out in the order written.
            let trees: Vec<ast::UseTree> = list.use_trees().collect();
            pending.extend(trees.into_iter().rev().map(|t| (t, full.clone())));
            continue;
        }
        if tree.star_token().is_some() {
            let glob = join(&full, "*");
            leaves.push(UseLeaf { key: format!("import {glob}"), text: format!("{prefix}use {glob};") });
            continue;
        }
        // `use std::io::{self}` imports `std::io`.
        let full = full.strip_suffix("::self").map(str::to_string).unwrap_or(full);
        let name = full.rsplit("::").next().unwrap_or("").to_string();
        let (key, alias) = match tree.rename() {
            Some(r) if r.underscore_token().is_some() => (format!("import _ {full}"), " as _".to_string()),
            Some(r) => {
                let alias = r.name()?.text().to_string();
                (format!("import {alias}"), format!(" as {alias}"))
            }
            None => (format!("import {name}"), String::new()),
        };
        leaves.push(UseLeaf { key, text: format!("{prefix}use {full}{alias};") });
    }
    Some(leaves)
}

/// The variable a place expression is part of: `a` of `a[0]`, `a.x`, `*a`, `a.b[1].c`.
fn root_of_place(expr: ra_ap_syntax::ast::Expr) -> Option<ra_ap_syntax::ast::Expr> {
    use ra_ap_syntax::ast;
    let mut e = expr;
    loop {
        e = match e {
            ast::Expr::IndexExpr(i) => i.base()?,
            ast::Expr::FieldExpr(f) => f.expr()?,
            ast::Expr::PrefixExpr(p) => p.expr()?,
            ast::Expr::ParenExpr(p) => p.expr()?,
            path @ ast::Expr::PathExpr(_) => return Some(path),
            _ => return None,
        };
    }
}

/// Whether a written type leaves nothing to inference (no `_`, no `impl Trait`).
fn fully_given(ty: &ra_ap_syntax::ast::Type) -> bool {
    use ra_ap_syntax::{AstNode, SyntaxKind};
    !ty.syntax().descendants().any(|n| matches!(n.kind(), SyntaxKind::INFER_TYPE | SyntaxKind::IMPL_TRAIT_TYPE))
}

/// The variables a `let` pattern binds.
fn bindings_of(pat: &ra_ap_syntax::ast::Pat, out: &mut Vec<Binding>) {
    use ra_ap_syntax::ast::{self, HasName};
    match pat {
        ast::Pat::IdentPat(p) => {
            if let Some(name) = p.name() {
                out.push(Binding { name: name.text().to_string(), mutable: p.mut_token().is_some(), ty: None });
            }
            if let Some(inner) = p.pat() {
                bindings_of(&inner, out);
            }
        }
        ast::Pat::TuplePat(p) => p.fields().for_each(|f| bindings_of(&f, out)),
        ast::Pat::TupleStructPat(p) => p.fields().for_each(|f| bindings_of(&f, out)),
        ast::Pat::SlicePat(p) => p.pats().for_each(|f| bindings_of(&f, out)),
        ast::Pat::ParenPat(p) => {
            if let Some(inner) = p.pat() {
                bindings_of(&inner, out)
            }
        }
        ast::Pat::RefPat(p) => {
            if let Some(inner) = p.pat() {
                bindings_of(&inner, out)
            }
        }
        ast::Pat::BoxPat(p) => {
            if let Some(inner) = p.pat() {
                bindings_of(&inner, out)
            }
        }
        ast::Pat::RecordPat(p) => {
            for field in p.record_pat_field_list().into_iter().flat_map(|l| l.fields().collect::<Vec<_>>()) {
                match (field.pat(), field.field_name()) {
                    (Some(inner), _) => bindings_of(&inner, out),
                    (None, Some(name)) => out.push(Binding { name: name.text().to_string(), mutable: false, ty: None }),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Every identifier-like word of a cell, strings and comments included (a variable named
/// in `println!("{x}")` is used): a superset of the variables the cell uses.
pub fn words(code: &str) -> std::collections::HashSet<&str> {
    code.split(|c: char| !is_ident(c))
        .filter(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_arithmetic_operands_in_order() {
        let ops = arithmetic_operands("let c = &a + &b;\nlet d = c * 2.0 - x.t();");
        assert_eq!(
            ops,
            vec![
                ("a".to_string(), "b".to_string()),
                ("c * 2.0".to_string(), "x.t()".to_string()),
                ("c".to_string(), "2.0".to_string()),
            ]
        );
    }

    #[test]
    fn finds_the_final_expression() {
        let code = "let é = 1;\nlet z = 2;\nz + é";
        let (s, e) = final_expression(code).unwrap();
        assert_eq!(&code[s..e], "z + é");
        assert_eq!(final_expression("let z = 1;"), None);
        assert_eq!(final_expression("fn f() {}\n f()").map(|(s, e)| &"fn f() {}\n f()"[s..e]), Some("f()"));
        assert_eq!(final_expression("}}} broken {"), None);
    }

    #[test]
    fn a_cell_splits_into_items_bindings_and_a_tail() {
        let code = "use std::collections::HashMap;\nlet (a, mut b) = (1, 2);\nlet c: Vec<u8> = vec![];\nfn f() {}\nstruct P { x: f64 }\nimpl P {\n fn g(&self) {} }\nlet _ = 3;\nb += 1;\na + b";
        let p = parts(code);
        let items: Vec<(ItemKind, &str)> = p.items.iter().map(|i| (i.kind, i.key.as_str())).collect();
        assert_eq!(
            items,
            [
                (ItemKind::Use, "use std::collections::HashMap;"),
                (ItemKind::Named, "f"),
                (ItemKind::Type, "P"),
                (ItemKind::Impl, "impl P")
            ]
        );
        assert_eq!(&code[p.items[1].start..p.items[1].end], "fn f() {}");
        let names: Vec<(&str, bool, Option<&str>)> =
            p.bindings.iter().map(|b| (b.name.as_str(), b.mutable, b.ty.as_deref())).collect();
        assert_eq!(names, [("a", false, None), ("b", true, None), ("c", false, Some("Vec<u8>"))]);
        assert_eq!(p.tail.map(|(s, e)| &code[s..e]), Some("a + b"));
        assert_eq!(p.assigned, ["b"]);
        let p = parts("a[0] = 1.0;\nq.x += 2.0;\n*r = 3;\nw = w - 1.0;\nm[[0, 1]] = 5;");
        assert_eq!(p.assigned, ["w"]);
        assert_eq!(p.changed, ["a", "q", "r", "m"]);
        assert_eq!(parts("let x: Vec<_> = vec![1];").bindings[0].ty, None);
        assert_eq!(
            parts("let Point { x, y: (u, v) } = p;").bindings.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
            ["x", "u", "v"]
        );
    }

    #[test]
    fn tries_of_the_cells_own_code_are_found_and_those_of_closures_and_functions_are_not() {
        let code = "let x: i32 = \"5\".parse()?;\nlet f = |s: &str| s.parse::<u8>().ok()?.checked_add(1);\nfn g() -> Option<u8> { None? }\nlet a = async { b? };\nfor i in 0..2 { v.get(i)?.f()?; }\n[1].get(4)?";
        let p = parts(code);
        let found: Vec<(&str, usize)> = p.tries.iter().map(|t| (&code[t.start..t.end], t.line)).collect();
        assert_eq!(found, [("\"5\".parse()", 1), ("v.get(i)?.f()", 5), ("v.get(i)", 5), ("[1].get(4)", 6)]);
        assert!(parts("let y = 1;").tries.is_empty());
        assert!(!p.tries_in_macros);
        assert!(parts("println!(\"{}\", f()?);").tries_in_macros);
        assert!(!parts("println!(\"why?\");").tries_in_macros, "a `?` in a string is no `?`");
    }

    #[test]
    fn a_use_item_splits_into_its_imports() {
        let leaves = |t: &str| {
            use_leaves(t).unwrap().into_iter().map(|l| format!("{} => {}", l.key, l.text)).collect::<Vec<_>>()
        };
        assert_eq!(leaves("use std::collections::HashMap;"), ["import HashMap => use std::collections::HashMap;"]);
        assert_eq!(
            leaves("pub use std::{collections::{HashMap, hash_map::Entry as E}, io::{self, Read as _}, fmt::*};"),
            [
                "import HashMap => pub use std::collections::HashMap;",
                "import E => pub use std::collections::hash_map::Entry as E;",
                "import io => pub use std::io;",
                "import _ std::io::Read => pub use std::io::Read as _;",
                "import std::fmt::* => pub use std::fmt::*;",
            ]
        );
        assert_eq!(leaves("#[allow(unused)] use ::rand :: Rng;"), ["import Rng => #[allow(unused)] use ::rand::Rng;"]);
        assert_eq!(use_leaves("fn f() {}"), None);
        assert_eq!(use_leaves("use a::{b"), None);
    }

    #[test]
    fn words_include_names_inside_strings() {
        let w = words("println!(\"{total} and {}\", a.len()); // see b\n1x");
        for name in ["println", "total", "and", "a", "len", "see", "b"] {
            assert!(w.contains(name), "{name}");
        }
        assert!(!w.contains("1x"));
    }

    #[test]
    fn identifier_bounds() {
        let s = "let x = arr.len";
        assert_eq!(&s[identifier_start(s, s.len())..], "len");
        assert_eq!(identifier_end("abc def", 1), 3);
    }
}
