//! The words pages show, in Chinese first and English on request (`?lang=en`).
//!
//! Data (target texts, narratives, names) is never translated: it is shown exactly as published.
//! The language is chosen by the URL rather than `Accept-Language`, so every rendered page is
//! one immutable resource that caches and links cleanly.

use duban_core::Period;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_query(q: Option<&str>) -> Lang {
        match q {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The query string that keeps this language on links (empty for the default).
    pub fn query(self) -> &'static str {
        match self {
            Lang::Zh => "",
            Lang::En => "?lang=en",
        }
    }

    pub fn period_label(self, p: Period) -> String {
        match self {
            Lang::Zh => p.label_zh(),
            Lang::En => p.label_en(),
        }
    }
}

/// The page chrome and column labels for one language.
#[derive(Debug, Clone)]
pub struct Labels {
    /// What the government's links start with (see `crate::government::Gov::base`).
    pub base: String,
    /// The government's home page: `/` while the deployment holds only it.
    pub home_href: String,
    /// Whether the header links to a search: not on the list of several governments, where
    /// no one government's search is meant.
    pub search_nav: bool,
    pub html_lang: &'static str,
    pub query: &'static str,
    pub other_lang_href: String,
    pub other_lang_code: &'static str,
    pub other_lang_name: &'static str,
    pub site: &'static str,
    /// What the site is, for search engines and link previews (`<meta name="description">`).
    pub description: &'static str,
    pub home: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    /// The home page of a deployment holding several governments.
    pub governments_intro: &'static str,
    pub latest_round: &'static str,
    pub nothing_published: &'static str,
    pub published_at: &'static str,
    pub hash: &'static str,
    pub previous: &'static str,
    pub permalink: &'static str,
    pub superseded_note: &'static str,
    pub see_latest: &'static str,
    pub col_no: &'static str,
    pub col_leaders: &'static str,
    pub col_content: &'static str,
    pub col_deadline: &'static str,
    pub col_on_schedule: &'static str,
    pub col_units: &'static str,
    pub empty_content: &'static str,
    pub not_reported: &'static str,
    /// In the answer column, for an entry of a table that asks no 是否按计划.
    pub not_asked: &'static str,
    /// Before the 配合单位 in the units cell.
    pub assisting: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub footer: &'static str,
    pub checks_title: &'static str,
    pub download: &'static str,
    pub checks_disclaimer: &'static str,
    /// The tooltip on a target's number: its page across rounds.
    pub follow: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub search_all_periods: &'static str,
    pub search_none: &'static str,
    pub search_found: &'static str,
    pub search_previous: &'static str,
    pub search_next: &'static str,
    /// The link to the open-data bundle, and what it is.
    pub bundle: &'static str,
    pub bundle_note: &'static str,
    /// The Atom feeds a page offers (`<link rel="alternate">` in its head); none by default.
    pub feeds: Vec<FeedLink>,
    pub subscribe: &'static str,
    /// 群众监督: the messages on a target and the form to leave one.
    pub message_title: &'static str,
    pub message_received: &'static str,
    pub message_back: &'static str,
    pub message_body: &'static str,
    pub message_name: &'static str,
    pub message_contact: &'static str,
    pub message_send: &'static str,
    pub message_rules: &'static str,
    pub required: &'static str,
    pub messages_heading: &'static str,
    pub message_reply: &'static str,
    pub messages_none: &'static str,
}

/// An Atom feed a page links to.
#[derive(Debug, Clone)]
pub struct FeedLink {
    pub title: String,
    pub href: String,
}

impl Labels {
    /// The same labels, with links under a government's `base`.
    pub fn under(mut self, base: &str) -> Labels {
        if !base.is_empty() {
            self.base = base.to_owned();
            self.home_href = base.to_owned();
        }
        self
    }

    /// The same labels, offering a feed at `href` (a path the site serves).
    pub fn with_feed(mut self, title: impl Into<String>, href: String) -> Labels {
        self.feeds.push(FeedLink {
            title: title.into(),
            href: format!("{href}{}", self.query),
        });
        self
    }

    /// The government's feed of new publications.
    pub fn with_publications_feed(self) -> Labels {
        let href = format!("{}/feeds/publications.atom", self.base);
        let title = match self.html_lang {
            "en" => "New publications",
            _ => "新公开的一览表",
        };
        self.with_feed(title, href)
    }

    /// Labels for `lang`, on the page at `path` (for the link to the other language).
    pub fn new(lang: Lang, path: &str) -> Labels {
        let other = match lang {
            Lang::Zh => format!("{path}?lang=en"),
            Lang::En => path.to_owned(),
        };
        match lang {
            Lang::Zh => Labels {
                base: String::new(),
                home_href: "/".to_owned(),
                search_nav: true,
                html_lang: "zh-CN",
                query: lang.query(),
                other_lang_href: other,
                other_lang_code: "en",
                other_lang_name: "English",
                site: "督办 · 责任目标公开",
                description: "政府工作报告责任目标的推进情况一览表，逐季公开，接受群众监督；可检索、下载与核验。",
                home: "首页",
                home_title: "责任目标工作推进情况公开",
                governments_intro: "本平台公开以下政府的责任目标推进情况，请选择：",
                latest_round: "最新一期：",
                home_intro: "以下为已公开的各轮调度一览表。每次公开均不可更改，并以 SHA-256 哈希链相连，可供核验。",
                nothing_published: "尚无公开的一览表。",
                published_at: "公开于",
                hash: "SHA-256",
                previous: "上一公开",
                permalink: "本版本固定链接",
                superseded_note: "本版本已被更正后的版本取代。",
                see_latest: "查看最新版本",
                col_no: "序号",
                col_leaders: "市政府领导",
                col_content: "责任目标内容",
                col_deadline: "完成时限",
                col_on_schedule: "是否按计划完成进度",
                col_units: "责任单位",
                empty_content: "（原表此处无内容）",
                not_reported: "未报送",
                not_asked: "—",
                assisting: "配合：",
                yes: "是",
                no: "否",
                footer: "督办 duban · 数据按原样公开，接受群众监督",
                checks_title: "自动核查",
                download: "下载",
                checks_disclaimer: "（由系统根据表中数字与文字自动生成，供阅读参考，不改变原表内容，也不代表官方结论。）",
                follow: "查看该目标各轮进展",
                search: "检索",
                search_hint: "目标、完成情况、领导或单位中的字词，如：储备粮",
                search_all_periods: "全部期次",
                search_none: "没有找到已公开的相关内容。",
                search_found: "条结果（仅检索已公开内容）",
                search_previous: "上一页",
                search_next: "下一页",
                bundle: "下载全部公开数据（数据包）",
                bundle_note: "全部公开版本的 JSON 与 CSV、哈希链清单；可用 sha256sum 或 duban verify --bundle 离线核验。",
                feeds: Vec::new(),
                subscribe: "订阅更新（Atom）",
                message_title: "群众留言",
                message_received: "留言已收到。经办公室审核后将在本目标页面公开，答复会显示在留言下方。",
                message_back: "返回目标页面",
                message_body: "留言内容",
                message_name: "署名（可选，将随留言公开）",
                message_contact: "联系方式（可选，仅办公室可见，不公开）",
                message_send: "提交留言",
                message_rules: "留言经审核后公开；仅显示文字，链接不可点击。每个地址每小时最多 5 条。",
                required: "（必填）",
                messages_heading: "群众留言与答复",
                message_reply: "答复",
                messages_none: "暂无公开的留言。",
            },
            Lang::En => Labels {
                base: String::new(),
                home_href: "/".to_owned(),
                search_nav: true,
                html_lang: "en",
                query: lang.query(),
                other_lang_href: other,
                other_lang_code: "zh-CN",
                other_lang_name: "中文",
                site: "duban · Government targets, in public",
                description: "Quarterly progress on the targets of the government work report, published for public supervision: searchable, downloadable, verifiable.",
                home: "Home",
                home_title: "Progress on government targets",
                governments_intro: "This site publishes the targets of these governments; choose one:",
                latest_round: "Latest:",
                home_intro: "Published progress tables, one per reporting round. Each publication is immutable and linked to the previous one by a SHA-256 hash chain.",
                nothing_published: "Nothing has been published yet.",
                published_at: "Published",
                hash: "SHA-256",
                previous: "previous",
                permalink: "permanent link to this version",
                superseded_note: "This version was superseded by a correction.",
                see_latest: "See the latest version",
                col_no: "No.",
                col_leaders: "City leaders",
                col_content: "Target",
                col_deadline: "Deadline",
                col_on_schedule: "On schedule",
                col_units: "Responsible units",
                empty_content: "(no text in the original)",
                not_reported: "not reported",
                not_asked: "—",
                assisting: "Assisting:",
                yes: "是 (yes)",
                no: "否 (no)",
                footer: "duban · data shown exactly as published by the government",
                checks_title: "Automatic check",
                download: "Download",
                checks_disclaimer: "(Generated by software from the table's own figures and text; a reading aid that changes nothing in the table and is not an official finding.)",
                follow: "This target across the year's rounds",
                search: "Search",
                search_hint: "Words in a target, its progress, leaders or units, e.g. 储备粮",
                search_all_periods: "all periods",
                search_none: "Nothing published matches.",
                search_found: "results (published content only)",
                search_previous: "Previous",
                search_next: "Next",
                bundle: "Download all published data (bundle)",
                bundle_note: "Every publication's JSON and CSV with a manifest of the hash chain; check it offline with sha256sum or duban verify --bundle.",
                feeds: Vec::new(),
                subscribe: "Follow (Atom feed)",
                message_title: "Messages",
                message_received: "Your message was received. Once the office has reviewed it, it is published on this target's page with any reply beneath it.",
                message_back: "Back to the target",
                message_body: "Your message",
                message_name: "Name (optional, published with the message)",
                message_contact: "Contact (optional, seen by the office only, never published)",
                message_send: "Send",
                message_rules: "Messages are published after review, as plain text (links are not made clickable). At most 5 an hour from one address.",
                required: "(required)",
                messages_heading: "Messages and replies",
                message_reply: "Reply",
                messages_none: "No published messages yet.",
            },
        }
    }
}

/// The progress column's header for a period, as governments write it (三季度完成情况).
pub fn progress_header(lang: Lang, p: Period) -> String {
    match lang {
        Lang::Zh => format!("{}完成情况", p.progress_word()),
        Lang::En => format!("Progress ({})", p.label_en()),
    }
}

/// How an answer to 是否按计划完成进度 reads, and its CSS class: 是, 否, 未报送 (asked, not
/// answered), or a dash for an entry of a table that asks no such question.
pub fn answer(lang: Lang, on_schedule: Option<Option<bool>>) -> (&'static str, &'static str) {
    match (on_schedule, lang) {
        (Some(Some(true)), Lang::Zh) => ("是", "yes"),
        (Some(Some(false)), Lang::Zh) => ("否", "no"),
        (Some(None), Lang::Zh) => ("未报送", "missing"),
        (Some(Some(true)), Lang::En) => ("是 (yes)", "yes"),
        (Some(Some(false)), Lang::En) => ("否 (no)", "no"),
        (Some(None), Lang::En) => ("not reported", "missing"),
        (None, _) => ("—", "not-asked"),
    }
}
