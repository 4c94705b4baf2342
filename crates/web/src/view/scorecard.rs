//! The year's scorecard (通报): every lead unit ranked by how its reports came in and what the
//! checks say of them, over the newest publication of each of the year's rounds. Pure: built
//! from the publications' tables and their checks.
//!
//! The rule, printed on the page: units are ranked by their on-time rate (reports submitted by
//! the due date, of those the rounds collected here asked of them), then by the fewest entries
//! whose 是 the figures do not support, then by the fewest entries with missing, copied,
//! restated or off-topic text, then by name. Rounds imported from another system say nothing of
//! timeliness: their entries count for the checks only.

use duban_checks::{CheckReport, Rule, Severity};
use duban_core::Table;
use std::collections::{BTreeMap, HashSet};

/// One lead unit's year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitScore {
    pub unit: String,
    /// Entries it leads, over the year's rounds.
    pub entries: usize,
    /// Of those, in rounds collected here: submitted by the due date, after it, never.
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    /// Times its reports were returned.
    pub returned: u32,
    /// Entries answered 是 whose own figures say behind.
    pub not_supported: usize,
    /// Entries with missing, copied, restated or off-topic text.
    pub damaged: usize,
}

impl UnitScore {
    /// Reports asked of it in rounds collected here.
    pub fn collected(&self) -> usize {
        self.on_time + self.late + self.missing
    }

    /// On time, in tenths of a percent, rounded (so ranks compare exactly, as printed); `None`
    /// without a collected round.
    pub fn on_time_permille(&self) -> Option<usize> {
        let c = self.collected();
        (c > 0).then(|| (self.on_time * 1000 + c / 2) / c)
    }

    /// "87.5%", or "—" when no round collected here asked anything of it.
    pub fn on_time_rate(&self) -> String {
        match self.on_time_permille() {
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".to_owned(),
        }
    }
}

/// Scores of every lead unit over `rounds` (each a table with its checks), ranked.
pub fn scores(rounds: &[(&Table, &CheckReport)]) -> Vec<UnitScore> {
    let mut by: BTreeMap<String, UnitScore> = BTreeMap::new();
    for (table, checks) in rounds {
        let mut unsupported: HashSet<(u32, usize)> = HashSet::new();
        let mut damaged: HashSet<(u32, Option<usize>)> = HashSet::new();
        for f in &checks.findings {
            if f.severity == Severity::Info {
                continue;
            }
            if f.rule == Rule::ClaimNotSupported
                && let Some(e) = f.entry
            {
                unsupported.insert((f.target_no, e));
            }
            if f.rule.is_damage_or_copy() {
                damaged.insert((f.target_no, f.entry));
            }
        }
        for t in &table.targets {
            let no = t.no.get();
            for (i, e) in t.entries.iter().enumerate() {
                let Some(lead) = e.units.first() else {
                    continue;
                };
                let s = by
                    .entry(lead.as_str().to_owned())
                    .or_insert_with(|| UnitScore {
                        unit: lead.as_str().to_owned(),
                        ..UnitScore::default()
                    });
                s.entries += 1;
                if let Some(t) = &e.timeliness {
                    match (&t.submitted_at, t.late) {
                        (None, _) => s.missing += 1,
                        (Some(_), true) => s.late += 1,
                        (Some(_), false) => s.on_time += 1,
                    }
                    s.returned += t.returned;
                }
                s.not_supported += usize::from(unsupported.contains(&(no, i)));
                s.damaged +=
                    usize::from(damaged.contains(&(no, Some(i))) || damaged.contains(&(no, None)));
            }
        }
    }
    let mut all: Vec<UnitScore> = by.into_values().collect();
    all.sort_by(|a, b| {
        // No collected round ranks after every unit that had one.
        b.on_time_permille()
            .map_or(-1, |p| p as i64)
            .cmp(&a.on_time_permille().map_or(-1, |p| p as i64))
            .then(a.not_supported.cmp(&b.not_supported))
            .then(a.damaged.cmp(&b.damaged))
            .then_with(|| a.unit.cmp(&b.unit))
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_core::Timeliness;

    #[test]
    fn ranks_by_timeliness_then_by_what_the_checks_say() {
        let mut table = duban_formats::twoup::read(
            include_str!("../../../../fixtures/heze-2023-q3.txt"),
            &duban_formats::twoup::ReadOptions::default(),
        )
        .unwrap();
        // Make it a round collected here: 市财政局 late once, 市发展改革委 missing once and
        // returned twice, everyone else on time.
        let mut seen = (false, false);
        for t in &mut table.targets {
            for e in &mut t.entries {
                let lead = e.units[0].as_str().to_owned();
                let mut tl = Timeliness {
                    submitted_at: Some("2023-10-05T00:00:00.000Z".into()),
                    late: false,
                    returned: 0,
                };
                if lead == "市财政局" && !seen.0 {
                    tl.late = true;
                    seen.0 = true;
                }
                if lead == "市发展改革委" && !seen.1 {
                    tl.submitted_at = None;
                    tl.returned = 2;
                    seen.1 = true;
                }
                e.timeliness = Some(tl);
            }
        }
        let checks = duban_checks::check_table(&table);
        let all = scores(&[(&table, &checks)]);
        let of = |u: &str| all.iter().find(|s| s.unit == u).unwrap().clone();
        let fgw = of("市发展改革委");
        assert_eq!((fgw.missing, fgw.late, fgw.returned), (1, 0, 2));
        assert_eq!(fgw.on_time, fgw.entries - 1);
        assert_eq!(
            fgw.not_supported, checks.summary.claims_not_supported,
            "all three are 市发展改革委's"
        );
        let czj = of("市财政局");
        assert_eq!((czj.late, czj.missing), (1, 0));
        // Everyone on time ranks above both; 市发展改革委 and 市财政局 by their rates.
        let pos = |u: &str| all.iter().position(|s| s.unit == u).unwrap();
        assert!(all[0].on_time_permille() == Some(1000));
        assert!(pos("市财政局") > 0 && pos("市发展改革委") > 0);
        let total: usize = all.iter().map(|s| s.entries).sum();
        assert_eq!(total, table.entry_count());
        assert_eq!(
            of("市财政局").on_time_rate(),
            format!(
                "{}.{}%",
                czj.on_time * 1000 / czj.entries / 10,
                czj.on_time * 1000 / czj.entries % 10
            )
        );
    }
}
