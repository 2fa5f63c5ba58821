//! A cell parsed as Rust: where its final expression is, what the operands of its
//! arithmetic are, where an identifier starts and ends. Pure functions on text.
//!
//! evcxr treats a cell as the body of a function, so the parser is given the cell wrapped
//! in one ([`CELL_PREFIX`]); offsets are translated back to the cell's own.

/// What a cell is wrapped in to parse it: evcxr also treats a cell as a function body.
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
    fn identifier_bounds() {
        let s = "let x = arr.len";
        assert_eq!(&s[identifier_start(s, s.len())..], "len");
        assert_eq!(identifier_end("abc def", 1), 3);
    }
}
