//! How stored text is shown in a page. Every `{{ value }}` in an HTML template goes through
//! [`VisibleHtml`] (the crate's `askama.toml` makes it the escaper for `.html`), so no template
//! can forget it: it escapes HTML and shows invisible and bidirectional control characters as
//! their code points (`[U+202E]`, see `duban_formats::display`), so a narrative carrying a
//! RIGHT-TO-LEFT OVERRIDE cannot print backwards on the public table. The stored text, and every
//! download, stays exactly as submitted.

use std::fmt::{self, Write};

/// askama's HTML escaper, applied after [`duban_formats::display::visible_text`].
#[derive(Debug, Clone, Copy)]
pub struct VisibleHtml;

impl askama::filters::Escaper for VisibleHtml {
    fn write_escaped_str<W: Write>(&self, dest: W, string: &str) -> fmt::Result {
        askama::filters::Html.write_escaped_str(dest, &duban_formats::display::visible_text(string))
    }
}

/// The same, for HTML put together outside a template (the error page, the reviewer's diff).
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = askama::filters::Escaper::write_escaped_str(&VisibleHtml, &mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_shows_what_hides() {
        assert_eq!(
            escape_html("<script>\"x\"&\u{202E}abc"),
            "&#60;script&#62;&#34;x&#34;&#38;[U+202E]abc"
        );
        assert_eq!(escape_html("菏泽 😀 𠀀"), "菏泽 😀 𠀀");
    }
}
