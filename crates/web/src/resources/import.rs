//! The office's import page: upload → preview (the column mapping, warnings and every parsed
//! target, or the problem at its sheet, row and column) → confirm, which imports the whole file
//! in one transaction. The file waits in the database between preview and confirmation, so any
//! instance sharing it can finish the import.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::PageActor;
use crate::extract::PagePath;
use crate::policy::{require, require_role, who};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::Action;
use duban_formats::{ImportOptions, Imported, meta::Overrides};
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "work_import.html")]
struct ImportPage {
    l: crate::view::i18n::Labels,
    who: String,
    error: Option<String>,
    preview: Option<Preview>,
}

struct Preview {
    upload_id: i64,
    file_name: String,
    format: &'static str,
    sheet: Option<String>,
    title: String,
    government: String,
    /// The id a government not yet registered will get: the import registers it.
    new_government: Option<String>,
    period: String,
    declared: String,
    entries: usize,
    mapping: Vec<(String, String, String)>,
    warnings: Vec<String>,
    /// No., content, deadline, entries (leaders / units).
    targets: Vec<(u32, String, String, String)>,
}

/// What the office typed beside the file, kept with it until confirmation.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Options {
    period: Option<String>,
    government: Option<String>,
    sheet: Option<String>,
}

impl Options {
    fn to_import(&self) -> Result<ImportOptions, String> {
        let period = match self
            .period
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => Some(
                p.parse()
                    .map_err(|e: duban_core::period::PeriodError| e.to_string())?,
            ),
            None => None,
        };
        let clean = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(ImportOptions {
            overrides: Overrides {
                period,
                government: clean(&self.government),
            },
            sheet: clean(&self.sheet),
            ..Default::default()
        })
    }
}

fn page(
    actor: &duban_core::access::Actor,
    error: Option<String>,
    preview: Option<Preview>,
) -> Result<Html<String>, PageError> {
    ImportPage {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work/import"),
        who: actor.username.clone(),
        error,
        preview,
    }
    .render()
    .map(Html)
    .map_err(|e| PageError(ApiError::internal(&e)))
}

pub async fn import_form(PageActor(actor): PageActor) -> Result<Html<String>, PageError> {
    require_role(&actor, Action::ManageRounds)?;
    page(&actor, None, None)
}

/// Parsing is CPU work and files can be large: off the async threads.
async fn parse(
    bytes: axum::body::Bytes,
    name: String,
    opts: ImportOptions,
) -> Result<Imported, String> {
    tokio::task::spawn_blocking(move || {
        duban_formats::import(&bytes, Some(&name), &opts).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A turn to read and parse a file. A few at a time, each bounded in size: memory stays bounded
/// whoever sends what. Held until the parse is done; the others are told to come back.
fn upload_permit(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, PageError> {
    state.uploads.clone().try_acquire_owned().map_err(|_| {
        PageError(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "其他文件正在导入，请稍后再试 / other imports are running; try again in a minute",
        ))
    })
}

pub async fn import_upload(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    // Permission first, then the body: a non-admin learns nothing from how the upload parses.
    // (Whose table it is, is checked when it is confirmed.)
    require_role(&actor, Action::ManageRounds)?;
    let _permit = upload_permit(&state)?;
    let bad = |m: String| {
        PageError(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_upload",
            m,
        ))
    };
    let mut form = <Multipart as axum::extract::FromRequest<AppState>>::from_request(req, &state)
        .await
        .map_err(|e| bad(e.body_text()))?;
    let mut options = Options::default();
    let mut file: Option<(String, axum::body::Bytes)> = None;
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("upload").to_owned();
                let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                file = Some((file_name, bytes));
            }
            "period" | "government" | "sheet" => {
                let v = field.text().await.map_err(|e| bad(e.to_string()))?;
                match name.as_str() {
                    "period" => options.period = Some(v),
                    "government" => options.government = Some(v),
                    _ => options.sheet = Some(v),
                }
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&actor, Some("请选择文件 / choose a file".into()), None)?,
        )
            .into_response());
    };
    let opts = match options.to_import() {
        Ok(o) => o,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&actor, Some(e), None)?,
            )
                .into_response());
        }
    };
    let imported = match parse(bytes.clone(), file_name.clone(), opts).await {
        Ok(i) => i,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&actor, Some(e), None)?,
            )
                .into_response());
        }
    };
    let options_json =
        serde_json::to_string(&options).map_err(|e| PageError(ApiError::internal(&e)))?;
    let upload_id = state
        .store
        .stash_upload(actor.user_id, &file_name, &options_json, &bytes)
        .await?;
    let t = &imported.table;
    // A government's office imports its own government's tables only: said now, not after.
    if !actor.reaches(&t.government) {
        return Err(PageError(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "这是{}的一览表，不是本账户所属政府的 / this is {}'s table, not your government's",
                t.government, t.government
            ),
        )));
    }
    let governments = state.governments.get(&state, true).await?;
    // The id it will get: its slug, made unique as the store makes it.
    let new_government = (!governments.iter().any(|g| g.name == t.government)).then(|| {
        let slug = duban_core::government::slug(&t.government);
        let taken = |c: &str| governments.iter().any(|g| g.code.as_str() == c);
        std::iter::once(slug.to_string())
            .chain((2..).map(|n| format!("{slug}-{n}")))
            .find(|c| !taken(c))
            .unwrap_or_default()
    });
    let preview = Preview {
        new_government,
        upload_id,
        file_name,
        format: match imported.format {
            duban_formats::Format::TwoUpText => "PDF 文本 two-up text",
            duban_formats::Format::Csv => "CSV/TSV",
            duban_formats::Format::Xlsx => "XLSX",
            duban_formats::Format::Docx => "Word (.docx)",
            duban_formats::Format::Html => "网页 web page (.html)",
        },
        sheet: imported.sheet.clone(),
        title: t.title.clone(),
        government: t.government.clone(),
        period: t.period.to_string(),
        declared: t.declared_total.map_or("—".into(), |d| d.to_string()),
        entries: t.entry_count(),
        mapping: imported
            .mapping
            .iter()
            .map(|m| {
                let role = match (&m.role, &m.note) {
                    (Some(r), None) => r.official().to_owned(),
                    (_, Some(n)) => format!("按原样保留 kept as it is: {n}"),
                    (None, None) => {
                        "表格自有列，按原样保留 the table's own column, kept as it is".to_owned()
                    }
                };
                (m.letter.clone(), m.header.clone(), role)
            })
            .collect(),
        warnings: imported.warnings.clone(),
        targets: t
            .targets
            .iter()
            .map(|x| {
                let entries = x
                    .entries
                    .iter()
                    .map(|e| {
                        let l: Vec<&str> = e.leaders().iter().map(|n| n.as_str()).collect();
                        let u: Vec<&str> = e.units.iter().map(|n| n.as_str()).collect();
                        format!("{} / {}", l.join(" "), u.join(" "))
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                (
                    x.no.get(),
                    x.content.clone(),
                    x.deadline.to_string(),
                    entries,
                )
            })
            .collect(),
    };
    Ok(page(&actor, None, Some(preview))?.into_response())
}

pub async fn import_confirm(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    require_role(&actor, Action::ManageRounds)?;
    let _permit = upload_permit(&state)?;
    let (file_name, options, bytes) = state
        .store
        .upload(id, actor.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    let options: Options =
        serde_json::from_str(&options).map_err(|e| PageError(ApiError::internal(&e)))?;
    let opts = options
        .to_import()
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    let imported = parse(bytes.into(), file_name, opts)
        .await
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    // An office imports its own government's tables (a platform account, any government's).
    require(&actor, &imported.table.government, Action::ManageRounds)?;
    let outcome = state
        .store
        .import_table(&imported.table, &who(&actor))
        .await?;
    state.store.drop_upload(id).await?;
    let period = imported.table.period.to_string();
    if outcome.registered {
        // A new government: lists and every page's links change.
        state.governments.forget();
        state.cache.forget_all();
    }
    state.cache.forget_period(&period);
    let governments = state.governments.get(&state, true).await?;
    let base = crate::government::base_of(&outcome.government, &governments);
    tracing::info!(
        period,
        added = outcome.targets_added,
        changed = outcome.targets_changed,
        "imported from an upload"
    );
    Ok(Redirect::to(&format!("{base}/tables/{period}")).into_response())
}
