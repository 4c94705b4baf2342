//! The short names people use for government bodies (发改委 for 市发展改革委), so that a search
//! for a short name finds the unit. Offices name their units in full and differently (发展改革委,
//! 发展和改革委员会), and citizens and the press write the short form; neither is wrong, so the
//! mapping is a list of short forms and the fragments of full names they stand for. An office
//! adds its own (a local body, a nickname) beside these; see `duban alias add`.

/// Short form → fragments of the full names it stands for. A unit's name containing a fragment
/// answers to the short form (市发展改革委 and 郓城县发展改革委 both answer to 发改委).
pub const BUILTIN: &[(&str, &[&str])] = &[
    (
        "发改委",
        &[
            "发展改革委",
            "发展和改革委员会",
            "发展和改革局",
            "发展改革局",
        ],
    ),
    ("发改局", &["发展改革局", "发展和改革局"]),
    ("住建局", &["住房城乡建设局", "住房和城乡建设局"]),
    ("人社局", &["人力资源社会保障局", "人力资源和社会保障局"]),
    ("卫健委", &["卫生健康委", "卫生健康委员会"]),
    ("卫健局", &["卫生健康局"]),
    ("市场监管局", &["市场监督管理局"]),
    ("工信局", &["工业和信息化局"]),
    ("文旅局", &["文化和旅游局", "文化旅游局"]),
    ("自规局", &["自然资源和规划局"]),
    ("自然资源局", &["自然资源和规划局"]),
    ("应急局", &["应急管理局"]),
    ("医保局", &["医疗保障局"]),
    ("交通局", &["交通运输局"]),
    ("城管局", &["城市管理局", "综合行政执法局"]),
    ("审批局", &["行政审批服务局", "行政审批局"]),
    ("退役军人局", &["退役军人事务局"]),
    ("国资委", &["国有资产监督管理委员会", "国资委"]),
    ("环保局", &["生态环境局"]),
    ("科技局", &["科学技术局"]),
    ("统计局", &["统计局"]),
    ("政府办", &["政府办公室", "政府办"]),
    ("大数据局", &["大数据局", "大数据中心"]),
];

/// Whether `word` is a built-in short form at all.
pub fn is_short_form(word: &str) -> bool {
    BUILTIN.iter().any(|(short, _)| *short == word)
}

/// Whether a unit's name answers to `word` as a built-in short form: `unit` contains one of the
/// fragments the short form stands for. A word that is not a short form answers to nothing
/// here (a plain word is found in the text instead).
pub fn answers_to(word: &str, unit: &str) -> bool {
    BUILTIN
        .iter()
        .filter(|(short, _)| *short == word)
        .any(|(_, fragments)| fragments.iter().any(|f| unit.contains(f)))
}

/// The units among `units` a word stands for: those answering to it as a built-in short form,
/// and those an office alias (`(alias, unit)` pairs) names with it. Empty when the word is not
/// an alias of any of them.
pub fn units_for<'u>(word: &str, units: &'u [String], office: &[(String, String)]) -> Vec<&'u str> {
    units
        .iter()
        .filter(|u| {
            answers_to(word, u)
                || office
                    .iter()
                    .any(|(alias, unit)| alias == word && unit == *u)
        })
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_find_full_names() {
        let units: Vec<String> = [
            "市发展改革委",
            "郓城县发展和改革局",
            "市财政局",
            "市住房城乡建设局",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            units_for("发改委", &units, &[]),
            ["市发展改革委", "郓城县发展和改革局"]
        );
        assert_eq!(units_for("住建局", &units, &[]), ["市住房城乡建设局"]);
        // A plain word, or a full name, is no alias.
        assert!(units_for("财政局", &units, &[]).is_empty());
        assert!(units_for("储备粮", &units, &[]).is_empty());
        assert!(is_short_form("发改委") && !is_short_form("财政局"));
        // The office's own.
        let office = [("粮食局".to_owned(), "市发展改革委".to_owned())];
        assert_eq!(units_for("粮食局", &units, &office), ["市发展改革委"]);
        // Every short form stands for something.
        assert!(BUILTIN.iter().all(|(s, f)| !s.is_empty() && !f.is_empty()));
    }
}
