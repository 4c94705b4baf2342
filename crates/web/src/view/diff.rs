//! What changed in a report from one round to the next, readable in Chinese.
//!
//! A character diff of Chinese text is a soup of single changed characters. Here the text is cut
//! into clauses at its punctuation (，。；：、 and their ASCII forms) and the clauses are diffed:
//! a clause that stayed reads as it was, a new or changed clause is marked whole, and in a new
//! clause the figures (1.71万吨, 33%) are marked again so the changed numbers stand out.

use crate::view::escape_html;
use similar::{Algorithm, DiffTag, capture_diff_slices};

/// Clauses with the punctuation that ends them.
fn clauses(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(
            c,
            '，' | '。' | '；' | '：' | '、' | ',' | ';' | '\n' | '！' | '？'
        ) {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A clause's text, escaped, with its figures (digits, with their decimal point and a % or
/// 万/亿 right after) in `<b class="num">`.
fn with_numbers(clause: &str) -> String {
    let mut out = String::new();
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        if !number.is_empty() {
            out.push_str("<b class=\"num\">");
            out.push_str(&escape_html(number));
            out.push_str("</b>");
            number.clear();
        }
    };
    for c in clause.chars() {
        let continues = !number.is_empty() && matches!(c, '.' | '%' | '万' | '亿');
        if c.is_ascii_digit() || continues {
            number.push(c);
        } else {
            flush(&mut number, &mut out);
            out.push_str(&escape_html(&c.to_string()));
        }
    }
    flush(&mut number, &mut out);
    out
}

/// `new` against `old` as HTML: kept clauses as they are, removed ones in `<del>`, added ones in
/// `<ins>` with their figures marked. `None` when nothing changed.
pub fn clauses_html(old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let (a, b) = (clauses(old), clauses(new));
    let mut out = String::new();
    for op in capture_diff_slices(Algorithm::Patience, &a, &b) {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        // The diff interleaves our tags with the report's text: escaped here, not by a template.
        if matches!(tag, DiffTag::Delete | DiffTag::Replace) {
            out.push_str("<del>");
            out.push_str(&escape_html(&a[old_range].concat()));
            out.push_str("</del>");
        }
        match tag {
            DiffTag::Equal => out.push_str(&escape_html(&b[new_range].concat())),
            DiffTag::Insert | DiffTag::Replace => {
                out.push_str("<ins>");
                out.push_str(&with_numbers(&b[new_range].concat()));
                out.push_str("</ins>");
            }
            DiffTag::Delete => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_whole_clauses_and_their_figures() {
        let old = "前三季度，增加市级储备粮1.71万吨，正在推进。";
        let new = "全年，增加市级储备粮8.6万吨，正在推进。";
        let d = clauses_html(old, new).unwrap();
        assert_eq!(
            d,
            "<del>前三季度，增加市级储备粮1.71万吨，</del><ins>全年，增加市级储备粮<b class=\"num\">8.6万</b>吨，</ins>正在推进。"
        );
        assert!(clauses_html(old, old).is_none());
        let d = clauses_html("<a>", "<a>，<script>").unwrap();
        assert!(!d.contains("<script>") && !d.contains("<a>"), "{d}");
    }
}
