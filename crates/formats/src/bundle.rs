//! The open-data bundle: a government's whole published record in one zip file that anyone can
//! check offline, with duban ([`verify`]) or with `sha256sum` alone.
//!
//! ```text
//! manifest.json        government, and per publication in chain order: period, sha256,
//!                      previous_sha256, content_sha256, published_at, supersedes, file names
//! SHA256SUMS           `sha256sum -c SHA256SUMS` checks every JSON and CSV file
//! README.txt           how to check the bundle, in Chinese and English
//! publications/NNN-PERIOD-SHA12.json   the table exactly as hashed (its sha256 = content_sha256)
//! publications/NNN-PERIOD-SHA12.csv    the same table as CSV (derived; not covered by the chain)
//! ```
//! The same publications always make the same bytes: entries are written in chain order, with
//! each file's time taken from its publication, so a mirror can compare bundles by hash.

use crate::export;
use duban_core::Table;
use duban_core::chain::{publication_sha256, sha256_hex};
use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;

/// What the manifest calls its format, so a later layout can be told apart.
pub const FORMAT: &str = "duban-bundle-v1";

/// No file of a bundle is read past this, so a hostile archive cannot exhaust memory: the
/// largest real table JSON is a few megabytes.
const MAX_FILE: u64 = 256 << 20;

/// One publication as the bundle records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub period: String,
    pub sha256: String,
    pub previous_sha256: Option<String>,
    pub content_sha256: String,
    /// RFC 3339, UTC, exactly as hashed.
    pub published_at: String,
    /// The publication of the same round this one replaced.
    pub supersedes: Option<String>,
    /// The table JSON's path in the bundle.
    pub json: String,
    /// The CSV's path in the bundle, and its SHA-256.
    pub csv: String,
    pub csv_sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub government: String,
    /// The government's id in the site's URLs (`/g/{id}`).
    pub government_id: String,
    pub publications: Vec<Item>,
}

/// A publication handed to [`write`]: its hashes as stored and its JSON as published.
#[derive(Debug, Clone)]
pub struct Source {
    pub period: String,
    pub sha256: String,
    pub previous_sha256: Option<String>,
    pub content_sha256: String,
    pub published_at: String,
    pub supersedes: Option<String>,
    pub content: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("publication {period} {sha256}: its JSON is not a table ({reason})")]
    NotATable {
        period: String,
        sha256: String,
        reason: String,
    },
    #[error("the bundle cannot be written: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the bundle cannot be written: {0}")]
    Io(#[from] std::io::Error),
    #[error("the bundle cannot be written: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes a government's publications (in chain order) as a bundle.
pub fn write(
    government: &str,
    government_id: &str,
    publications: &[Source],
) -> Result<Vec<u8>, BundleError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut items = Vec::with_capacity(publications.len());
    let mut sums = String::new();
    let mut newest = zip::DateTime::default();
    for (i, p) in publications.iter().enumerate() {
        let table: Table =
            serde_json::from_str(&p.content).map_err(|e| BundleError::NotATable {
                period: p.period.clone(),
                sha256: p.sha256.clone(),
                reason: e.to_string(),
            })?;
        let stem = format!(
            "publications/{:03}-{}-{}",
            i + 1,
            p.period,
            p.sha256.get(..12).unwrap_or(&p.sha256)
        );
        let csv = export::csv(&table);
        let item = Item {
            period: p.period.clone(),
            sha256: p.sha256.clone(),
            previous_sha256: p.previous_sha256.clone(),
            content_sha256: p.content_sha256.clone(),
            published_at: p.published_at.clone(),
            supersedes: p.supersedes.clone(),
            json: format!("{stem}.json"),
            csv: format!("{stem}.csv"),
            csv_sha256: sha256_hex(&csv),
        };
        let at = zip_time(&p.published_at);
        newest = at;
        let options = file_options(at);
        zip.start_file(item.json.as_str(), options)?;
        zip.write_all(p.content.as_bytes())?;
        zip.start_file(item.csv.as_str(), options)?;
        zip.write_all(&csv)?;
        // The stored hash, not a fresh one: a bundle of a damaged record must not look whole.
        sums.push_str(&format!("{}  {}\n", p.content_sha256, item.json));
        sums.push_str(&format!("{}  {}\n", item.csv_sha256, item.csv));
        items.push(item);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        government: government.into(),
        government_id: government_id.into(),
        publications: items,
    };
    let options = file_options(newest);
    zip.start_file("manifest.json", options)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    zip.start_file("SHA256SUMS", options)?;
    zip.write_all(sums.as_bytes())?;
    zip.start_file("README.txt", options)?;
    zip.write_all(README.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub government: String,
    pub checked: usize,
    /// The newest publication's hash: compare it with the one the site shows, since a bundle
    /// rewritten end to end is consistent with itself.
    pub head: Option<String>,
    /// One line per fault, naming the publication or file.
    pub problems: Vec<String>,
}

/// Checks a bundle offline: every JSON against its `content_sha256`, every publication hash
/// against its period, date, link and content, every link against the publication before it,
/// every CSV against the manifest, and that nothing else hides in the archive. Only a bundle
/// that cannot be read at all is an `Err`.
pub fn verify(bytes: &[u8]) -> Result<Report, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a zip archive, or a damaged one ({e})"))?;
    let manifest: Manifest = serde_json::from_slice(
        &read(&mut zip, "manifest.json")?.ok_or("the bundle has no manifest.json")?,
    )
    .map_err(|e| format!("manifest.json does not read: {e}"))?;
    if manifest.format != FORMAT {
        return Err(format!(
            "manifest.json says format “{}”; this duban reads {FORMAT}",
            manifest.format
        ));
    }
    let mut report = Report {
        government: manifest.government.clone(),
        ..Report::default()
    };
    let mut previous: Option<&str> = None;
    let mut known = vec!["manifest.json", "SHA256SUMS", "README.txt"];
    for (i, item) in manifest.publications.iter().enumerate() {
        report.checked += 1;
        known.extend([item.json.as_str(), item.csv.as_str()]);
        let name = format!(
            "publication {} ({}, {}…)",
            i + 1,
            item.period,
            item.sha256.get(..12).unwrap_or(&item.sha256)
        );
        let mut wrong = Vec::new();
        let json = read(&mut zip, &item.json)?;
        let actual = match &json {
            None => {
                wrong.push(format!("{} is missing", item.json));
                item.content_sha256.clone()
            }
            Some(bytes) => {
                let actual = sha256_hex(bytes);
                if actual != item.content_sha256 {
                    wrong.push(format!(
                        "{} does not match its content_sha256 (it was changed)",
                        item.json
                    ));
                }
                match serde_json::from_slice::<Table>(bytes) {
                    Err(e) => wrong.push(format!("{} is not a table ({e})", item.json)),
                    Ok(t) if t.period.to_string() != item.period => wrong.push(format!(
                        "{} is the table of {}, not {}",
                        item.json, t.period, item.period
                    )),
                    Ok(t) if t.government != manifest.government => wrong.push(format!(
                        "{} is a table of {}, not {}",
                        item.json, t.government, manifest.government
                    )),
                    Ok(_) => {}
                }
                actual
            }
        };
        if publication_sha256(
            &item.period,
            &item.published_at,
            item.previous_sha256.as_deref(),
            &actual,
        ) != item.sha256
        {
            wrong.push("its sha256 does not match its period, date, link and content".into());
        }
        if item.previous_sha256.as_deref() != previous {
            wrong.push(match previous {
                None => "it links to a publication that is not in the bundle".into(),
                Some(_) => "it does not link to the publication before it".into(),
            });
        }
        match read(&mut zip, &item.csv)? {
            None => wrong.push(format!("{} is missing", item.csv)),
            Some(csv) if sha256_hex(&csv) != item.csv_sha256 => {
                wrong.push(format!("{} does not match its csv_sha256", item.csv))
            }
            Some(_) => {}
        }
        if !wrong.is_empty() {
            report
                .problems
                .push(format!("{name}: {}", wrong.join("; ")));
        }
        previous = Some(&item.sha256);
    }
    report.head = previous.map(str::to_owned);
    for name in zip.file_names() {
        match name {
            Ok(name) if known.contains(&name.as_ref()) || name.ends_with('/') => {}
            Ok(name) => report
                .problems
                .push(format!("{name} is not in the manifest")),
            Err(_) => report
                .problems
                .push("a file with an unreadable name is not in the manifest".into()),
        }
    }
    report
        .problems
        .sort_by_key(|p| !p.starts_with("publication"));
    Ok(report)
}

/// A file of the archive, or `None` when it has no such file.
fn read(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<Vec<u8>>, String> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("{name} cannot be read ({e})")),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name} cannot be unpacked ({e})"))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(format!("{name} unpacks to more than {MAX_FILE} bytes"));
    }
    Ok(Some(bytes))
}

fn file_options(at: zip::DateTime) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(at)
        .unix_permissions(0o644)
}

/// A file time from an RFC 3339 UTC instant (`2023-10-30T08:00:00.000Z`); the zip epoch when it
/// does not read, which only makes the time less useful.
fn zip_time(at: &str) -> zip::DateTime {
    let n = |r: std::ops::Range<usize>| at.get(r).and_then(|s| s.parse::<u16>().ok());
    let parts = (n(0..4), n(5..7), n(8..10), n(11..13), n(14..16), n(17..19));
    if let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = parts {
        zip::DateTime::from_date_and_time(y, mo as u8, d as u8, h as u8, mi as u8, s as u8)
            .unwrap_or_default()
    } else {
        zip::DateTime::default()
    }
}

const README: &str = "\
duban 公开数据包 / duban open-data bundle

本数据包含有一个政府的全部公开版本（按哈希链顺序），可离线核验。
It holds every publication of one government, in chain order, and can be checked offline.

1. 文件完整 / every file is intact:
     sha256sum -c SHA256SUMS
   每个 JSON 文件的 SHA-256 即 manifest.json 中该版本的 content_sha256。
   Each JSON file's SHA-256 is its publication's content_sha256 in manifest.json.

2. 哈希链 / the chain: for each publication in manifest.json,
     printf 'duban-publication-v1\\n%s\\n%s\\n%s\\n%s\\n' \\
       PERIOD PUBLISHED_AT PREVIOUS_SHA256 CONTENT_SHA256 | sha256sum
   应等于其 sha256（首个版本的 PREVIOUS_SHA256 为空字符串），且每个版本的 previous_sha256
   等于前一个版本的 sha256。
   must print its sha256 (PREVIOUS_SHA256 is the empty string for the first), and each
   previous_sha256 must be the sha256 of the publication before it.

3. 最新版本的 sha256 应与网站上显示的一致。
   The newest publication's sha256 must match the one the site shows.

或者 / or:  duban verify --bundle bundle.zip
";

#[cfg(test)]
mod tests {
    use super::*;
    use duban_core::chain::content_sha256;

    fn table(period: &str, progress: &str) -> String {
        format!(
            r#"{{"government":"菏泽市人民政府","title":"一览表","year":2023,"period":"{period}","declared_total":null,"targets":[{{"no":1,"content":"储备粮","deadline":"年底","entries":[{{"leaders":["李春英"],"units":["市粮食和储备局"],"progress":"{progress}","on_schedule":true}}]}}]}}"#
        )
    }

    /// Publications of these tables, each linked to the one before, as the store makes them.
    fn chain(tables: &[String]) -> Vec<Source> {
        let mut out: Vec<Source> = Vec::new();
        for (i, content) in tables.iter().enumerate() {
            let t: Table = serde_json::from_str(content).unwrap();
            let published_at = format!("2023-1{i}-30T08:00:00.000Z");
            let previous = out.last().map(|p| p.sha256.clone());
            let csha = content_sha256(content);
            let period = t.period.to_string();
            out.push(Source {
                sha256: publication_sha256(&period, &published_at, previous.as_deref(), &csha),
                period,
                previous_sha256: previous,
                content_sha256: csha,
                published_at,
                supersedes: None,
                content: content.clone(),
            });
        }
        out
    }

    /// The bundle with one file's bytes replaced (or added).
    fn with_file(bundle: &[u8], name: &str, bytes: &[u8]) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bundle)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let mut replaced = false;
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let n = f.name().unwrap().to_string();
            let mut content = Vec::new();
            f.read_to_end(&mut content).unwrap();
            out.start_file(n.as_str(), SimpleFileOptions::default())
                .unwrap();
            if n == name {
                replaced = true;
                out.write_all(bytes).unwrap();
            } else {
                out.write_all(&content).unwrap();
            }
        }
        if !replaced {
            out.start_file(name, SimpleFileOptions::default()).unwrap();
            out.write_all(bytes).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_bundle_verifies_and_is_the_same_bytes_every_time() {
        let sources = chain(&[table("2023Q2", "甲"), table("2023Q3", "乙")]);
        let bundle = write("菏泽市人民政府", "371700", &sources).unwrap();
        assert_eq!(bundle, write("菏泽市人民政府", "371700", &sources).unwrap());
        let report = verify(&bundle).unwrap();
        assert_eq!(report.problems, Vec::<String>::new());
        assert_eq!(report.checked, 2);
        assert_eq!(report.head.as_deref(), Some(sources[1].sha256.as_str()));

        let mut zip = zip::ZipArchive::new(Cursor::new(bundle.as_slice())).unwrap();
        let manifest: Manifest =
            serde_json::from_slice(&read(&mut zip, "manifest.json").unwrap().unwrap()).unwrap();
        let json = read(&mut zip, &manifest.publications[1].json)
            .unwrap()
            .unwrap();
        // The JSON exactly as hashed, and SHA256SUMS names it by that hash.
        assert_eq!(json, sources[1].content.as_bytes());
        let sums = String::from_utf8(read(&mut zip, "SHA256SUMS").unwrap().unwrap()).unwrap();
        assert!(sums.contains(&format!(
            "{}  {}",
            sources[1].content_sha256, manifest.publications[1].json
        )));
        assert_eq!(
            manifest.publications[1].previous_sha256,
            Some(sources[0].sha256.clone())
        );
    }

    #[test]
    fn a_tampered_bundle_is_named() {
        let sources = chain(&[table("2023Q2", "甲"), table("2023Q3", "乙")]);
        let bundle = write("菏泽市人民政府", "371700", &sources).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bundle.as_slice())).unwrap();
        let manifest: Manifest =
            serde_json::from_slice(&read(&mut zip, "manifest.json").unwrap().unwrap()).unwrap();

        // One word of the older table changed.
        let changed = table("2023Q2", "丙");
        let tampered = with_file(&bundle, &manifest.publications[0].json, changed.as_bytes());
        let report = verify(&tampered).unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].starts_with("publication 1 (2023Q2, "));
        assert!(report.problems[0].contains("does not match its content_sha256"));

        // The manifest rewritten to the new content: the publication hash gives it away.
        let mut forged = manifest.clone();
        forged.publications[0].content_sha256 = content_sha256(&changed);
        let tampered = with_file(
            &with_file(&bundle, &manifest.publications[0].json, changed.as_bytes()),
            "manifest.json",
            &serde_json::to_vec(&forged).unwrap(),
        );
        let report = verify(&tampered).unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].contains("its sha256 does not match"));

        // A publication dropped from the middle of the chain breaks the next link.
        let mut short = manifest.clone();
        short.publications.remove(0);
        let report = verify(&with_file(
            &bundle,
            "manifest.json",
            &serde_json::to_vec(&short).unwrap(),
        ))
        .unwrap();
        assert!(
            report.problems[0].contains("links to a publication that is not in the bundle"),
            "{:?}",
            report.problems
        );
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("is not in the manifest"))
        );

        // A file slipped in.
        let report = verify(&with_file(&bundle, "extra.txt", b"x")).unwrap();
        assert_eq!(
            report.problems,
            vec!["extra.txt is not in the manifest".to_string()]
        );

        assert!(verify(b"not a zip").unwrap_err().contains("not a zip"));
    }
}
