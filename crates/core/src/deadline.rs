//! 完成时限: when a target is due — 年底 (the year end), 长期坚持 (ongoing) or a date.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A target's deadline. Written in the table JSON as 年底, 长期坚持 or an ISO date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deadline {
    /// 年底: by the end of the plan's year.
    YearEnd,
    /// 长期坚持: ongoing work with no end date.
    Ongoing,
    /// A calendar date.
    Date(Date),
    /// The table gives none (a 民生实事 table without a 完成时限 column). Written as the empty
    /// text where text is needed; a table's JSON leaves the key out.
    Unstated,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{0}” is not a deadline: expected 年底, 长期坚持 or a date such as 2023年6月底 or 2023-06-30"
)]
pub struct DeadlineError(pub String);

impl Deadline {
    /// Reads a deadline as governments write it. Spaces inside are dropped first, because text
    /// extracted from PDFs breaks cells ("长期 坚持"). `year` fills in dates written without
    /// one ("6月底" in a 2023 plan).
    pub fn parse(text: &str, year: i16) -> Result<Deadline, DeadlineError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let err = || DeadlineError(text.to_owned());
        let w = compact.trim_end_matches('前');
        match w {
            "年底" | "年内" | "年末" | "全年" | "年终" => return Ok(Deadline::YearEnd),
            "长期坚持" | "长期" | "持续推进" | "长期推进" | "常态化" => {
                return Ok(Deadline::Ongoing);
            }
            _ => {}
        }
        if let Ok(d) = w.parse::<Date>() {
            return Ok(Deadline::Date(d));
        }
        // 2023.6.30 / 2023/6 — dotted forms, read as year, month and an optional day.
        let dotted: Vec<&str> = w.split(['.', '/']).collect();
        if dotted.len() >= 2
            && dotted
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            let num = |i: usize| dotted.get(i).map(|p| p.parse::<i16>().map_err(|_| err()));
            let y = num(0).ok_or_else(err)??;
            let m = i8::try_from(num(1).ok_or_else(err)??).map_err(|_| err())?;
            let first = Date::new(y, m, 1).map_err(|_| err())?;
            return match num(2) {
                None => Ok(Deadline::Date(first.last_of_month())),
                Some(d) => {
                    let d = i8::try_from(d?).map_err(|_| err())?;
                    Date::new(y, m, d).map(Deadline::Date).map_err(|_| err())
                }
            };
        }
        // 2023年6月底 / 2023年6月30日 / 6月底 / 2023年年底
        let (y, rest) = match w.split_once('年') {
            Some((y, rest)) => (y.parse::<i16>().map_err(|_| err())?, rest),
            None => (year, w),
        };
        if matches!(rest, "底" | "年底" | "末") {
            return Date::new(y, 12, 31).map(Deadline::Date).map_err(|_| err());
        }
        let (m, day) = rest.split_once('月').ok_or_else(err)?;
        let m: i8 = m.parse().map_err(|_| err())?;
        let first = Date::new(y, m, 1).map_err(|_| err())?;
        let date = match day.trim_end_matches(['日', '号']) {
            "" | "底" | "末" => first.last_of_month(),
            "上旬" => Date::new(y, m, 10).map_err(|_| err())?,
            "中旬" => Date::new(y, m, 20).map_err(|_| err())?,
            "下旬" => first.last_of_month(),
            d => Date::new(y, m, d.parse().map_err(|_| err())?).map_err(|_| err())?,
        };
        Ok(Deadline::Date(date))
    }

    /// Reads the JSON form back (年底, 长期坚持 or an ISO date).
    pub fn from_json_text(text: &str) -> Result<Deadline, DeadlineError> {
        match text {
            "" => Ok(Deadline::Unstated),
            "年底" => Ok(Deadline::YearEnd),
            "长期坚持" => Ok(Deadline::Ongoing),
            other => other
                .parse::<Date>()
                .map(Deadline::Date)
                .map_err(|_| DeadlineError(text.to_owned())),
        }
    }

    pub fn label_en(&self) -> String {
        match self {
            Deadline::YearEnd => "year end".into(),
            Deadline::Ongoing => "ongoing".into(),
            Deadline::Date(d) => d.to_string(),
            Deadline::Unstated => String::new(),
        }
    }

    /// Whether the table gave no deadline (a table's JSON then leaves the key out).
    pub fn is_unstated(&self) -> bool {
        *self == Deadline::Unstated
    }
}

/// A table without a 完成时限 column has no deadline to give.
impl Default for Deadline {
    fn default() -> Deadline {
        Deadline::Unstated
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::YearEnd => f.write_str("年底"),
            Deadline::Ongoing => f.write_str("长期坚持"),
            Deadline::Date(d) => write!(f, "{d}"),
            Deadline::Unstated => Ok(()),
        }
    }
}

impl Serialize for Deadline {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Deadline {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Deadline::from_json_text(&s).map_err(serde::de::Error::custom)
    }
}

/// In the API documentation a deadline is the text the table carries.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Deadline {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "完成时限 as the government writes it: 年底 (year end), 长期坚持 (ongoing) or an ISO date",
            ))
            .examples(["年底", "长期坚持", "2023-06-30"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Deadline {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_governments_write() {
        let p = |s| Deadline::parse(s, 2023).unwrap().to_string();
        assert_eq!(p("年底"), "年底");
        assert_eq!(p("长期 坚持"), "长期坚持");
        assert_eq!(p("长期坚持"), "长期坚持");
        assert_eq!(p("2023年6月底"), "2023-06-30");
        assert_eq!(p("6月底前"), "2023-06-30");
        assert_eq!(p("2024年2月底"), "2024-02-29");
        assert_eq!(p("2023年10月15日"), "2023-10-15");
        assert_eq!(p("2023-09-30"), "2023-09-30");
        assert_eq!(p("2023.11"), "2023-11-30");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for s in ["", "尽快", "2023年13月", "6月32日", "明年"] {
            assert!(Deadline::parse(s, 2023).is_err(), "{s}");
        }
    }

    #[test]
    fn json_text_round_trips() {
        for s in ["年底", "长期坚持", "2023-06-30", ""] {
            assert_eq!(Deadline::from_json_text(s).unwrap().to_string(), s);
        }
    }
}
