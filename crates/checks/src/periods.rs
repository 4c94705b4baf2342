//! Period words in narratives (前三季度, 1-9月, 截至9月底, 上半年, 岁末年初): what time a figure
//! refers to, and whether a word fits the round it was reported in.

use duban_core::{Period, PeriodKind};
use std::ops::Range;

/// A period word found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodWord {
    /// As written (“上半年”, “1-9月”).
    pub word: String,
    pub span: Range<usize>,
    /// The span it names, in the round's year; `None` for seasonal words (岁末年初).
    pub period: Option<Period>,
    /// A comparison or another year (较上半年, 2022年上半年, 去年同期): not the time of a figure.
    pub reference: bool,
    /// 岁末年初: the turn of the year, a winter campaign word.
    pub seasonal: bool,
}

const QUARTER_DIGITS: &[char] = &['一', '二', '三', '四', '1', '2', '3', '4'];

/// Every period word in `text`, read for the round's `year`, in order.
pub fn find_period_words(text: &str, year: i16) -> Vec<PeriodWord> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |k: usize| chars.get(k).map_or(text.len(), |p| p.0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let rest = &text[chars[i].0..];
        let mut found: Option<(usize, usize, Option<Period>, bool)> = None; // start, end, period, seasonal
        if rest.starts_with("岁末年初") {
            found = Some((i, i + 4, None, true));
        } else if rest.starts_with("上半年") || rest.starts_with("下半年") {
            found = Period::from_word(year, &rest[..9])
                .ok()
                .map(|p| (i, i + 3, Some(p), false));
        } else if QUARTER_DIGITS.contains(&chars[i].1)
            && rest[chars[i].1.len_utf8()..].starts_with("季度")
        {
            let start = if i > 0 && matches!(chars[i - 1].1, '前' | '第') {
                i - 1
            } else {
                i
            };
            let word: String = chars[start..i + 3].iter().map(|p| p.1).collect();
            found = Period::from_word(year, &word)
                .ok()
                .map(|p| (start, i + 3, Some(p), false));
        } else if let Some((end, month)) = month_span(&chars, i) {
            found = Some((
                i,
                end,
                Period::from_word(year, &format!("{month}月")).ok(),
                false,
            ));
        }
        if let Some((start, end, period, seasonal)) = found {
            let before: String = chars[start.saturating_sub(6)..start]
                .iter()
                .map(|p| p.1)
                .collect();
            let reference = is_reference(&before, year);
            out.push(PeriodWord {
                word: text[byte(start)..byte(end)].to_owned(),
                span: byte(start)..byte(end),
                period,
                reference,
                seasonal,
            });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// 1-9月 / 1至9月 / 1—9月份 / 截至9月底 / 截止9月末: returns the end index and the last month.
fn month_span(chars: &[(usize, char)], i: usize) -> Option<(usize, u8)> {
    let num = |k: usize| -> Option<(u8, usize)> {
        let mut n: u32 = 0;
        let mut j = k;
        while let Some(d) = chars.get(j).and_then(|p| p.1.to_digit(10)) {
            n = n * 10 + d;
            j += 1;
            if j - k > 2 {
                return None;
            }
        }
        (j > k && (1..=12).contains(&n)).then(|| (u8::try_from(n).unwrap_or(0), j))
    };
    let c = chars[i].1;
    if c == '截' && matches!(chars.get(i + 1).map(|p| p.1), Some('至' | '止')) {
        let (m, j) = num(i + 2)?;
        if chars.get(j).map(|p| p.1) != Some('月') {
            return None;
        }
        let mut end = j + 1;
        if matches!(chars.get(end).map(|p| p.1), Some('底' | '末' | '份')) {
            end += 1;
        }
        return Some((end, m));
    }
    // A month range must start the number (not the tail of 2023-1-9).
    if i > 0 && chars[i - 1].1.is_ascii_digit() {
        return None;
    }
    let (_, j) = num(i)?;
    let mut j = j;
    if chars.get(j).map(|p| p.1) == Some('月') {
        j += 1; // 1月至9月
    }
    if !matches!(
        chars.get(j).map(|p| p.1),
        Some('-' | '—' | '–' | '~' | '～' | '至' | '到')
    ) {
        return None;
    }
    let (m, k) = num(j + 1)?;
    if chars.get(k).map(|p| p.1) != Some('月') {
        return None;
    }
    let mut end = k + 1;
    if chars.get(end).map(|p| p.1) == Some('份') {
        end += 1;
    }
    Some((end, m))
}

/// Whether the words just before a period word make it a comparison or another year's.
fn is_reference(before: &str, year: i16) -> bool {
    let tail2: String = before
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if ["较", "比", "与", "同", "于"]
        .iter()
        .any(|w| tail2.ends_with(w))
    {
        return true;
    }
    if ["去年", "上年", "往年", "前年", "同期"]
        .iter()
        .any(|w| before.ends_with(w))
    {
        return true;
    }
    // 2022年上半年 in a 2023 round.
    if let Some(head) = before.strip_suffix('年') {
        let digits: String = head
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        let digits: String = digits.chars().rev().collect();
        if digits.len() == 4 && digits.parse::<i16>().ok() != Some(year) {
            return true;
        }
    }
    false
}

/// Whether a period word is out of place in a round for `round`; `None` when it fits.
///
/// A word is stale when the span it names ended before the latest span of its own kind that the
/// round can report: 上半年 or 二季度 in a Q3 round, 一季度 in a Q2 round, 1-6月 in a Q3 round.
/// Statistics are published a month late, so a month word may lag the round by one month
/// (1-8月 in a Q3 round fits), and a monthly round may quote the last finished quarter or half
/// (一季度 in an April round fits). Words for later spans (四季度将…, 全年) are plans, not stale.
/// 岁末年初 (the turn of the year) fits only rounds that end in December to March.
pub fn stale_in(word: &PeriodWord, round: Period) -> bool {
    if word.reference {
        return false;
    }
    let r = round.end_month();
    if word.seasonal {
        return !matches!(r, 12 | 1..=3);
    }
    let Some(p) = word.period else {
        return false;
    };
    let e = p.end_month();
    let monthly_round = matches!(round.kind(), PeriodKind::Month { .. });
    let lag = match p.kind() {
        PeriodKind::Month { .. } => 1,
        PeriodKind::Quarter { .. } if monthly_round => r % 3,
        PeriodKind::Half { .. } if monthly_round => r % 6,
        _ => 0,
    };
    e + lag < r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        find_period_words(s, 2023)
            .into_iter()
            .map(|w| w.word)
            .collect()
    }

    #[test]
    fn finds_the_words() {
        assert_eq!(
            words("前三季度,全市…1-9月份,截至9月底"),
            ["前三季度", "1-9月份", "截至9月底"]
        );
        assert_eq!(words("上半年下降率为24%"), ["上半年"]);
        assert_eq!(words("岁末年初安全生产"), ["岁末年初"]);
        assert!(words("2023年9月15日").is_empty());
    }

    #[test]
    fn stale_words() {
        let q3: Period = "2023Q3".parse().unwrap();
        let q2: Period = "2023Q2".parse().unwrap();
        let m4: Period = "2023M04".parse().unwrap();
        let stale = |s: &str, p| find_period_words(s, 2023).iter().any(|w| stale_in(w, p));
        assert!(stale("上半年下降率为24%", q3));
        assert!(stale("一季度完成", q2));
        assert!(stale("岁末年初专项整治", q3));
        assert!(!stale("前三季度", q3));
        assert!(!stale("1-8月", q3));
        assert!(!stale("四季度将开工", q3));
        assert!(!stale("较上半年提高", q3));
        assert!(!stale("2022年上半年", q3));
        assert!(!stale("一季度完成", m4));
        assert!(!stale("岁末年初", "2023Q1".parse().unwrap()));
    }
}
