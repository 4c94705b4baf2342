//! Comparing Chinese texts by character bigrams (two adjacent characters), the unit most
//! Chinese words are made of.
//!
//! Why bigrams and not jieba-rs: jieba's bundled dictionary (≈350 000 words) is decompressed and
//! built on first use, which costs more than the whole 50 ms budget of a 200-target check and
//! adds megabytes to the binary; and the words that matter here are domain terms a general
//! dictionary splits badly (调区扩区, 城乡融合, 准四上). Bigrams need no dictionary, are
//! deterministic across versions, and any shared two-character word is a shared bigram.
//! Raw characters are never compared: 市, 发, 展 appear in every row.

use std::sync::LazyLock;

/// A sorted, de-duplicated set of bigrams, each packed as `first << 32 | second`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Grams(Vec<u64>);

/// Characters that make words: CJK ideographs and ASCII letters or digits. Everything else
/// (punctuation, quotes, spaces) breaks a run, so no bigram spans a comma.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '〇'
}

fn key(a: char, b: char) -> u64 {
    (u64::from(u32::from(a)) << 32) | u64::from(u32::from(b))
}

/// Bigrams so common in these reports that sharing them says nothing about the subject:
/// verbs of doing (推进, 完成), scope (全市, 我市) and time (季度, 以来).
const GENERIC: &[&str] = &[
    "推进", "推动", "加快", "建设", "工作", "发展", "实施", "开展", "完成", "全市", "我市", "市级",
    "积极", "持续", "深入", "加强", "全面", "进一", "一步", "有关", "相关", "组织", "召开", "会议",
    "落实", "方案", "已经", "目前", "正在", "情况", "进行", "重点", "前三", "三季", "季度", "上半",
    "半年", "全年", "年度", "以来", "同比", "累计", "以上", "左右", "以内", "不低", "低于", "超过",
    "达到", "实现", "统筹", "抓好", "大力", "不断", "切实", "扎实", "确保", "提升", "提高", "强化",
    "健全", "各县", "县区", "任务", "目标", "要求", "工程", "行动", "专项", "全省", "山东", "菏泽",
    "支持", "各项", "一批", "取得", "成效", "增长", "新增", "增加", "我们", "制定", "印发",
];

static GENERIC_KEYS: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut v: Vec<u64> = GENERIC
        .iter()
        .filter_map(|w| {
            let mut it = w.chars();
            Some(key(it.next()?, it.next()?))
        })
        .collect();
    v.sort_unstable();
    v
});

impl Grams {
    /// All bigrams of `text`.
    pub(crate) fn of(text: &str) -> Grams {
        Self::build(text, false)
    }

    /// The bigrams of `text` that say what it is about (generic ones dropped).
    pub(crate) fn content(text: &str) -> Grams {
        Self::build(text, true)
    }

    fn build(text: &str, content_only: bool) -> Grams {
        let generic = &*GENERIC_KEYS;
        let mut v = Vec::with_capacity(text.len() / 3);
        let mut prev: Option<char> = None;
        for c in text.chars() {
            let c = fold(c);
            if is_word_char(c) {
                if let Some(p) = prev {
                    // Digit pairs are figures, not words: two reports share “20” by chance.
                    if !(p.is_ascii_digit() && c.is_ascii_digit()) {
                        let k = key(p, c);
                        if !content_only || generic.binary_search(&k).is_err() {
                            v.push(k);
                        }
                    }
                }
                prev = Some(c);
            } else {
                prev = None;
            }
        }
        v.sort_unstable();
        v.dedup();
        Grams(v)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many bigrams the two sets share (a merge of two sorted lists).
    pub(crate) fn shared(&self, other: &Grams) -> usize {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }

    /// The shared bigrams as text, for evidence a reader can check (“儿童、友好”).
    pub(crate) fn shared_words(&self, other: &Grams, max: usize) -> Vec<String> {
        self.0
            .iter()
            .filter(|k| other.0.binary_search(k).is_ok())
            .take(max)
            .map(|k| {
                let a = char::from_u32((k >> 32) as u32).unwrap_or('?');
                let b = char::from_u32((k & 0xffff_ffff) as u32).unwrap_or('?');
                [a, b].iter().collect()
            })
            .collect()
    }

    /// Jaccard similarity ×1000 (integer, so that thresholds compare exactly).
    pub(crate) fn jaccard_permille(&self, other: &Grams) -> u32 {
        let shared = self.shared(other);
        let union = self.len() + other.len() - shared;
        permille(shared, union)
    }

    /// The share of `self` found in `other`, ×1000.
    pub(crate) fn contained_in_permille(&self, other: &Grams) -> u32 {
        permille(self.shared(other), self.len())
    }
}

pub(crate) fn permille(part: usize, whole: usize) -> u32 {
    if whole == 0 {
        return 0;
    }
    u32::try_from(part.saturating_mul(1000) / whole).unwrap_or(1000)
}

/// Full-width letters and digits read as ASCII, so “２０２３” and “2023” agree.
pub(crate) fn fold(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// Whether a text has anything in it at all: a letter, a digit or an ideograph.
pub(crate) fn has_substance(text: &str) -> bool {
    text.chars()
        .any(|c| is_word_char(fold(c)) || c.is_alphanumeric())
}

/// Ends a sentence: where context for a figure stops looking back.
pub(crate) fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '；' | ';' | '\n' | '！' | '？' | '!' | '?')
}

/// Ends a clause: a comma or stronger.
pub(crate) fn is_clause_end(c: char) -> bool {
    is_sentence_end(c) || matches!(c, '，' | ',' | '：' | ':' | '、')
}

/// The text of `s` before byte `at`, back to the start of its sentence but at most `max` chars.
pub(crate) fn sentence_before(s: &str, at: usize, max: usize) -> &str {
    let head = s.get(..at).unwrap_or("");
    let mut start = head.len();
    for (n, (i, c)) in head.char_indices().rev().enumerate() {
        if is_sentence_end(c) || n >= max {
            break;
        }
        start = i;
    }
    &head[start..]
}

/// The text of `s` before byte `at`, back to the start of its clause (a comma or 、).
pub(crate) fn clause_before(s: &str, at: usize) -> &str {
    let head = s.get(..at).unwrap_or("");
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| is_clause_end(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &head[start..]
}

/// The last `n` characters of `s` (all of it when shorter).
pub(crate) fn last_chars(s: &str, n: usize) -> &str {
    let start = s
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    if n == 0 { "" } else { &s[start..] }
}

/// The text of `s` from byte `at` to the end of its clause, at most `max` chars.
pub(crate) fn clause_after(s: &str, at: usize, max: usize) -> &str {
    let tail = s.get(at..).unwrap_or("");
    let mut end = 0;
    for (n, (i, c)) in tail.char_indices().enumerate() {
        if is_clause_end(c) || n >= max {
            break;
        }
        end = i + c.len_utf8();
    }
    &tail[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_do_not_cross_punctuation_or_count_generic_words() {
        let g = Grams::content("推动沿黄地区工业园区调区扩区,拓宽发展空间");
        let n = Grams::content("协调推动市直成员单位完成既定工作目标");
        assert_eq!(g.shared(&n), 0);
        let a = Grams::of("儿童友好城市");
        let b = Grams::of("创建儿童友好城市三年行动计划");
        assert_eq!(a.shared(&b), 5);
        assert_eq!(a.contained_in_permille(&b), 1000);
    }

    #[test]
    fn context_helpers() {
        let s = "前三季度,全市一般公共预算收入完成246.5亿元,增长6.9%。另";
        let at = s.find("6.9").unwrap();
        assert_eq!(clause_before(s, at), "增长");
        assert!(sentence_before(s, at, 40).starts_with("前三季度"));
        assert_eq!(clause_after(s, at, 10), "6.9%");
    }
}
