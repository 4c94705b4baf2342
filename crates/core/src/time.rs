//! Time as people in China read it. China keeps one zone, Beijing time (UTC+8), with no
//! daylight saving, so a fixed offset is exact and needs no time-zone database, which isolated
//! government machines often lack. The clock is read by the caller and passed in: the domain
//! stays free of I/O and tests can pin the moment.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::Offset;

/// UTC+8.
pub const BEIJING: Offset = Offset::constant(8);

/// The calendar day it is in China at `at`: what "today", "late" and "due" are judged by.
pub fn date_in_china(at: Timestamp) -> Date {
    BEIJING.to_datetime(at).date()
}

/// `at` as a person reads it: `2023-12-02 22:12 北京时间` (or `… Beijing time`).
pub fn beijing_time(at: Timestamp, english: bool) -> String {
    let zone = if english {
        "Beijing time"
    } else {
        "北京时间"
    };
    format!(
        "{} {zone}",
        BEIJING.to_datetime(at).strftime("%Y-%m-%d %H:%M")
    )
}

/// The instant a calendar day begins in China: for "from this day" and "until this day" as
/// people in China mean them.
pub fn china_day_starts(day: Date) -> Timestamp {
    // A Beijing date at midnight always exists (no daylight saving): the conversion cannot fail
    // for any date jiff represents; the earliest instant stands in otherwise.
    day.to_datetime(jiff::civil::Time::midnight())
        .to_zoned(jiff::tz::TimeZone::fixed(BEIJING))
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_evening_utc_is_the_next_day_in_china() {
        let at: Timestamp = "2023-12-31T16:30:00Z".parse().unwrap();
        assert_eq!(date_in_china(at).to_string(), "2024-01-01");
        assert_eq!(beijing_time(at, false), "2024-01-01 00:30 北京时间");
        assert_eq!(beijing_time(at, true), "2024-01-01 00:30 Beijing time");
        let day: Date = "2024-01-01".parse().unwrap();
        assert_eq!(china_day_starts(day).to_string(), "2023-12-31T16:00:00Z");
    }
}
