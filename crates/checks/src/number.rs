//! Chinese numbers and units: reads “16.9万户”, “十六万九千人”, “2-3个”, “5.5%”, “0.5个百分点” into
//! exact decimals in a base unit.
//!
//! No crate we know of reads “16.9万” (`chinese-number` rejects it), and floats would turn 1.71万吨
//! into 17099.999…, so this is written here on [`rust_decimal::Decimal`].
//!
//! What is read:
//! - Arabic digits (ASCII or full-width), with a decimal point and `,` thousands separators
//!   (“1,234.5万”), followed by a magnitude (百, 千, 万, 百万, 千万, 亿, 万亿) and/or a unit;
//! - Chinese numerals followed by a unit (两千人, 十六万九千户, 百分之五); a Chinese numeral with no
//!   unit after it is not read, because 一/三/十 are far more often parts of words (一批, 三个十大,
//!   十四五) than numbers;
//! - ranges (2-3个, 2至3个), kept as a lower value and an upper one;
//! - percentages (%, ％, ‰, 百分之…, 3成 → 30%) and 个百分点, which is a *different* unit: a
//!   growth rate up “2个百分点” is not up “2%”;
//! - 翻一番 / 翻两番 as multiples (2倍 / 4倍).
//!
//! Units are normalised to a base unit ([`Unit`]): 亿元 → 元 × 10⁸, 万户 → 户 × 10⁴, MW → 千瓦 × 10³.
//! What is *not* a quantity is skipped: dates (2023年, 1-9月, 15日), ranks (第2位), codes and
//! names glued to Latin letters (PM2.5, 5G). Odd text never panics; arithmetic that would overflow
//! simply yields no quantity.

use rust_decimal::Decimal;
use std::ops::Range;

/// A unit, already normalised to its base (万吨 is [`Unit::Ton`] with the value × 10⁴).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Unit {
    /// A bare number: no unit followed it.
    None,
    /// 元 (万元, 亿元).
    Yuan,
    /// 美元.
    UsDollar,
    /// 户 (万户).
    Household,
    /// 吨 (万吨).
    Ton,
    /// 千瓦 (万千瓦, kW, MW = 10³ 千瓦, GW = 10⁶ 千瓦).
    Kilowatt,
    /// 千瓦时 (万千瓦时, 度).
    KilowattHour,
    /// 人 or 名 (万人).
    Person,
    /// 人次 (万人次).
    PersonTime,
    /// 亩 (万亩).
    Mu,
    /// 公顷.
    Hectare,
    /// 公里 (千米, km).
    Kilometer,
    /// 米.
    Meter,
    /// 平方米 (万平方米).
    SquareMeter,
    /// 平方公里.
    SquareKilometer,
    /// 立方米 (万立方米).
    CubicMeter,
    /// A measure word (量词) counting things: 个, 家, 项, 所, 张, 件, 处, 座, 条 …, kept apart
    /// because 家 counts firms and 张 counts beds.
    Count(Measure),
    /// %.
    Percent,
    /// 个百分点: a difference between two percentages.
    PercentagePoint,
    /// 倍 (翻一番 = 2倍).
    Times,
}

/// The measure words (量词) that count things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Measure {
    Ge,
    Jia,
    Xiang,
    Suo,
    Zhang,
    Jian,
    Chu,
    Zuo,
    Tiao,
    Bi,
    Chang,
    Ci,
    Qi,
    Tian,
    Tai,
    Tao,
    Liang,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Ge => "个",
            Measure::Jia => "家",
            Measure::Xiang => "项",
            Measure::Suo => "所",
            Measure::Zhang => "张",
            Measure::Jian => "件",
            Measure::Chu => "处",
            Measure::Zuo => "座",
            Measure::Tiao => "条",
            Measure::Bi => "笔",
            Measure::Chang => "场",
            Measure::Ci => "次",
            Measure::Qi => "起",
            Measure::Tian => "天",
            Measure::Tai => "台",
            Measure::Tao => "套",
            Measure::Liang => "辆",
        }
    }

    /// 个, 家, 项, 所, 处, 座 count “units of something” (firms, projects, schools, sites) and
    /// offices use them interchangeably (打造1处集聚区 … 达到6家), unlike 张 (beds) or 次 (times).
    pub fn is_generic(self) -> bool {
        matches!(
            self,
            Measure::Ge
                | Measure::Jia
                | Measure::Xiang
                | Measure::Suo
                | Measure::Chu
                | Measure::Zuo
        )
    }
}

impl Unit {
    /// The base unit as written in Chinese (“吨”, “%”, “个百分点”); empty for a bare number.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::None => "",
            Unit::Yuan => "元",
            Unit::UsDollar => "美元",
            Unit::Household => "户",
            Unit::Ton => "吨",
            Unit::Kilowatt => "千瓦",
            Unit::KilowattHour => "千瓦时",
            Unit::Person => "人",
            Unit::PersonTime => "人次",
            Unit::Mu => "亩",
            Unit::Hectare => "公顷",
            Unit::Kilometer => "公里",
            Unit::Meter => "米",
            Unit::SquareMeter => "平方米",
            Unit::SquareKilometer => "平方公里",
            Unit::CubicMeter => "立方米",
            Unit::Count(m) => m.as_str(),
            Unit::Percent => "%",
            Unit::PercentagePoint => "个百分点",
            Unit::Times => "倍",
        }
    }

    /// Whether a figure in `other` can be compared with a target in `self`.
    pub fn comparable(self, other: Unit) -> bool {
        match (self, other) {
            (Unit::None, _) | (_, Unit::None) => false,
            (Unit::Count(a), Unit::Count(b)) => a == b || (a.is_generic() && b.is_generic()),
            (a, b) => a == b,
        }
    }

    /// What kind of quantity this unit measures.
    pub fn kind(self) -> QuantityKind {
        match self {
            Unit::Percent => QuantityKind::Percent,
            Unit::PercentagePoint => QuantityKind::PercentagePoints,
            Unit::Times => QuantityKind::Multiple,
            Unit::None => QuantityKind::Bare,
            _ => QuantityKind::Absolute,
        }
    }
}

/// The kind of a quantity, from its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityKind {
    /// An amount or a count in a physical or money unit.
    Absolute,
    /// A percentage.
    Percent,
    /// 个百分点.
    PercentagePoints,
    /// 倍.
    Multiple,
    /// No unit.
    Bare,
}

/// A number found in text, in its base unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    /// The value in the base unit; for a range, its lower end.
    pub value: Decimal,
    /// For a range (2-3个), its upper end.
    pub upper: Option<Decimal>,
    pub unit: Unit,
    /// Byte range of the number, magnitude and unit in the text it was read from.
    pub span: Range<usize>,
    /// Written with 余 / 多 (“10余次”, “300多家”): at least the value.
    pub at_least: bool,
    /// Written in Chinese numerals (两千, 十六万九千) rather than digits.
    pub chinese: bool,
}

impl Quantity {
    /// The quantity as written, e.g. “16.9万户”.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.span.clone()).unwrap_or("")
    }

    pub fn kind(&self) -> QuantityKind {
        self.unit.kind()
    }
}

/// Reads every quantity in `text`, in order. Never panics; what it cannot read it skips.
///
/// ```
/// use duban_checks::number::{parse_quantities, Unit};
/// use rust_decimal::Decimal;
/// let q = parse_quantities("累计增加新登记市场主体16.9万户，增长2-3个百分点");
/// assert_eq!(q[0].value, Decimal::from(169_000));
/// assert_eq!(q[0].unit, Unit::Household);
/// assert_eq!(q[1].upper, Some(Decimal::from(3)));
/// assert_eq!(q[1].unit, Unit::PercentagePoint);
/// ```
pub fn parse_quantities(text: &str) -> Vec<Quantity> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match read_at(text, &chars, i) {
            Some((q, next)) => {
                if let Some(q) = q {
                    out.push(q);
                }
                i = next.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

/// Reads one number. Returns where to continue, and the quantity unless what was read is a date,
/// a rank or a code (which must still be skipped whole, so “2023年” does not yield “023”).
fn read_at(text: &str, chars: &[(usize, char)], i: usize) -> Option<(Option<Quantity>, usize)> {
    let byte = |k: usize| chars.get(k).map_or(text.len(), |p| p.0);
    let rest = |k: usize| text.get(byte(k)..).unwrap_or("");

    if let Some(times) = doubling(rest(i)) {
        let end = i + times.1;
        let q = Quantity {
            value: Decimal::from(times.0),
            upper: None,
            unit: Unit::Times,
            span: byte(i)..byte(end),
            at_least: false,
            chinese: true,
        };
        return Some((Some(q), end));
    }

    // 百分之五 / 百分之5.5
    let (percent_prefix, start) = if rest(i).starts_with("百分之") {
        (true, i + 3)
    } else {
        (false, i)
    };
    let (mut value, mut j, chinese) = match chars.get(start).map(|p| p.1) {
        Some(d) if digit_value(d).is_some() => match arabic(chars, start) {
            Some((v, j)) => (v, j, false),
            // Too many digits for any real figure: skip the run whole.
            None => return Some((None, run_end(chars, start, |c| digit_value(c).is_some()))),
        },
        Some(d)
            if is_chinese_numeral(d)
                && (percent_prefix || !matches!(d, '百' | '千' | '万' | '亿')) =>
        {
            match chinese_numeral(chars, start) {
                Some((v, j)) => (v, j, true),
                // Malformed (十四五): a word, skipped whole so its tail is not read as 45.
                None => return Some((None, run_end(chars, start, is_chinese_numeral))),
            }
        }
        _ => return None,
    };
    // A number glued to Latin letters is a code or a name (PM2.5, 5G, GB50016): skip it whole.
    let glued_before = i > 0 && chars[i - 1].1.is_ascii_alphabetic();
    let after_letters = chars
        .get(j)
        .is_some_and(|p| p.1.is_ascii_alphabetic() && unit_at(rest(j)).is_none());
    if glued_before || after_letters {
        let mut k = j;
        while chars.get(k).is_some_and(|p| p.1.is_ascii_alphanumeric()) {
            k += 1;
        }
        return Some((None, k));
    }
    // A rank (第2位) is not an amount.
    let ordinal = i > 0 && chars[i - 1].1 == '第';

    if percent_prefix {
        let q = Quantity {
            value,
            upper: None,
            unit: Unit::Percent,
            span: byte(i)..byte(j),
            at_least: false,
            chinese,
        };
        return Some(((!ordinal).then_some(q), j));
    }

    // A range: 2-3个, 2～3个, 2至3个, 2到3个.
    let mut upper = None;
    if let Some(sep) = chars.get(j).map(|p| p.1)
        && matches!(sep, '-' | '－' | '—' | '–' | '~' | '～' | '至' | '到')
        && let Some(n) = chars.get(j + 1).map(|p| p.1)
    {
        let second = if !chinese && digit_value(n).is_some() {
            arabic(chars, j + 1)
        } else if chinese && is_chinese_numeral(n) {
            chinese_numeral(chars, j + 1)
        } else {
            None
        };
        if let Some((v, k)) = second {
            upper = Some(v);
            j = k;
        }
    }

    let mut at_least = false;
    let mut skip_more = |j: &mut usize| {
        if chars.get(*j).is_some_and(|p| matches!(p.1, '余' | '多')) {
            at_least = true;
            *j += 1;
        }
    };
    skip_more(&mut j);
    let mut scale = Decimal::ONE;
    let mut unit = Unit::None;
    if let Some((u, factor, len)) = unit_at(rest(j)) {
        unit = u;
        scale = factor;
        j += len;
    } else if let Some((m, len)) = magnitude_at(rest(j)) {
        scale = m;
        j += len;
        skip_more(&mut j);
        if let Some((u, factor, len)) = unit_at(rest(j)) {
            unit = u;
            scale = scale.checked_mul(factor).unwrap_or(Decimal::ZERO);
            j += len;
        }
    }
    // 3成 → 30%, but not 3成员 / 建成…; only small counts of tenths.
    if unit == Unit::None
        && scale == Decimal::ONE
        && chars.get(j).is_some_and(|p| p.1 == '成')
        && value <= Decimal::TEN
        && !chars
            .get(j + 1)
            .is_some_and(|p| "员本果为功效立交型绩品就熟长都片".contains(p.1))
    {
        unit = Unit::Percent;
        scale = Decimal::TEN;
        j += 1;
    }
    // Dates and times: 2023年, 1-9月, 15日, 8时, 三季度.
    if unit == Unit::None && scale == Decimal::ONE && is_date_word(rest(j)) {
        return Some((None, j + 1));
    }
    if chinese && unit == Unit::None {
        // A Chinese numeral with no unit is most likely part of a word.
        return Some((None, j));
    }
    let Some(v) = value.checked_mul(scale) else {
        return Some((None, j));
    };
    value = v;
    let upper = match upper.map(|u| u.checked_mul(scale)) {
        Some(None) => return Some((None, j)),
        Some(Some(u)) => Some(u),
        None => None,
    };
    let q = Quantity {
        value,
        upper,
        unit,
        span: byte(i)..byte(j),
        at_least,
        chinese,
    };
    Some(((!ordinal).then_some(q), j))
}

fn doubling(s: &str) -> Option<(u32, usize)> {
    if s.starts_with("翻一番") {
        Some((2, 3))
    } else if s.starts_with("翻两番") {
        Some((4, 3))
    } else if s.starts_with("翻番") {
        Some((2, 2))
    } else {
        None
    }
}

fn is_date_word(s: &str) -> bool {
    ["年", "月", "日", "号", "时", "季度", "周岁", "世纪", "点钟"]
        .iter()
        .any(|w| s.starts_with(w))
}

fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(u32::from(c) - u32::from('０')),
        _ => None,
    }
}

/// Reads digits with an optional `,` thousands grouping and a decimal part.
fn arabic(chars: &[(usize, char)], start: usize) -> Option<(Decimal, usize)> {
    let mut s = String::new();
    let mut j = start;
    let digits_from = |k: usize| {
        let mut n = 0;
        while chars.get(k + n).and_then(|p| digit_value(p.1)).is_some() {
            n += 1;
        }
        n
    };
    let push_digits = |s: &mut String, from: usize, n: usize| {
        for p in &chars[from..from + n] {
            s.push(char::from_digit(digit_value(p.1).unwrap_or(0), 10).unwrap_or('0'));
        }
    };
    let n = digits_from(j);
    if n == 0 {
        return None;
    }
    push_digits(&mut s, j, n);
    j += n;
    // 1,234,567 — a comma followed by exactly three digits groups thousands.
    while chars.get(j).is_some_and(|p| p.1 == ',') && digits_from(j + 1) == 3 {
        push_digits(&mut s, j + 1, 3);
        j += 4;
    }
    if chars.get(j).is_some_and(|p| matches!(p.1, '.' | '．')) {
        let n = digits_from(j + 1);
        if n > 0 {
            s.push('.');
            push_digits(&mut s, j + 1, n);
            j += 1 + n;
        }
    }
    // Too many digits for a Decimal: not a quantity anyone reports.
    let v: Decimal = s.parse().ok()?;
    Some((v, j))
}

fn run_end(chars: &[(usize, char)], start: usize, f: impl Fn(char) -> bool) -> usize {
    let mut k = start;
    while chars.get(k).is_some_and(|p| f(p.1)) {
        k += 1;
    }
    k.max(start + 1)
}

fn is_chinese_numeral(c: char) -> bool {
    "零〇一二两三四五六七八九十百千万亿".contains(c)
}

fn small_digit(c: char) -> Option<u128> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// Reads a Chinese numeral (十六万九千, 两千, 一百零五, 二〇二三) and returns its value and the
/// index after it. Malformed runs (十四五, 万万) yield `None`.
fn chinese_numeral(chars: &[(usize, char)], start: usize) -> Option<(Decimal, usize)> {
    let mut end = start;
    while end < chars.len() && end - start < 24 && is_chinese_numeral(chars[end].1) {
        end += 1;
    }
    // Leave a unit that starts with a magnitude char alone: 五千瓦 is 5 千瓦, not 5000 瓦.
    let mut run: Vec<char> = chars[start..end].iter().map(|p| p.1).collect();
    while run.len() > 1 {
        let last = run[run.len() - 1];
        let next = chars.get(start + run.len()).map(|p| p.1);
        let swallows_unit = matches!(
            (last, next),
            ('千', Some('瓦' | '米' | '克')) | ('百', Some('分'))
        );
        if swallows_unit {
            run.pop();
        } else {
            break;
        }
    }
    let len = run.len();
    // Positional digits only (二〇二三): read digit by digit.
    if len > 1 && run.iter().all(|c| small_digit(*c).is_some()) {
        let mut v: u128 = 0;
        for c in &run {
            v = v.checked_mul(10)?.checked_add(small_digit(*c)?)?;
        }
        return Some((
            Decimal::from_i128_with_scale(i128::try_from(v).ok()?, 0),
            start + len,
        ));
    }
    let mut total: u128 = 0; // completed 亿 groups
    let mut wan: u128 = 0; // completed 万 group below 亿
    let mut section: u128 = 0; // below 万
    let mut digit: Option<u128> = None;
    let mut last_small_unit = u128::MAX;
    for c in &run {
        if let Some(d) = small_digit(*c) {
            if d == 0 {
                continue;
            }
            if digit.is_some() {
                return None; // two digits in a row: 十四五
            }
            digit = Some(d);
            continue;
        }
        match c {
            '十' | '百' | '千' => {
                let u = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1000,
                };
                if u >= last_small_unit {
                    return None;
                }
                last_small_unit = u;
                let d = match digit.take() {
                    Some(d) => d,
                    // 十六 = 16; 百/千 alone do not start a number.
                    None if u == 10 => 1,
                    None => return None,
                };
                section = section.checked_add(d.checked_mul(u)?)?;
            }
            '万' => {
                let s = section.checked_add(digit.take().unwrap_or(0))?;
                if s == 0 {
                    return None;
                }
                wan = wan.checked_add(s.checked_mul(10_000)?)?;
                section = 0;
                last_small_unit = u128::MAX;
            }
            '亿' => {
                let s = wan
                    .checked_add(section)?
                    .checked_add(digit.take().unwrap_or(0))?;
                if s == 0 {
                    return None;
                }
                total = total.checked_add(s)?.checked_mul(100_000_000)?;
                wan = 0;
                section = 0;
                last_small_unit = u128::MAX;
            }
            _ => return None,
        }
    }
    // 十六万九 = 169000: a trailing digit after a unit takes the next unit down.
    let tail = match digit {
        Some(d) if run.len() >= 2 => {
            let prev = run[run.len() - 2];
            let down: u128 = match prev {
                '万' => 1_000,
                '亿' => 10_000_000,
                '千' => 100,
                '百' => 10,
                _ => 1,
            };
            d.checked_mul(down)?
        }
        Some(d) => d,
        None => 0,
    };
    let v = total
        .checked_add(wan)?
        .checked_add(section)?
        .checked_add(tail)?;
    if v > 10u128.pow(24) {
        return None;
    }
    Some((
        Decimal::from_i128_with_scale(i128::try_from(v).ok()?, 0),
        start + len,
    ))
}

/// A magnitude after digits: 万亿, 千万, 百万, 亿, 万, 千, 百.
fn magnitude_at(s: &str) -> Option<(Decimal, usize)> {
    const TABLE: [(&str, i64, u32); 7] = [
        ("万亿", 1_000_000_000_000, 2),
        ("千万", 10_000_000, 2),
        ("百万", 1_000_000, 2),
        ("亿", 100_000_000, 1),
        ("万", 10_000, 1),
        ("千", 1_000, 1),
        ("百", 100, 1),
    ];
    TABLE
        .iter()
        .find(|(w, _, _)| s.starts_with(w))
        .map(|(_, m, n)| (Decimal::from(*m), *n as usize))
}

/// A unit at the start of `s`: the unit, its factor to the base unit, and its length in chars.
fn unit_at(s: &str) -> Option<(Unit, Decimal, usize)> {
    use Measure as M;
    // Longest first where one is a prefix of another (个百分点 before 个, 千瓦时 before 千瓦).
    const TABLE: &[(&str, Unit, i64, i64)] = &[
        ("个百分点", Unit::PercentagePoint, 1, 1),
        ("百分点", Unit::PercentagePoint, 1, 1),
        ("%", Unit::Percent, 1, 1),
        ("％", Unit::Percent, 1, 1),
        ("‰", Unit::Percent, 1, 10),
        ("美元", Unit::UsDollar, 1, 1),
        ("元", Unit::Yuan, 1, 1),
        ("户", Unit::Household, 1, 1),
        ("吨", Unit::Ton, 1, 1),
        ("千瓦时", Unit::KilowattHour, 1, 1),
        ("千瓦", Unit::Kilowatt, 1, 1),
        ("kWh", Unit::KilowattHour, 1, 1),
        ("kW", Unit::Kilowatt, 1, 1),
        ("KW", Unit::Kilowatt, 1, 1),
        ("MW", Unit::Kilowatt, 1_000, 1),
        ("兆瓦", Unit::Kilowatt, 1_000, 1),
        ("GW", Unit::Kilowatt, 1_000_000, 1),
        ("吉瓦", Unit::Kilowatt, 1_000_000, 1),
        ("人次", Unit::PersonTime, 1, 1),
        ("人", Unit::Person, 1, 1),
        ("名", Unit::Person, 1, 1),
        ("亩", Unit::Mu, 1, 1),
        ("公顷", Unit::Hectare, 1, 1),
        ("平方公里", Unit::SquareKilometer, 1, 1),
        ("平方米", Unit::SquareMeter, 1, 1),
        ("立方米", Unit::CubicMeter, 1, 1),
        ("公里", Unit::Kilometer, 1, 1),
        ("千米", Unit::Kilometer, 1, 1),
        ("km", Unit::Kilometer, 1, 1),
        ("米", Unit::Meter, 1, 1),
        ("个", Unit::Count(M::Ge), 1, 1),
        ("家", Unit::Count(M::Jia), 1, 1),
        ("项", Unit::Count(M::Xiang), 1, 1),
        ("所", Unit::Count(M::Suo), 1, 1),
        ("张", Unit::Count(M::Zhang), 1, 1),
        ("件", Unit::Count(M::Jian), 1, 1),
        ("处", Unit::Count(M::Chu), 1, 1),
        ("座", Unit::Count(M::Zuo), 1, 1),
        ("条", Unit::Count(M::Tiao), 1, 1),
        ("笔", Unit::Count(M::Bi), 1, 1),
        ("场", Unit::Count(M::Chang), 1, 1),
        ("次", Unit::Count(M::Ci), 1, 1),
        ("起", Unit::Count(M::Qi), 1, 1),
        ("天", Unit::Count(M::Tian), 1, 1),
        ("台", Unit::Count(M::Tai), 1, 1),
        ("套", Unit::Count(M::Tao), 1, 1),
        ("辆", Unit::Count(M::Liang), 1, 1),
    ];
    TABLE
        .iter()
        .find(|(w, ..)| s.starts_with(w))
        .map(|(w, u, num, den)| {
            let factor = Decimal::from(*num) / Decimal::from(*den);
            (*u, factor, w.chars().count())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Quantity {
        let q = parse_quantities(s);
        assert_eq!(q.len(), 1, "{s}: {q:?}");
        q.into_iter().next().unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn arabic_with_magnitudes_and_units() {
        let q = one("16.9万户");
        assert_eq!((q.value, q.unit), (d("169000"), Unit::Household));
        assert_eq!(one("246.5亿元").value, d("24650000000"));
        assert_eq!(one("1.71万吨").value, d("17100"));
        assert_eq!(one("537.4万千瓦").value, d("5374000"));
        assert_eq!(one("50MW").value, d("50000"));
        assert_eq!(one("50MW").unit, Unit::Kilowatt);
        assert_eq!(one("1,234.5万").value, d("12345000"));
        assert_eq!(one("1,234.5万").unit, Unit::None);
        assert_eq!(one("18922万元").value, d("189220000"));
        assert_eq!(one("117人次").unit, Unit::PersonTime);
        assert_eq!(one("3万亩").value, d("30000"));
        assert_eq!(one("３０家").value, d("30"));
        assert_eq!(one("2千万元").value, d("20000000"));
        assert_eq!(one("5千瓦").value, d("5"));
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(one("两千人").value, d("2000"));
        assert_eq!(one("十六万九千户").value, d("169000"));
        assert_eq!(one("十六万九户").value, d("169000"));
        assert_eq!(one("一百零五家").value, d("105"));
        assert_eq!(one("三亿五千万元").value, d("350000000"));
        assert_eq!(one("五千瓦").value, d("5"));
        assert_eq!(one("百分之五").value, d("5"));
        assert_eq!(one("百分之五").unit, Unit::Percent);
        // Words, not numbers.
        assert!(parse_quantities("“十四五”规划").is_empty());
        assert!(parse_quantities("一批项目").is_empty());
        assert!(parse_quantities("千方百计").is_empty());
    }

    #[test]
    fn ranges_percentages_points() {
        let q = one("2-3个");
        assert_eq!((q.value, q.upper), (d("2"), Some(d("3"))));
        assert_eq!(one("5.5%左右").unit, Unit::Percent);
        assert_eq!(one("0.5个百分点").unit, Unit::PercentagePoint);
        assert_eq!(one("约3成").value, d("30"));
        assert_eq!(one("翻一番").value, d("2"));
        assert!(one("10余次").at_least);
    }

    #[test]
    fn skips_dates_ranks_and_codes() {
        assert!(parse_quantities("2023年1-9月").is_empty());
        assert!(parse_quantities("居全省第1位").is_empty());
        assert!(parse_quantities("PM2.5平均浓度").is_empty());
        assert!(parse_quantities("5G基站").is_empty());
        assert!(parse_quantities("全覆盖").is_empty());
        assert!(parse_quantities("9月15日").is_empty());
        let q = parse_quantities("PM2.5平均浓度为42微克");
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].value, d("42"));
    }

    #[test]
    fn spans_point_at_the_text() {
        let s = "全市累计为14.28万户市场主体落实税收优惠24.73亿元";
        let q = parse_quantities(s);
        assert_eq!(q[0].text(s), "14.28万户");
        assert_eq!(q[1].text(s), "24.73亿元");
    }
}
