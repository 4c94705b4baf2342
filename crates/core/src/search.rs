//! 检索: the terms a published text is indexed and searched by.
//!
//! Chinese is written without spaces and most words are two characters, so a text is cut into
//! overlapping character pairs (bigrams), the scheme of Lucene's CJKAnalyzer, plus the single
//! characters, so a one-character query finds something too; runs of Latin letters and digits
//! stay whole words, lower-cased. A query is cut the same way and every one of its pairs must
//! be present; the caller then keeps the hits whose text really contains the query, since
//! pairs can match apart. Written here because the maintained options do not fit: SQLite's
//! trigram tokenizer cannot match two-character words, and jieba's dictionary takes longer to
//! load than a search takes and splits terms like 调区扩区 badly.

/// Whether `c` is written in the Han script (CJK ideographs, with the extensions).
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

/// The runs of a text: Han runs and word runs (letters and digits), separators dropped.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in text.chars() {
        let kind = if is_han(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, out.last_mut()) {
            (Some(han), Some((last, run))) if *last == han && !run.is_empty() => run.push(c),
            (Some(han), _) => out.push((han, c.to_string())),
            (None, Some((_, run))) if !run.is_empty() => out.push((false, String::new())),
            (None, _) => {}
        }
    }
    out.retain(|(_, r)| !r.is_empty());
    out
}

/// The terms a text is indexed by, separated by spaces: every Han character and every pair
/// of neighbours, and every word lower-cased.
pub fn index_terms(text: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    for (han, run) in runs(text) {
        if han {
            let chars: Vec<char> = run.chars().collect();
            terms.extend(chars.iter().map(char::to_string));
            terms.extend(chars.windows(2).map(|w| w.iter().collect()));
        } else {
            terms.push(run.to_lowercase());
        }
    }
    terms.join(" ")
}

/// The terms all of which a text must have to match `query`: the pairs of each Han run (its
/// character, for a run of one), and each word lower-cased. Empty when the query has nothing
/// searchable (only punctuation or spaces).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for (han, run) in runs(query) {
        let chars: Vec<char> = run.chars().collect();
        if han && chars.len() > 1 {
            terms.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
        } else {
            terms.push(run.to_lowercase());
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

/// Whether `text` really contains `query` (letters compared without case): the check that
/// drops hits whose pairs matched apart.
pub fn contains(text: &str, query: &str) -> bool {
    text.to_lowercase().contains(&query.trim().to_lowercase())
}

/// Where each word of a query occurs in `text`, as byte ranges in order, overlaps merged: what
/// a hit's snippet marks. Letters are compared without case as [`contains`] does (ASCII ones;
/// Han characters have none), so a word found by the search is found here too.
pub fn marks(text: &str, words: &[&str]) -> Vec<std::ops::Range<usize>> {
    let mut found: Vec<std::ops::Range<usize>> = Vec::new();
    for word in words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        if word.is_ascii() {
            let (hay, needle) = (text.as_bytes(), word.as_bytes());
            for start in 0..hay.len().saturating_sub(needle.len() - 1) {
                if text.is_char_boundary(start)
                    && hay[start..start + needle.len()].eq_ignore_ascii_case(needle)
                {
                    found.push(start..start + needle.len());
                }
            }
        } else {
            found.extend(text.match_indices(word).map(|(i, m)| i..i + m.len()));
        }
    }
    found.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in found {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_find_every_word_without_case() {
        let text = "前三季度,增加市级储备粮1.71万吨;PM2.5 down";
        let m = marks(text, &["储备粮", "万吨", "pm2"]);
        let shown: Vec<&str> = m.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(shown, ["储备粮", "万吨", "PM2"]);
        // Overlapping words make one mark.
        let m = marks("储备粮食", &["储备粮", "粮食"]);
        assert_eq!(m, vec![0..12]);
        assert!(marks("abc", &["  "]).is_empty());
    }

    #[test]
    fn han_text_is_cut_into_characters_and_pairs() {
        assert_eq!(index_terms("储备粮"), "储 备 粮 储备 备粮");
        assert_eq!(
            index_terms("PM2.5平均浓度"),
            "pm2 5 平 均 浓 度 平均 均浓 浓度"
        );
        assert_eq!(index_terms("“两案”办理"), "两 案 两案 办 理 办理");
    }

    #[test]
    fn queries_need_every_pair() {
        assert_eq!(query_terms("储备粮"), ["储备", "备粮"]);
        assert_eq!(query_terms("粮"), ["粮"]);
        assert_eq!(query_terms(" 菏泽 GDP "), ["gdp", "菏泽"]);
        assert!(query_terms("，。 ").is_empty());
    }

    #[test]
    fn every_query_term_is_an_index_term_of_a_text_containing_it() {
        let text = "前三季度,增加市级储备粮1.71万吨，PM2.5下降";
        let terms = index_terms(text);
        let index: Vec<&str> = terms.split(' ').collect();
        for q in ["储备粮", "市级", "粮", "1", "71万吨", "pm2", "下降"] {
            assert!(contains(text, q), "{q}");
            for t in query_terms(q) {
                assert!(index.contains(&t.as_str()), "{q}: {t}");
            }
        }
    }
}
