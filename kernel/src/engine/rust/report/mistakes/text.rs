//! Reading a student's line: the name an expression ends with, the receiver of a method
//! call, what brackets hold, the operands of an operator.

use super::Place;

/// The name a student's expression ends with (`m` in `let t = m`, `v.iter()` → `v`), or
/// `fallback` when it is not a plain name.
pub(super) fn trailing_name(text: &str, fallback: &str) -> String {
    let text = text.trim_end();
    let name: String = text.chars().rev().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let name: String = name.chars().rev().collect();
    if name.is_empty() || name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        fallback.to_string()
    } else {
        name
    }
}

/// The receiver of a method call whose name starts the span: `v` in `v.iter().max()`.
pub(super) fn receiver(before: &str) -> String {
    let mut chain = before.trim_end().trim_end_matches('.').to_string();
    // `v.iter()` → `v`: drop calls and the methods they call, back to the first name.
    while chain.ends_with(')') {
        let Some(open) = matching_open(&chain, '(', ')') else { break };
        chain.truncate(open);
        let method = trailing_name(&chain, "");
        if chain.len() > method.len() && chain[..chain.len() - method.len()].ends_with('.') {
            chain.truncate(chain.len() - method.len() - 1);
        } else {
            break;
        }
    }
    trailing_name(&chain, "a")
}

/// The index of the `open` that the `close` ending `text` closes.
fn matching_open(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices().rev() {
        if c == close {
            depth += 1;
        } else if c == open {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// What is inside the brackets that `text` opens with (`(2, 3)` → `2, 3`).
pub(super) fn bracketed(text: &str, open: char, close: char) -> Option<String> {
    let text = text.trim_start();
    if !text.starts_with(open) {
        return None;
    }
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(text[1..i].to_string());
            }
        }
    }
    None
}

/// The operands around a binary operator at the span: `a` and `2.0` in `a / 2.0`. An
/// operand that is not a plain name, number or method call on a name (`array![1, 2]`) is
/// empty: a hint cannot name it, and says nothing rather than something wrong.
pub(super) fn operands(at: &Place) -> (String, String) {
    let before = at.before();
    let before = before.trim_end();
    let left = if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
        trailing_name(before, "")
    } else {
        String::new()
    };
    let after = at.after();
    let after = after.trim_start();
    let right: String = after.chars().take_while(|c| c.is_alphanumeric() || "_.&()".contains(*c)).collect();
    let rest = &after[right.len()..];
    let mut right = right.trim_end_matches('.').trim_start_matches('&').to_string();
    while right.matches(')').count() > right.matches('(').count() {
        right.pop();
    }
    if rest.starts_with(['!', '[', ':']) || right.starts_with(|c: char| !(c.is_alphanumeric() || c == '_')) {
        right.clear();
    }
    (left, right)
}
