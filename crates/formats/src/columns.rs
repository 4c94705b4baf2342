//! The columns of a progress table and the words offices write in their headers.
//!
//! Every importer recognises a header row through [`Role::of_header`], so that one list of
//! synonyms serves text, CSV and XLSX alike.

/// The code of a column mapped by hand as the table's own (kept under `extra`).
pub const OWN: &str = "own";

/// What a column mapped by hand holds, by its code: a role's ([`Role::code`]), or [`OWN`].
pub fn choice(code: &str) -> Result<Option<Role>, String> {
    match code.trim() {
        OWN => Ok(None),
        c => Role::from_code(c).map(Some).ok_or_else(|| {
            let codes: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
            format!(
                "“{c}” is not a column: one of {}, or {OWN}",
                codes.join(", ")
            )
        }),
    }
}

/// `HEADER=CODE`, as `duban import --column` takes it.
pub fn header_choice(arg: &str) -> Result<(String, Option<Role>), String> {
    let (header, code) = arg.rsplit_once('=').ok_or_else(|| {
        format!("“{arg}”: write the header, =, and what it holds (目标事项=content)")
    })?;
    if header.trim().is_empty() {
        return Err(format!("“{arg}”: the header is empty"));
    }
    Ok((header.trim().to_owned(), choice(code)?))
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 序号
    No,
    /// 市政府领导
    Leaders,
    /// 责任目标内容
    Content,
    /// 完成时限
    Deadline,
    /// X季度完成情况
    Progress,
    /// 是否按计划完成进度
    OnSchedule,
    /// 责任单位 / 牵头单位: the first listed leads.
    Units,
    /// 配合单位
    AssistingUnits,
    /// 存在问题
    Problems,
    /// 下步打算
    NextSteps,
    /// 备注
    Remarks,
}

impl Role {
    /// Every role, in the order duban writes its columns: the seven of the 菏泽 table first.
    pub const ALL: [Role; 11] = [
        Role::No,
        Role::Leaders,
        Role::Content,
        Role::Deadline,
        Role::Progress,
        Role::OnSchedule,
        Role::Units,
        Role::AssistingUnits,
        Role::Problems,
        Role::NextSteps,
        Role::Remarks,
    ];

    /// Whether a merged cell of this column belongs to every row it spans (an entry's cells), or
    /// only to its first (a target's 序号, text and deadline, whose empty cells below make the
    /// rows one target's entries).
    pub fn is_entrys(self) -> bool {
        !matches!(self, Role::No | Role::Content | Role::Deadline)
    }

    /// The official header word, as the 菏泽 table writes it.
    pub fn official(self) -> &'static str {
        match self {
            Role::No => "序号",
            Role::Leaders => "市政府领导",
            Role::Content => "责任目标内容",
            Role::Deadline => "完成时限",
            Role::Progress => "完成情况",
            Role::OnSchedule => "是否按计划完成进度",
            Role::Units => "责任单位",
            Role::AssistingUnits => "配合单位",
            Role::Problems => "存在问题",
            Role::NextSteps => "下步打算",
            Role::Remarks => "备注",
        }
    }

    /// The role's name in a form or on the command line (`--column 目标=content`).
    pub fn code(self) -> &'static str {
        match self {
            Role::No => "no",
            Role::Leaders => "leaders",
            Role::Content => "content",
            Role::Deadline => "deadline",
            Role::Progress => "progress",
            Role::OnSchedule => "on_schedule",
            Role::Units => "units",
            Role::AssistingUnits => "assisting_units",
            Role::Problems => "problems",
            Role::NextSteps => "next_steps",
            Role::Remarks => "remarks",
        }
    }

    /// The role a [`Role::code`] names.
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Recognises a header cell as the caller mapped it, else by its words
    /// ([`Role::of_header`]). `Some(None)` from the caller keeps the column as the table's own.
    pub fn of_header_with(
        cell: &str,
        by_hand: &[(String, Option<Role>)],
    ) -> Option<(Role, Option<String>)> {
        let bare = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let cell_bare = bare(cell);
        match by_hand
            .iter()
            .find(|(h, _)| !cell_bare.is_empty() && bare(h) == cell_bare)
        {
            Some((_, Some(role))) => {
                // The period word of a progress column still comes from its own words.
                let word = Role::of_header(cell)
                    .filter(|(r, _)| r == role)
                    .and_then(|(_, w)| w);
                Some((*role, word))
            }
            Some((_, None)) => None,
            None => Role::of_header(cell),
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::No => "No.",
            Role::Leaders => "City leaders",
            Role::Content => "Target",
            Role::Deadline => "Deadline",
            Role::Progress => "Progress",
            Role::OnSchedule => "On schedule",
            Role::Units => "Responsible units",
            Role::AssistingUnits => "Assisting units",
            Role::Problems => "Problems",
            Role::NextSteps => "Next steps",
            Role::Remarks => "Remarks",
        }
    }

    /// Recognises a header cell. For the progress column it also returns the period word that
    /// precedes 完成情况 ("三季度" in 三季度完成情况), which may be empty.
    pub fn of_header(cell: &str) -> Option<(Role, Option<String>)> {
        let w: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
        let role = match w.as_str() {
            "序号" | "编号" => Role::No,
            "市政府领导" | "分管市领导" | "责任领导" | "分管领导" | "市领导" | "责任市领导"
            | "牵头领导" | "县政府领导" | "区政府领导" | "分管县领导" | "分管区领导"
            | "责任县领导" | "责任区领导" | "包保领导" => Role::Leaders,
            "责任目标内容" | "目标任务" | "工作任务" | "目标内容" | "项目内容" | "责任目标"
            | "重点任务" | "任务内容" | "工作内容" | "重点工作" => Role::Content,
            "完成时限" | "时限" | "完成时间" | "完成期限" | "时间节点" => {
                Role::Deadline
            }
            "是否按计划完成进度"
            | "是否按时序推进"
            | "是否按期"
            | "是否按计划推进"
            | "是否按序时推进"
            | "是否达到序时进度"
            | "是否按时序进度" => Role::OnSchedule,
            "责任单位" | "牵头单位" | "责任部门" | "承办单位" | "主办单位" | "牵头部门"
            | "牵头责任单位" => Role::Units,
            "配合单位" | "协办单位" | "配合部门" | "协助单位" | "参与单位" | "协同单位"
            | "配合责任单位" => Role::AssistingUnits,
            "存在问题"
            | "困难问题"
            | "存在的问题"
            | "存在困难"
            | "困难和问题"
            | "存在问题及原因"
            | "问题及困难" => Role::Problems,
            "下步打算"
            | "下一步工作"
            | "下步工作"
            | "下一步打算"
            | "下步计划"
            | "下一步计划"
            | "下步措施"
            | "下一步措施"
            | "下步工作打算"
            | "下一步工作打算" => Role::NextSteps,
            "备注" | "说明" => Role::Remarks,
            "工作进展" | "进展" => {
                return Some((Role::Progress, None));
            }
            _ => {
                for suffix in [
                    "完成情况",
                    "进展情况",
                    "落实情况",
                    "推进情况",
                    "当前进度",
                    "形象进度",
                    "完成进度",
                ] {
                    if let Some(word) = w.strip_suffix(suffix) {
                        let word = word.trim_start_matches(['（', '(']);
                        return Some((Role::Progress, (!word.is_empty()).then(|| word.to_owned())));
                    }
                }
                return None;
            }
        };
        Some((role, None))
    }
}

/// Whether a progress header names a percentage (形象进度, 当前进度 "80%（…）"), whose cells give
/// `progress_percent` when they open with one.
pub fn is_percent_header(cell: &str) -> bool {
    let w: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    ["当前进度", "形象进度", "完成进度"]
        .iter()
        .any(|s| w.ends_with(s))
}

/// The roles a header must have for the table to be read at all.
pub const REQUIRED: [Role; 4] = [Role::No, Role::Content, Role::Progress, Role::Units];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_synonyms_and_the_period_word() {
        assert_eq!(Role::of_header("序号"), Some((Role::No, None)));
        assert_eq!(Role::of_header("分管市领导"), Some((Role::Leaders, None)));
        assert_eq!(
            Role::of_header("三季度完成情况"),
            Some((Role::Progress, Some("三季度".into())))
        );
        assert_eq!(Role::of_header("完成情况"), Some((Role::Progress, None)));
        assert_eq!(
            Role::of_header("是否按计划完成 进度"),
            Some((Role::OnSchedule, None))
        );
        assert_eq!(Role::of_header("备注"), Some((Role::Remarks, None)));
        assert_eq!(Role::of_header("责任人"), None);
        assert_eq!(
            Role::of_header("三季度当前进度"),
            Some((Role::Progress, Some("三季度".into())))
        );
        assert!(is_percent_header("形象进度") && !is_percent_header("三季度完成情况"));
        // The words county and 民生实事 tables use.
        for (header, role) in [
            ("县政府领导", Role::Leaders),
            ("重点任务", Role::Content),
            ("时间节点", Role::Deadline),
            ("是否达到序时进度", Role::OnSchedule),
            ("主办单位", Role::Units),
            ("工作进展", Role::Progress),
            ("当前进度", Role::Progress),
            ("协办单位", Role::AssistingUnits),
            ("困难问题", Role::Problems),
            ("下一步工作", Role::NextSteps),
        ] {
            assert_eq!(Role::of_header(header), Some((role, None)), "{header}");
        }
    }
}
