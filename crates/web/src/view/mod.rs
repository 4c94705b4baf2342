//! How things are shown: the HTML escaper every template uses, labels ([`i18n`]), the public
//! pages' renderers ([`render`]), times, and the small helpers every page shares.
//!
//! Every `{{ value }}` in an HTML template goes through
//! [`VisibleHtml`] (the crate's `askama.toml` makes it the escaper for `.html`), so no template
//! can forget it: it escapes HTML and shows invisible and bidirectional control characters as
//! their code points (`[U+202E]`, see `duban_formats::display`), so a narrative carrying a
//! RIGHT-TO-LEFT OVERRIDE cannot print backwards on the public table. The stored text, and every
//! download, stays exactly as submitted.

pub mod chart;
pub mod diff;
pub mod feed;
pub mod filter;
pub(crate) mod findings;
pub mod i18n;
pub mod overview;
pub mod people;
pub mod render;
pub mod scorecard;

use crate::error::{ApiError, PageError};
use askama::Template;
use axum::response::Html;
use duban_core::ReportState;
use duban_core::access::Actor;

use std::fmt::{self, Write};

/// askama's HTML escaper, applied after [`duban_formats::display::visible_text`].
#[derive(Debug, Clone, Copy)]
pub struct VisibleHtml;

impl askama::filters::Escaper for VisibleHtml {
    fn write_escaped_str<W: Write>(&self, dest: W, string: &str) -> fmt::Result {
        askama::filters::Html.write_escaped_str(dest, &duban_formats::display::visible_text(string))
    }
}

/// A stored time ("2026-11-26T19:04:05.123Z") as a person reads it: Beijing time with the zone
/// named ("2026-11-27 03:04 北京时间"). Text that is not a time is shown as it is.
pub(crate) fn shown_time(rfc3339: &str, lang: i18n::Lang) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(at) => duban_core::time::beijing_time(at, lang == i18n::Lang::En),
        Err(_) => rfc3339.to_owned(),
    }
}

/// `text` cut to its first `chars` characters, with "…" when something was cut (a chart's
/// label, a list's line, a mail's subject line).
pub(crate) fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// A share (0.199) as people read it: "19.9%", one decimal at most.
pub(crate) fn percent(share: rust_decimal::Decimal) -> String {
    let p = (share * rust_decimal::Decimal::from(100))
        .round_dp(1)
        .normalize();
    format!("{p}%")
}

/// Text escaped as the templates escape it ([`VisibleHtml`]), for HTML put together outside a
/// template (the error page, the reviewer's diff).
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = askama::filters::Escaper::write_escaped_str(&VisibleHtml, &mut out, s);
    out
}

pub(crate) fn html<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError(ApiError::internal(&e)))
}

pub(crate) fn nav_who(a: &Actor) -> String {
    let mut s = format!("{}（{}", a.username, a.role.label_zh());
    if !a.units.is_empty() {
        s.push('：');
        s.push_str(
            &a.units
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    if let Some(l) = &a.leader {
        s.push('：');
        s.push_str(l.as_str());
    }
    s.push('）');
    s
}

pub(crate) fn report_state_zh(s: ReportState) -> &'static str {
    match s {
        ReportState::Draft => "未提交",
        ReportState::Submitted => "待审核",
        ReportState::Returned => "已退回",
        ReportState::Accepted => "已通过",
    }
}

/// Percent-encodes a path for a query parameter. Hand-written: four characters matter here and
/// a crate for them would be heavier than the function.
pub(crate) fn urlencoding(s: &str) -> String {
    s.replace('%', "%25")
        .replace('&', "%26")
        .replace('?', "%3F")
        .replace('#', "%23")
        .replace(' ', "%20")
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
