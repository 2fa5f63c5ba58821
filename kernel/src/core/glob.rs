//! The whole-string globs of `history_request`'s `search`, as IPython's SQLite `GLOB`.
//!
//! A small matcher rather than a translation into a `regex` (a dependency already): it
//! measured faster on every pattern but a plain literal, on short and long histories, and
//! a client's pattern cannot make it take more than pattern × text steps, or memory beyond
//! the pattern's size, where regex took seconds and hundreds of megabytes to compile (or
//! refuse) a large one. The figures are in docs/performance.md, "History search".

/// A whole-string glob, as used by `history_request` searches, compiled once
/// per search.
///
/// * `*` matches any run of characters, including none and including
///   newlines (cells are multi-line; SQLite `GLOB` treats `\n` like any char).
/// * `?` matches exactly one character (a Unicode scalar value, not a byte).
/// * `[abc]`, `[a-z]` match one character from the set; `[!x]` (fnmatch) and
///   `[^x]` (SQLite `GLOB`, what IPython actually runs) both negate. A `]`
///   right after `[`, `[!` or `[^` is a literal member; `-` first or last is
///   literal; a reversed range like `[z-a]` matches nothing.
/// * A `[` without a closing `]` is a literal `[` (fnmatch's choice; SQLite
///   would instead match nothing).
/// * Case-sensitive, no backslash escapes (neither GLOB nor fnmatch on POSIX
///   has them); use `[*]`, `[?]`, `[[]` for literal metacharacters.
#[derive(Debug)]
pub struct Glob(Vec<Token>);

impl Glob {
    #[must_use]
    pub fn new(pattern: &str) -> Glob {
        Glob(compile(pattern))
    }

    /// Does the glob match the whole of `text`?
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        let pat = &self.0;
        let text: Vec<char> = text.chars().collect();
        // Greedy matching with a single backtrack point: on a mismatch, let the
        // most recent `*` swallow one more character. This is linear in practice
        // and cannot blow up on patterns like `*a*a*a*b` the way naive recursion
        // can.
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pat.get(p) {
                Some(Token::Star) => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                Some(tok) if tok.matches(text[t]) => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            }
        }
        pat[p..].iter().all(|tok| matches!(tok, Token::Star))
    }
}

/// [`Glob::new`] then [`Glob::matches`], for one text.
#[must_use]
pub fn glob_match(pattern: &str, text: &str) -> bool {
    Glob::new(pattern).matches(text)
}

#[derive(Debug)]
enum Token {
    Star,
    Any,
    Lit(char),
    Class { negated: bool, items: Vec<(char, char)> },
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Lit(l) => *l == c,
            Token::Class { negated, items } => items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated,
        }
    }
}

fn compile(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                // Consecutive stars are equivalent to one; merging them keeps
                // the backtracking loop from revisiting the same positions.
                if !matches!(out.last(), Some(Token::Star)) {
                    out.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Token::Any);
                i += 1;
            }
            '[' => {
                if let Some((tok, next)) = parse_class(&chars, i) {
                    out.push(tok);
                    i = next;
                } else {
                    out.push(Token::Lit('['));
                    i += 1;
                }
            }
            c => {
                out.push(Token::Lit(c));
                i += 1;
            }
        }
    }
    out
}

/// Parse the class starting at `chars[open] == '['`; returns the token and
/// the index after the closing `]`, or `None` if the class never closes.
fn parse_class(chars: &[char], open: usize) -> Option<(Token, usize)> {
    let mut i = open + 1;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let first = i;
    let mut items = Vec::new();
    loop {
        let c = *chars.get(i)?;
        // A `]` in first position is a member, not the end of the class.
        if c == ']' && i > first {
            return Some((Token::Class { negated, items }, i + 1));
        }
        match (chars.get(i + 1), chars.get(i + 2)) {
            // `a-z`, but not `a-]`, where the `-` is a literal before the end.
            (Some('-'), Some(&hi)) if hi != ']' => {
                items.push((c, hi));
                i += 3;
            }
            _ => {
                items.push((c, c));
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_literals_and_empty() {
        assert!(glob_match("", ""));
        assert!(!glob_match("", "a"));
        assert!(!glob_match("a", ""));
        assert!(glob_match("abc", "abc"));
        assert!(!glob_match("abc", "abcd"));
        assert!(!glob_match("abc", "ABC")); // case-sensitive
    }

    #[test]
    fn glob_star() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything\nat all"));
        assert!(glob_match("**", ""));
        assert!(glob_match("a*", "a"));
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("a*c", "ac"));
        assert!(!glob_match("a*c", "acb"));
        assert!(glob_match("*a*b*c*", "xaxbxcx"));
        assert!(!glob_match("*a*b*c*", "xcxbxax"));
        assert!(glob_match("a*b*", "ab"));
        assert!(glob_match("*abc", "ababc")); // needs backtracking
        assert!(glob_match("a*ab", "aaab"));
    }

    #[test]
    fn glob_star_does_not_blow_up() {
        let text = "a".repeat(2000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!glob_match(&pattern, &text));
        assert!(glob_match(&"*a".repeat(50), &text));
    }

    #[test]
    fn glob_question() {
        assert!(glob_match("?", "a"));
        assert!(!glob_match("?", ""));
        assert!(!glob_match("?", "ab"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("?", "😀")); // one char, four bytes
        assert!(glob_match("??", "é!"));
        assert!(glob_match("?", "\n"));
        assert!(glob_match("*?", "x"));
        assert!(!glob_match("*??", "x"));
    }

    #[test]
    fn glob_classes() {
        assert!(glob_match("[abc]", "b"));
        assert!(!glob_match("[abc]", "d"));
        assert!(glob_match("[a-z]x", "qx"));
        assert!(!glob_match("[a-z]", "Q"));
        assert!(glob_match("[a-zA-Z0-9_]", "_"));
        assert!(glob_match("[!x]", "y"));
        assert!(!glob_match("[!x]", "x"));
        assert!(glob_match("[^x]", "y"));
        assert!(!glob_match("[^x]", "x"));
        assert!(!glob_match("[!x]", "")); // still needs one char
        assert!(glob_match("[α-ω]", "λ"));
        assert!(!glob_match("[α-ω]", "a"));
        assert!(glob_match("[😀🎉]", "🎉"));
    }

    #[test]
    fn glob_class_edge_cases() {
        // `]` first is a member.
        assert!(glob_match("[]]", "]"));
        assert!(glob_match("[]a]", "a"));
        assert!(glob_match("[!]]", "a"));
        assert!(!glob_match("[!]]", "]"));
        // `-` first or last is literal.
        assert!(glob_match("[-a]", "-"));
        assert!(glob_match("[a-]", "-"));
        assert!(glob_match("[a-]", "a"));
        assert!(!glob_match("[a-]", "b"));
        // Reversed range matches nothing.
        assert!(!glob_match("[z-a]", "m"));
        // Metacharacters are literal inside a class.
        assert!(glob_match("[*]", "*"));
        assert!(!glob_match("[*]", "a"));
        assert!(glob_match("[?]", "?"));
        assert!(glob_match("[[]", "["));
        // `!` is only special first.
        assert!(glob_match("[a!]", "!"));
    }

    #[test]
    fn glob_class_corners() {
        // A negated class matches a newline, like `*` and `?`.
        assert!(glob_match("[!x]", "\n"));
        assert!(glob_match("a[^b]c", "a\nc"));
        // A class of only reversed ranges: nothing, or negated anything.
        assert!(glob_match("[!z-a]", "m"));
        assert!(!glob_match("[z-ay-b]", "m"));
        // `]` first can start a range; any other char can end one, `[` too.
        assert!(glob_match("[]-a]", "_"));
        assert!(!glob_match("[]-a]", "b"));
        assert!(glob_match("[A-[]", "Z"));
        assert!(!glob_match("[A-[]", "]"));
        // `-` as the end of a range (here a reversed one), then `]` closes.
        assert!(!glob_match("[a--]", "-"));
        // `-]` closes after a literal `-`, and what follows is outside the class.
        assert!(glob_match("[a-]]", "-]"));
        assert!(!glob_match("[a-]]", "-"));
        // `]` right after `[!` or `[^` is a member, so these never close.
        assert!(glob_match("[^]", "[^]"));
        assert!(glob_match("[!]", "[!]"));
        assert!(glob_match("[a-z", "[a-z"));
    }

    #[test]
    fn glob_compiled_once_matches_many() {
        let glob = Glob::new("*[0-9]?");
        assert!(glob.matches("x1y"));
        assert!(glob.matches("12"));
        assert!(!glob.matches("x1"));
        assert!(!glob.matches(""));
    }

    #[test]
    fn glob_unclosed_bracket_is_literal() {
        assert!(glob_match("[", "["));
        assert!(glob_match("a[b", "a[b"));
        assert!(glob_match("[!", "[!"));
        assert!(glob_match("*[*", "x[y"));
        assert!(!glob_match("[ab", "a"));
    }

    #[test]
    fn glob_no_backslash_escapes() {
        assert!(glob_match("a\\*", "a\\xyz"));
        assert!(!glob_match("a\\*", "a*x"));
    }

    #[test]
    fn glob_never_panics_on_odd_patterns() {
        let patterns = ["[", "]", "[]", "[!]", "[^", "[a-", "[a-]]", "*[", "?*[*]?", "[-]", "[--]"];
        let texts = ["", "[", "]", "-", "a", "é", "😀x", "[]"];
        for p in patterns {
            for t in texts {
                let _ = glob_match(p, t);
            }
        }
    }
}
