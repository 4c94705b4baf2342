//! Reporting periods: `2023Q3`, `2023M09`, `2023H1` or `2023` (the year end), and the Chinese
//! words governments use for them in titles and column headers.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// The span a round (调度) reports on. Ordered by year, then by where the span ends.
///
/// Its field is private: a `Period` is made only by [`Period::new`] (and the parsers built on
/// it), which checks the year and the span's number, so every period the program holds can be
/// written and read back — no path can make a `1901Q3` or a `2023Q7` that storage then refuses.
/// Match on [`Period::kind`] to tell the spans apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period(PeriodKind);

/// What a [`Period`] is made of, for matching; a value of this type is not yet checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    /// `2023Q3`: a quarter, 1–4.
    Quarter { year: i16, quarter: u8 },
    /// `2023M09`: a month, 1–12.
    Month { year: i16, month: u8 },
    /// `2023H1`: a half year, 1–2.
    Half { year: i16, half: u8 },
    /// `2023`: the whole year, reported at its end.
    Year { year: i16 },
}

/// The years a period may fall in: from the founding of the People's Republic (no government
/// work report this program reads is older) to a bound that keeps four digits.
pub const YEARS: std::ops::RangeInclusive<i16> = 1949..=2999;

/// Why a period could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("“{0}” is not a period: write 2023Q3, 2023M09, 2023H1 or 2023")]
    Syntax(String),
    #[error(
        "“{0}” is not a period word this program knows (一季度, 二季度, 三季度, 四季度, 上半年, 下半年, 全年, 年底, 1-9月 …)"
    )]
    UnknownWord(String),
    #[error("{0} is not a year this program takes (1949–2999)")]
    Year(i16),
    #[error("{0:?} is not a period: the quarter, month or half is out of range")]
    Span(PeriodKind),
}

impl Period {
    /// The one way to make a period: checks the year and the span's number.
    pub fn new(kind: PeriodKind) -> Result<Period, PeriodError> {
        let year = match kind {
            PeriodKind::Quarter { year, .. }
            | PeriodKind::Month { year, .. }
            | PeriodKind::Half { year, .. }
            | PeriodKind::Year { year } => year,
        };
        if !YEARS.contains(&year) {
            return Err(PeriodError::Year(year));
        }
        let in_range = match kind {
            PeriodKind::Quarter { quarter, .. } => (1..=4).contains(&quarter),
            PeriodKind::Month { month, .. } => (1..=12).contains(&month),
            PeriodKind::Half { half, .. } => (1..=2).contains(&half),
            PeriodKind::Year { .. } => true,
        };
        if in_range {
            Ok(Period(kind))
        } else {
            Err(PeriodError::Span(kind))
        }
    }

    /// What the period is, to match on.
    pub fn kind(self) -> PeriodKind {
        self.0
    }

    pub fn year(self) -> i16 {
        match self.0 {
            PeriodKind::Quarter { year, .. }
            | PeriodKind::Month { year, .. }
            | PeriodKind::Half { year, .. }
            | PeriodKind::Year { year } => year,
        }
    }

    /// The last month the period covers (1–12).
    pub fn end_month(self) -> u8 {
        match self.0 {
            PeriodKind::Quarter { quarter, .. } => quarter * 3,
            PeriodKind::Month { month, .. } => month,
            PeriodKind::Half { half, .. } => half * 6,
            PeriodKind::Year { .. } => 12,
        }
    }

    /// The share of the year elapsed when the period ends, as twelfths (Q3 → 9).
    pub fn elapsed_twelfths(self) -> u8 {
        self.end_month()
    }

    /// Reads a period word as it appears in a title or a column header, for `year`:
    /// 三季度 / 第三季度 / 前三季度 → Q3, 上半年 → H1, 全年 / 年底 / 年度 → the year, 1-9月 / 9月 → M09.
    pub fn from_word(year: i16, word: &str) -> Result<Period, PeriodError> {
        let w: String = word.chars().filter(|c| !c.is_whitespace()).collect();
        let w = w
            .trim_start_matches('第')
            .trim_start_matches('前')
            .trim_end_matches('份');
        let quarter = match w {
            "一季度" | "1季度" => Some(1),
            "二季度" | "2季度" => Some(2),
            "三季度" | "3季度" => Some(3),
            "四季度" | "4季度" => Some(4),
            _ => None,
        };
        if let Some(quarter) = quarter {
            return Period::new(PeriodKind::Quarter { year, quarter });
        }
        match w {
            "上半年" => return Period::new(PeriodKind::Half { year, half: 1 }),
            "下半年" => return Period::new(PeriodKind::Half { year, half: 2 }),
            "全年" | "年底" | "年度" | "年终" => {
                return Period::new(PeriodKind::Year { year });
            }
            _ => {}
        }
        // Months: "9月", "1-9月", "1—9月", "1至9月", "九月".
        if let Some(body) = w.strip_suffix('月') {
            let last = body
                .rsplit(['-', '—', '–', '~', '至', '到'])
                .next()
                .unwrap_or(body);
            let month = last.parse::<u8>().ok().or_else(|| chinese_month(last));
            if let Some(month @ 1..=12) = month {
                return Period::new(PeriodKind::Month { year, month });
            }
        }
        Err(PeriodError::UnknownWord(word.to_owned()))
    }

    /// The word a progress header and a round's title use for the period: 三季度, 上半年, 全年,
    /// 1-9月 (a January round: 1月), as in 三季度完成情况 and …责任目标三季度工作推进情况一览表.
    pub fn progress_word(self) -> String {
        match self.0 {
            PeriodKind::Quarter { quarter, .. } => {
                format!("{}季度", ["一", "二", "三", "四"][usize::from(quarter - 1)])
            }
            PeriodKind::Half { half: 1, .. } => "上半年".into(),
            PeriodKind::Half { .. } => "下半年".into(),
            PeriodKind::Year { .. } => "全年".into(),
            PeriodKind::Month { month: 1, .. } => "1月".into(),
            PeriodKind::Month { month, .. } => format!("1-{month}月"),
        }
    }

    /// The words a narrative uses for this period (for the reader; checks use them too).
    pub fn label_zh(self) -> String {
        match self.0 {
            PeriodKind::Quarter { year, quarter } => {
                format!(
                    "{year}年{}季度",
                    ["一", "二", "三", "四"][usize::from(quarter - 1)]
                )
            }
            PeriodKind::Month { year, month } => format!("{year}年{month}月"),
            PeriodKind::Half { year, half } => {
                format!("{year}年{}", if half == 1 { "上半年" } else { "下半年" })
            }
            PeriodKind::Year { year } => format!("{year}年全年"),
        }
    }

    pub fn label_en(self) -> String {
        match self.0 {
            PeriodKind::Quarter { year, quarter } => format!("Q{quarter} {year}"),
            PeriodKind::Month { year, month } => format!("{year}-{month:02}"),
            PeriodKind::Half { year, half } => format!("H{half} {year}"),
            PeriodKind::Year { year } => format!("year {year}"),
        }
    }

    fn sort_key(self) -> (i16, u8, u8) {
        let rank = match self.0 {
            PeriodKind::Month { .. } => 0,
            PeriodKind::Quarter { .. } => 1,
            PeriodKind::Half { .. } => 2,
            PeriodKind::Year { .. } => 3,
        };
        (self.year(), self.end_month(), rank)
    }
}

fn chinese_month(s: &str) -> Option<u8> {
    const DIGITS: [&str; 12] = [
        "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
    ];
    DIGITS
        .iter()
        .position(|d| *d == s)
        .map(|i| u8::try_from(i + 1).unwrap_or(0))
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            PeriodKind::Quarter { year, quarter } => write!(f, "{year}Q{quarter}"),
            PeriodKind::Month { year, month } => write!(f, "{year}M{month:02}"),
            PeriodKind::Half { year, half } => write!(f, "{year}H{half}"),
            PeriodKind::Year { year } => write!(f, "{year}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError::Syntax(s.to_owned());
        let s = s.trim();
        if s.len() < 4 || !s.is_char_boundary(4) {
            return Err(err());
        }
        let (y, rest) = s.split_at(4);
        let year: i16 = y.parse().map_err(|_| err())?;
        let num = |t: &str| t.parse::<u8>().map_err(|_| err());
        let upper = rest.to_ascii_uppercase();
        let kind = match upper.as_bytes().first() {
            None => PeriodKind::Year { year },
            Some(b'Q') if upper.len() == 2 => PeriodKind::Quarter {
                year,
                quarter: num(&upper[1..])?,
            },
            Some(b'M') if upper.len() == 3 => PeriodKind::Month {
                year,
                month: num(&upper[1..])?,
            },
            Some(b'H') if upper.len() == 2 => PeriodKind::Half {
                year,
                half: num(&upper[1..])?,
            },
            _ => return Err(err()),
        };
        // The same checks as every other way of making a period; the message names the text.
        Period::new(kind).map_err(|_| err())
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// In the API documentation a period is the string it is written as.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Period {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A reporting period: 2023Q3 (quarter), 2023M09 (month), 2023H1 (half year) or 2023 (year end)",
            ))
            .pattern(Some("^[0-9]{4}(Q[1-4]|M(0[1-9]|1[0-2])|H[12])?$"))
            .examples(["2023Q3"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Period {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_form() {
        for s in ["2023Q3", "2023M09", "2023H1", "2023"] {
            assert_eq!(s.parse::<Period>().unwrap().to_string(), s);
        }
        assert_eq!("2023q4".parse::<Period>().unwrap().to_string(), "2023Q4");
    }

    #[test]
    fn rejects_nonsense() {
        for s in [
            "",
            "23Q3",
            "2023Q5",
            "2023M13",
            "2023M9",
            "2023H3",
            "2023X1",
            "二〇二三",
        ] {
            assert!(s.parse::<Period>().is_err(), "{s}");
        }
    }

    #[test]
    fn every_way_of_making_a_period_checks_the_same_rules() {
        // A title saying 1901年三季度 once made a period that storage could not read back.
        assert_eq!(
            Period::from_word(1901, "三季度"),
            Err(PeriodError::Year(1901))
        );
        assert!(Period::from_word(3000, "全年").is_err());
        assert!("1901Q3".parse::<Period>().is_err());
        assert!(
            Period::new(PeriodKind::Quarter {
                year: 2023,
                quarter: 7
            })
            .is_err()
        );
        assert!(
            Period::new(PeriodKind::Month {
                year: 2023,
                month: 0
            })
            .is_err()
        );
        assert!(
            Period::new(PeriodKind::Half {
                year: 2023,
                half: 3
            })
            .is_err()
        );
        for p in ["1949", "2999M12", "2023Q3"] {
            let parsed: Period = p.parse().unwrap();
            assert_eq!(Period::new(parsed.kind()), Ok(parsed));
        }
    }

    #[test]
    fn reads_words() {
        let q = |w| Period::from_word(2023, w).map(|p| p.to_string());
        assert_eq!(q("三季度").unwrap(), "2023Q3");
        assert_eq!(q("前三季度").unwrap(), "2023Q3");
        assert_eq!(q("第一季度").unwrap(), "2023Q1");
        assert_eq!(q("上半年").unwrap(), "2023H1");
        assert_eq!(q("全年").unwrap(), "2023");
        assert_eq!(q("年底").unwrap(), "2023");
        assert_eq!(q("1-9月").unwrap(), "2023M09");
        assert_eq!(q("十一月份").unwrap(), "2023M11");
        assert!(matches!(q("五季度"), Err(PeriodError::UnknownWord(_))));
    }

    #[test]
    fn orders_by_end_of_span() {
        let mut v: Vec<Period> = ["2023", "2023Q3", "2022Q4", "2023M09", "2023H1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let s: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["2022Q4", "2023H1", "2023M09", "2023Q3", "2023"]);
    }
}
