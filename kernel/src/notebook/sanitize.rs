//! nbval's sanitize file: `regex:` / `replace:` line pairs, applied in order to every
//! string that is compared.
//!
//! nbval reads the file with `re.findall('^regex: (.*)$\n^replace: (.*)$', text, re.M)`:
//! section headers, comments and any other lines are ignored; a pair is two *adjacent*
//! lines, each with exactly one space after the colon. A regex given twice keeps its first
//! position and its last replacement (nbval stores the pairs in an `OrderedDict`). Each
//! pair is then applied with Python's `re.sub(regex, replace, s)`.
//!
//! Python's `re` and Rust's `regex` agree on the common syntax. Here the Python-only
//! spellings that have a Rust equivalent are translated (`\Z` → `\z`; replacement
//! templates `\1`, `\g<1>`, `\g<name>` and escapes such as `\n`); features Rust lacks
//! (look-around, backreferences in the pattern) are reported as an error naming the line,
//! never silently ignored. One known difference stays: Python's `$` also matches before a
//! final newline, Rust's only at the very end.

use std::path::Path;

use anyhow::{bail, Context, Result};
use regex::Regex;

#[derive(Debug, Default)]
pub struct Sanitizer {
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    /// As written in the file (the `OrderedDict` key).
    source: String,
    regex: Regex,
    /// The replacement in `regex`'s template syntax.
    replacement: String,
}

impl Sanitizer {
    pub fn load(path: &Path) -> Result<Sanitizer> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Sanitizer::parse(&text).with_context(|| format!("in sanitize file {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Sanitizer> {
        // Python opens the file with universal newlines.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let lines: Vec<&str> = text.split('\n').collect();
        let mut rules: Vec<Rule> = Vec::new();
        let mut i = 0;
        while i + 1 < lines.len() {
            let (Some(pattern), Some(replace)) =
                (lines[i].strip_prefix("regex: "), lines[i + 1].strip_prefix("replace: "))
            else {
                i += 1;
                continue;
            };
            let regex = Regex::new(&translate_pattern(pattern))
                .with_context(|| format!("line {}: `regex: {pattern}` is not a regex ndplay can use", i + 1))?;
            let replacement =
                translate_replacement(replace).with_context(|| format!("line {}: `replace: {replace}`", i + 2))?;
            match rules.iter_mut().find(|r| r.source == pattern) {
                Some(rule) => rule.replacement = replacement,
                None => rules.push(Rule { source: pattern.to_string(), regex, replacement }),
            }
            i += 2;
        }
        Ok(Sanitizer { rules })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// `re.sub` of every pair, in order.
    pub fn apply(&self, s: &str) -> String {
        let mut s = s.to_string();
        for rule in &self.rules {
            s = rule.regex.replace_all(&s, rule.replacement.as_str()).into_owned();
        }
        s
    }

    /// Sanitizes a JSON value the way nbval does: strings only, everything else unchanged.
    pub fn apply_value(&self, v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) => serde_json::Value::String(self.apply(s)),
            other => other.clone(),
        }
    }
}

/// Python pattern → Rust pattern, for the spellings that differ.
fn translate_pattern(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('Z') => out.push_str("\\z"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A Python `re.sub` replacement template → a `regex` replacement string.
fn translate_replacement(r: &str) -> Result<String> {
    let mut out = String::with_capacity(r.len());
    let chars: Vec<char> = r.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c == '$' {
            out.push_str("$$");
            continue;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&n) = chars.get(i) else {
            bail!("bad escape (end of pattern)");
        };
        i += 1;
        match n {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            '\\' => out.push('\\'),
            'g' => {
                if chars.get(i) != Some(&'<') {
                    bail!("missing < after \\g");
                }
                let close = chars[i..].iter().position(|&c| c == '>').map(|p| p + i);
                let Some(close) = close else { bail!("missing > in \\g<...>") };
                let name: String = chars[i + 1..close].iter().collect();
                if name.is_empty() {
                    bail!("empty group name in \\g<>");
                }
                out.push_str(&format!("${{{name}}}"));
                i = close + 1;
            }
            '0' => {
                // An octal escape (up to three digits).
                let mut value = 0u32;
                let mut taken = 0;
                while taken < 2 && chars.get(i).is_some_and(|c| ('0'..='7').contains(c)) {
                    value = value * 8 + chars[i].to_digit(8).unwrap();
                    i += 1;
                    taken += 1;
                }
                out.push(char::from_u32(value).unwrap_or('\0'));
            }
            d if d.is_ascii_digit() => {
                let mut group = d.to_string();
                if chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
                    group.push(chars[i]);
                    i += 1;
                }
                out.push_str(&format!("${{{group}}}"));
            }
            l if l.is_ascii_alphabetic() => bail!("bad escape \\{l}"),
            other => {
                // Python keeps unknown non-letter escapes as written.
                out.push('\\');
                if other == '$' {
                    out.push_str("$$");
                } else {
                    out.push(other);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_like_nbvals_findall() {
        let cfg = "# comment\n[display-ids]\nregex: ndplay-[0-9]+-[0-9a-f]+-[0-9]+\nreplace: ndplay-DISPLAY-ID\n\n\
                   [x]\nregex: a\nregex: b\nreplace: B\nregex:  c\nreplace: C\nregex:c\nreplace: C\n";
        let s = Sanitizer::parse(cfg).unwrap();
        // `regex: a` has no adjacent replace; ` c` (two spaces) keeps the second space.
        assert_eq!(s.len(), 3);
        assert_eq!(s.apply("id ndplay-12-ab3f-7 done"), "id ndplay-DISPLAY-ID done");
        assert_eq!(s.apply("ab"), "aB");
        assert_eq!(s.apply(" c"), "C");
        assert_eq!(s.apply("c"), "c");
    }

    #[test]
    fn crlf_files_and_duplicate_regexes() {
        let s =
            Sanitizer::parse("regex: x\r\nreplace: 1\r\nregex: y\r\nreplace: 2\r\nregex: x\r\nreplace: 3\r\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.apply("xy"), "32");
    }

    #[test]
    fn rules_apply_in_order() {
        let s = Sanitizer::parse("regex: a\nreplace: b\nregex: b\nreplace: c\n").unwrap();
        assert_eq!(s.apply("ab"), "cc");
    }

    #[test]
    fn python_replacement_templates() {
        let s = Sanitizer::parse(
            "regex: (\\d+)ms\nreplace: <\\1 ms> \\g<1>$\nregex: (?P<w>[a-z]+)=\nreplace: \\g<w>:\\t\n",
        )
        .unwrap();
        assert_eq!(s.apply("took 12ms"), "took <12 ms> 12$");
        assert_eq!(s.apply("k=v"), "k:\tv");
        assert_eq!(translate_replacement("\\10").unwrap(), "${10}");
        assert_eq!(translate_replacement("\\.").unwrap(), "\\.");
        assert!(translate_replacement("\\q").is_err());
    }

    #[test]
    fn python_only_pattern_spellings() {
        let s = Sanitizer::parse("regex: end\\Z\nreplace: END\n").unwrap();
        assert_eq!(s.apply("the end"), "the END");
        assert_eq!(s.apply("end of"), "end of");
        let err = Sanitizer::parse("ok\nregex: (?<=a)b\nreplace: c\n").unwrap_err();
        assert!(format!("{err:#}").contains("line 2"), "{err:#}");
    }

    #[test]
    fn only_strings_are_sanitized() {
        let s = Sanitizer::parse("regex: 1\nreplace: one\n").unwrap();
        assert_eq!(s.apply_value(&serde_json::json!("1")), serde_json::json!("one"));
        assert_eq!(s.apply_value(&serde_json::json!({"a": "1"})), serde_json::json!({"a": "1"}));
        assert_eq!(s.apply_value(&serde_json::json!(1)), serde_json::json!(1));
    }
}
