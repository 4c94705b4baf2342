//! 年度计划: a government's numbered targets (责任目标) for a year, each answered for by one or
//! more entries (承办条目) of leaders and units.

use crate::{Deadline, EntryId, Leader, PlanId, TargetId, Unit};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A target's number (序号) within its plan, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TargetNo(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a target number (序号): expected a whole number from 1")]
pub struct TargetNoError(pub String);

impl TargetNo {
    pub fn new(n: u32) -> Result<TargetNo, TargetNoError> {
        if n == 0 {
            Err(TargetNoError(n.to_string()))
        } else {
            Ok(TargetNo(n))
        }
    }

    /// Reads 序号 as written in a cell: "12", "12." or "１２" (full-width digits, as some
    /// offices type them).
    pub fn parse(cell: &str) -> Result<TargetNo, TargetNoError> {
        let err = || TargetNoError(cell.to_owned());
        let ascii: String = cell
            .trim()
            .trim_end_matches(['.', '、', '．'])
            .chars()
            .map(|c| match c {
                '０'..='９' => {
                    char::from_u32(u32::from(c) - 0xFF10 + u32::from('0')).unwrap_or(c)
                }
                c => c,
            })
            .collect();
        if ascii.is_empty() || !ascii.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        ascii
            .parse()
            .ok()
            .and_then(|n| TargetNo::new(n).ok())
            .ok_or_else(err)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for TargetNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One government's plan for one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: PlanId,
    /// The government as it names itself (菏泽市人民政府).
    pub government: String,
    pub year: i16,
    /// How many targets the Government Work Report set (确定的200项), when a document says.
    pub declared_total: Option<u32>,
}

/// A numbered target (责任目标).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: TargetId,
    pub no: TargetNo,
    /// The target text, exactly as published; it may be empty when the source lost it.
    pub content: String,
    pub deadline: Deadline,
    pub entries: Vec<Entry>,
}

/// A group of leaders and units answering for a target (承办条目).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: EntryId,
    /// 0-based, in the source's order.
    pub position: u32,
    pub leaders: Vec<Leader>,
    /// The first unit leads (牵头单位); the others assist.
    pub units: Vec<Unit>,
}

impl Entry {
    /// The lead unit (牵头单位), whose report this entry's is.
    pub fn lead_unit(&self) -> Option<&Unit> {
        self.units.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_numbers() {
        assert_eq!(TargetNo::parse(" 12 ").unwrap().get(), 12);
        assert_eq!(TargetNo::parse("１２").unwrap().get(), 12);
        assert_eq!(TargetNo::parse("7、").unwrap().get(), 7);
        for bad in ["", "0", "1a", "十二", "-3", "肖友华", "99999999999"] {
            assert!(TargetNo::parse(bad).is_err(), "{bad}");
        }
    }
}
