//! Atom feeds (RFC 4287), written with `atom_syndication` rather than by hand so every text is
//! escaped the way XML needs: a government's publications, one target across its rounds, and one
//! unit's targets in each publication.
//!
//! Links are relative to the site (`/g/371700/tables/2023Q3`), which Atom allows and readers
//! resolve against the feed's own address, so the bytes do not depend on the host a request
//! named and each feed is rendered once per head of the chain. Entry ids are `urn:duban:` names
//! built from the publication hash: they never change, and a correction is a new entry.

use crate::view::escape_html;
use crate::view::i18n::Lang;
use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text, TextType};
use duban_core::table::TableTarget;
use duban_core::{Government, Table};
use duban_store::PublicationSummary;

/// Feeds list the newest publications only; the bundle holds the whole record.
pub const ENTRIES: usize = 50;

/// A publication and its table, as a feed reads them.
#[derive(Debug)]
pub struct Item<'a> {
    pub summary: &'a PublicationSummary,
    pub table: &'a Table,
}

/// A name as one path segment (and as part of an id): every byte but letters and digits escaped.
pub fn encoded(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn time(rfc3339: &str) -> FixedDateTime {
    // Stored times are always RFC 3339; the epoch only stands in for a damaged one.
    FixedDateTime::parse_from_rfc3339(rfc3339).unwrap_or_default()
}

fn link(rel: &str, href: String, mime: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.to_owned(),
        mime_type: mime.map(str::to_owned),
        ..Link::default()
    }
}

fn html(value: String) -> Content {
    Content {
        value: Some(value),
        content_type: Some("html".to_owned()),
        ..Content::default()
    }
}

/// A feed around `entries` (newest first), with its own address and the page it follows.
fn feed(
    government: &str,
    id: String,
    title: String,
    self_href: String,
    page_href: String,
    entries: Vec<Entry>,
) -> String {
    let updated = entries.first().map(|e| e.updated).unwrap_or_default();
    Feed {
        id,
        title: Text::plain(title),
        updated,
        authors: vec![Person {
            name: government.to_owned(),
            ..Person::default()
        }],
        links: vec![
            link("self", self_href, Some("application/atom+xml")),
            link("alternate", page_href, Some("text/html")),
        ],
        generator: Some(atom_syndication::Generator {
            value: "duban".into(),
            ..Default::default()
        }),
        entries,
        ..Feed::default()
    }
    .to_string()
}

fn entry(id: String, title: String, summary: &PublicationSummary, href: String) -> Entry {
    let at = time(&summary.published_at);
    Entry {
        id,
        title: Text {
            value: title,
            r#type: TextType::Text,
            ..Text::default()
        },
        updated: at,
        published: Some(at),
        links: vec![link("alternate", href, Some("text/html"))],
        ..Entry::default()
    }
}

/// How a publication is named in a title: its round, and whether it corrects an earlier one.
fn round_name(lang: Lang, p: &PublicationSummary) -> String {
    let label = lang.period_label(p.period);
    match (p.supersedes.is_some(), lang) {
        (false, _) => label,
        (true, Lang::Zh) => format!("{label}（更正）"),
        (true, Lang::En) => format!("{label} (correction)"),
    }
}

fn counts_line(lang: Lang, table: &Table) -> String {
    let c = table.schedule_counts();
    match lang {
        Lang::Zh => format!(
            "目标 {} 项 · 是 {} · 否 {} · 未报送 {}",
            table.targets.len(),
            c.yes,
            c.no,
            c.missing
        ),
        Lang::En => format!(
            "{} targets · yes {} · no {} · not reported {}",
            table.targets.len(),
            c.yes,
            c.no,
            c.missing
        ),
    }
}

/// `/feeds/publications.atom`: the newest publications of a government (`items`, newest
/// first), corrections included.
pub fn publications(lang: Lang, base: &str, gov: &Government, items: &[Item]) -> String {
    let government = gov.name.as_str();
    let entries = items
        .iter()
        .take(ENTRIES)
        .map(|i| {
            let s = i.summary;
            let mut e = entry(
                format!("urn:duban:publication:{}", s.sha256),
                format!("{} · {}", s.title, round_name(lang, s)),
                s,
                format!("/publications/{}{}", s.sha256, lang.query()),
            );
            e.summary = Some(Text::plain(format!(
                "{} · SHA-256 {}",
                counts_line(lang, i.table),
                s.sha256
            )));
            e
        })
        .collect();
    let title = match lang {
        Lang::Zh => format!("{government} · 责任目标推进情况公开"),
        Lang::En => format!("{government} · published progress tables"),
    };
    let home = if base.is_empty() { "/" } else { base };
    feed(
        government,
        format!("urn:duban:feed:{}:publications", gov.code),
        title,
        format!("{base}/feeds/publications.atom{}", lang.query()),
        format!("{home}{}", lang.query()),
        entries,
    )
}

/// One table entry as HTML: the answer, leaders and units, then the progress text.
fn entries_html(lang: Lang, target: &TableTarget, out: &mut String) {
    for e in &target.entries {
        let names = |v: Vec<&str>| escape_html(&v.join("、"));
        out.push_str(&format!(
            "<p><strong>{}</strong> · {} · {}</p><p>{}</p>",
            super::i18n::answer(lang, e.on_schedule).0,
            names(e.leaders().iter().map(|l| l.as_str()).collect()),
            names(e.units.iter().map(|u| u.as_str()).collect()),
            escape_html(&e.progress)
        ));
    }
}

/// `/feeds/targets/{year}/{no}.atom`: the target in the newest publications of its year
/// (`items`: every publication, newest first); `None` when no publication holds it.
pub fn target(
    lang: Lang,
    base: &str,
    gov: &Government,
    year: i16,
    no: u32,
    items: &[Item],
) -> Option<String> {
    let government = gov.name.as_str();
    let of_year = || items.iter().filter(|i| i.summary.period.year() == year);
    let entries: Vec<Entry> = of_year()
        .filter_map(|i| {
            let t = i.table.targets.iter().find(|t| t.no.get() == no)?;
            let s = i.summary;
            let mut e = entry(
                format!("urn:duban:publication:{}:target:{no}", s.sha256),
                match lang {
                    Lang::Zh => format!("第{no}项 · {}", round_name(lang, s)),
                    Lang::En => format!("No. {no} · {}", round_name(lang, s)),
                },
                s,
                format!("/publications/{}{}#t{no}", s.sha256, lang.query()),
            );
            let mut body = format!("<p>{}</p>", escape_html(&t.content));
            entries_html(lang, t, &mut body);
            e.content = Some(html(body));
            Some(e)
        })
        .take(ENTRIES)
        .collect();
    let content = of_year()
        .find_map(|i| i.table.targets.iter().find(|t| t.no.get() == no))?
        .content
        .chars()
        .take(40)
        .collect::<String>();
    let title = match lang {
        Lang::Zh => format!("{government} {year} 第{no}项：{content}"),
        Lang::En => format!("{government} {year} No. {no}: {content}"),
    };
    Some(feed(
        government,
        format!("urn:duban:feed:{}:target:{year}:{no}", gov.code),
        title,
        format!("{base}/feeds/targets/{year}/{no}.atom{}", lang.query()),
        format!("{base}/targets/{year}/{no}{}", lang.query()),
        entries,
    ))
}

/// `/feeds/units/{name}.atom`: in the newest publications (`items`, newest first), the targets
/// a unit is named on (leading or not); `None` when no publication names it.
pub fn unit(
    lang: Lang,
    base: &str,
    gov: &Government,
    unit: &str,
    items: &[Item],
) -> Option<String> {
    let government = gov.name.as_str();
    let entries: Vec<Entry> = items
        .iter()
        .filter_map(|i| {
            let mine: Vec<&TableTarget> = i
                .table
                .targets
                .iter()
                .filter(|t| {
                    t.entries
                        .iter()
                        .any(|e| e.units.iter().any(|u| u.as_str() == unit))
                })
                .collect();
            if mine.is_empty() {
                return None;
            }
            let s = i.summary;
            let mut e = entry(
                format!("urn:duban:publication:{}:unit:{}", s.sha256, encoded(unit)),
                match lang {
                    Lang::Zh => format!("{unit} · {} · {} 项目标", round_name(lang, s), mine.len()),
                    Lang::En => {
                        format!("{unit} · {} · {} targets", round_name(lang, s), mine.len())
                    }
                },
                s,
                format!("/publications/{}{}", s.sha256, lang.query()),
            );
            let mut body = String::new();
            let year = s.period.year();
            for t in mine {
                let no = t.no;
                let label = match lang {
                    Lang::Zh => format!("第{no}项"),
                    Lang::En => format!("No. {no}"),
                };
                body.push_str(&format!(
                    "<h3><a href=\"{base}/targets/{year}/{no}{q}\">{label}</a> {content}</h3>",
                    q = lang.query(),
                    content = escape_html(&t.content)
                ));
                entries_html(lang, t, &mut body);
            }
            e.content = Some(html(body));
            Some(e)
        })
        .take(ENTRIES)
        .collect();
    if entries.is_empty() {
        return None;
    }
    let title = match lang {
        Lang::Zh => format!("{government} · {unit} 承担的责任目标"),
        Lang::En => format!("{government} · targets of {unit}"),
    };
    let page = format!(
        "{base}/search?q={}{}",
        encoded(unit),
        if lang == Lang::En { "&lang=en" } else { "" }
    );
    Some(feed(
        government,
        format!("urn:duban:feed:{}:unit:{}", gov.code, encoded(unit)),
        title,
        format!("{base}/feeds/units/{}.atom{}", encoded(unit), lang.query()),
        page,
        entries,
    ))
}
