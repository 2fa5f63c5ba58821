//! Escaping of user text for HTML and SVG.
//!
//! Every renderer that embeds text a student or instructor chose (String elements, labels,
//! titles) goes through here. One function serves both HTML and XML (SVG): it escapes the
//! five XML specials, which is enough in element content and in double- or single-quoted
//! attributes, and makes `]]>` and `<script>` harmless because `<` and `>` are escaped.

/// Escapes `&`, `<`, `>`, `"` and `'` so `text` is safe in HTML/SVG content and quoted
/// attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are not allowed in XML 1.0;
            // show them as the replacement character rather than make the SVG invalid.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_cdata_end() {
        assert_eq!(
            escape_html("<script>alert('x & \"y\"')</script>]]>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;]]&gt;"
        );
        assert_eq!(escape_html("a\u{1}b"), "a\u{fffd}b");
    }
}
