//! What the title and the paragraph under it say about a table: the government, the year, the
//! period and how many targets the report set (确定的200项).

use crate::{ImportError, ImportErrorKind};
use duban_core::Period;
use regex::Regex;
use std::sync::LazyLock;

/// What the caller says instead of what the file says (`--period`, `--government`, and
/// columns mapped by hand on the import page or with `--column`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub period: Option<Period>,
    pub government: Option<String>,
    /// A header as the file writes it, and what its column holds: a role, or `None` for a
    /// column kept as the table's own. Read before the synonyms, so an unusual header can be
    /// named and a misread one corrected.
    pub columns: Vec<(String, Option<crate::columns::Role>)>,
}

/// The facts a table's title and intro give, once overrides are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub government: String,
    pub year: i16,
    pub period: Period,
    pub declared_total: Option<u32>,
}

static GOVERNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\p{Han}{2,}?(?:人民政府|管委会|管理委员会))").expect("valid regex")
});
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("valid regex"));
static PERIOD_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(前?第?[一二三四1-4]季度|上半年|下半年|全年|年底|年终|\d{1,2}\s*[-—–~至]\s*\d{1,2}\s*月|[一二三四五六七八九十]{1,2}月份?|\d{1,2}月份)",
    )
    .expect("valid regex")
});
static DECLARED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:确定的?|共|计|合计)\s*(\d{1,5})\s*项").expect("valid regex"));

/// Reads the facts from a title, its intro and (when there is one) the period word in the
/// progress column's header, which is the most specific of all.
pub fn read(
    title: &str,
    intro: &str,
    header_word: Option<&str>,
    overrides: &Overrides,
) -> Result<Meta, ImportError> {
    let year = match YEAR.captures(title).or_else(|| YEAR.captures(intro)) {
        Some(c) => c[1]
            .parse()
            .map_err(|_| ImportError::new(ImportErrorKind::NoYear))?,
        None => match overrides.period {
            Some(p) => p.year(),
            None => return Err(ImportError::new(ImportErrorKind::NoYear)),
        },
    };
    let period = match (overrides.period, header_word) {
        (Some(p), _) => p,
        (None, Some(word)) => Period::from_word(year, word)
            .map_err(|e| ImportError::new(ImportErrorKind::BadPeriod(e.to_string())))?,
        (None, None) => {
            // Titles put the year first (…2023年经济社会发展责任目标三季度…), so look after it.
            let after_year = YEAR.find(title).map_or(title, |m| &title[m.end()..]);
            let word = PERIOD_WORD
                .find(after_year)
                .ok_or_else(|| ImportError::new(ImportErrorKind::NoPeriod))?;
            Period::from_word(year, word.as_str())
                .map_err(|e| ImportError::new(ImportErrorKind::BadPeriod(e.to_string())))?
        }
    };
    let government = match &overrides.government {
        Some(g) => g.clone(),
        None => GOVERNMENT
            .captures(title)
            .or_else(|| GOVERNMENT.captures(intro))
            .map(|c| c[1].to_owned())
            .ok_or_else(|| ImportError::new(ImportErrorKind::NoGovernment))?,
    };
    let declared_total = DECLARED
        .captures(intro)
        .or_else(|| DECLARED.captures(title))
        .and_then(|c| c[1].parse().ok());
    Ok(Meta {
        government,
        year,
        period,
        declared_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = "菏泽市人民政府2023年经济社会发展责任目标三季度工作推进情况一览表";

    #[test]
    fn reads_the_heze_title() {
        let m = read(
            TITLE,
            "对2023年《政府工作报告》确定的200项经济社会发展责任目标",
            None,
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(m.government, "菏泽市人民政府");
        assert_eq!(m.year, 2023);
        assert_eq!(m.period.to_string(), "2023Q3");
        assert_eq!(m.declared_total, Some(200));
    }

    #[test]
    fn header_word_and_overrides_win() {
        let m = read(TITLE, "", Some("上半年"), &Overrides::default()).unwrap();
        assert_eq!(m.period.to_string(), "2023H1");
        assert_eq!(m.declared_total, None);
        let o = Overrides {
            period: Some("2023M10".parse().unwrap()),
            government: Some("某县人民政府".into()),
            ..Overrides::default()
        };
        let m = read(TITLE, "", Some("上半年"), &o).unwrap();
        assert_eq!(
            (m.period.to_string(), m.government.as_str()),
            ("2023M10".into(), "某县人民政府")
        );
    }

    #[test]
    fn other_titles() {
        let m = read(
            "济宁市人民政府2024年重点工作1-10月推进情况",
            "",
            None,
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(m.period.to_string(), "2024M10");
        let m = read(
            "2022年市政府工作报告责任目标全年完成情况（某某市人民政府办公室）",
            "",
            None,
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(m.period.to_string(), "2022");
        assert_eq!(m.government, "某某市人民政府");
    }

    #[test]
    fn says_what_it_cannot_tell() {
        let e = read("2023年责任目标一览表", "", None, &Overrides::default()).unwrap_err();
        assert_eq!(e.kind, ImportErrorKind::NoPeriod);
        let e = read(
            "某市人民政府责任目标三季度",
            "",
            None,
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind, ImportErrorKind::NoYear);
        let e = read("2023年三季度责任目标", "", None, &Overrides::default()).unwrap_err();
        assert_eq!(e.kind, ImportErrorKind::NoGovernment);
        let e = read(TITLE, "", Some("五季度"), &Overrides::default()).unwrap_err();
        assert!(matches!(e.kind, ImportErrorKind::BadPeriod(_)), "{e}");
    }
}
