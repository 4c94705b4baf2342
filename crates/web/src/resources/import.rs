//! The office's import page: upload → preview (the column mapping, warnings and every parsed
//! target, or the problem at its sheet, row and column) → confirm, which imports the whole file
//! in one transaction. The file waits in the database between preview and confirmation, so any
//! instance sharing it can finish the import.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::PageActor;
use crate::extract::{PageForm, PagePath};
use crate::policy::{require, require_role, who};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::Action;
use duban_formats::columns::{OWN, Role, choice};
use duban_formats::{ImportOptions, Imported, meta::Overrides};
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "work_import.html")]
struct ImportPage {
    l: crate::view::i18n::Labels,
    who: String,
    error: Option<String>,
    preview: Option<Preview>,
    /// How each column was read, with a choice to map it by hand: beside the preview, or
    /// beside the error when no row reads as a header.
    columns: Option<Columns>,
    /// What a column may be mapped to: (code, label).
    choices: Vec<(&'static str, String)>,
}

/// The columns of an upload as the mapping form shows them.
struct Columns {
    upload_id: i64,
    /// Letter, header as written, the code of what it is read as, and that in words.
    rows: Vec<(String, String, &'static str, String)>,
}

/// What the mapping form offers: every role, and the table's own column.
fn choices() -> Vec<(&'static str, String)> {
    Role::ALL
        .into_iter()
        .map(|r| (r.code(), format!("{} {}", r.official(), r.label_en())))
        .chain(std::iter::once((
            OWN,
            "表格自有列，按原样保留 the table's own column".to_owned(),
        )))
        .collect()
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
    /// Columns mapped by hand: (header as written, a role's code or `own`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    columns: Vec<(String, String)>,
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
        let columns = self
            .columns
            .iter()
            .map(|(header, code)| Ok((header.clone(), choice(code)?)))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(ImportOptions {
            overrides: Overrides {
                period,
                government: clean(&self.government),
                columns,
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
    page_with(actor, error, preview, None)
}

fn page_with(
    actor: &duban_core::access::Actor,
    error: Option<String>,
    preview: Option<Preview>,
    columns: Option<Columns>,
) -> Result<Html<String>, PageError> {
    ImportPage {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work/import"),
        who: actor.username.clone(),
        error,
        preview,
        columns,
        choices: choices(),
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
    show(&state, &actor, file_name, bytes, options).await
}

/// Reads an upload with what the office said, keeps it for the confirmation, and shows the
/// preview with its columns; or shows why it does not read.
async fn show(
    state: &AppState,
    actor: &duban_core::access::Actor,
    file_name: String,
    bytes: axum::body::Bytes,
    options: Options,
) -> Result<Response, PageError> {
    let opts = match options.to_import() {
        Ok(o) => o,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(actor, Some(e), None)?,
            )
                .into_response());
        }
    };
    let imported = match parse(bytes.clone(), file_name.clone(), opts.clone()).await {
        Ok(i) => i,
        Err(e) => return unread(state, actor, file_name, bytes, &options, opts, e).await,
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
    let governments = state.governments.get(state, true).await?;
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
    let columns = Columns {
        upload_id,
        rows: imported
            .mapping
            .iter()
            .map(|m| {
                let read_as = match (&m.role, &m.note) {
                    (Some(r), None) => r.official().to_owned(),
                    (_, Some(n)) => format!("按原样保留 kept as it is: {n}"),
                    (None, None) => {
                        "表格自有列，按原样保留 the table's own column, kept as it is".to_owned()
                    }
                };
                let code = match (&m.role, &m.note) {
                    (Some(r), None) => r.code(),
                    _ => OWN,
                };
                (m.letter.clone(), m.header.clone(), code, read_as)
            })
            .collect(),
    };
    Ok(page_with(actor, None, Some(preview), Some(columns))?.into_response())
}

/// A file that does not read: the problem, and when a row looks like a header (the usual
/// reason is a header in words no synonym knows), its columns to map by hand, the file kept
/// for that.
async fn unread(
    state: &AppState,
    actor: &duban_core::access::Actor,
    file_name: String,
    bytes: axum::body::Bytes,
    options: &Options,
    opts: ImportOptions,
    error: String,
) -> Result<Response, PageError> {
    let (b, name) = (bytes.clone(), file_name.clone());
    let header =
        tokio::task::spawn_blocking(move || duban_formats::likely_header(&b, Some(&name), &opts))
            .await
            .ok()
            .flatten();
    let columns = match header {
        Some(cells) => {
            let options_json =
                serde_json::to_string(options).map_err(|e| PageError(ApiError::internal(&e)))?;
            let upload_id = state
                .store
                .stash_upload(actor.user_id, &file_name, &options_json, &bytes)
                .await?;
            let chosen = |h: &str| {
                options
                    .columns
                    .iter()
                    .find(|(c, _)| c == h)
                    .and_then(|(_, code)| choice(code).ok())
            };
            let rows = cells
                .iter()
                .enumerate()
                .filter(|(_, h)| !h.is_empty())
                .map(|(i, h)| {
                    let role = chosen(h).unwrap_or_else(|| Role::of_header(h).map(|(r, _)| r));
                    let read_as = role.map_or_else(
                        || "未识别 not recognised".to_owned(),
                        |r| r.official().to_owned(),
                    );
                    let code = role.map_or(OWN, Role::code);
                    (duban_formats::column_letter(i), h.clone(), code, read_as)
                })
                .collect();
            Some(Columns { upload_id, rows })
        }
        None => None,
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        page_with(actor, Some(error), None, columns)?,
    )
        .into_response())
}

/// An upload kept for its uploader between preview and confirmation: its name, the options
/// it is read with, and its bytes.
async fn kept(
    state: &AppState,
    actor: &duban_core::access::Actor,
    id: i64,
) -> Result<(String, Options, Vec<u8>), PageError> {
    let (file_name, options, bytes) = state
        .store
        .upload(id, actor.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    let options: Options =
        serde_json::from_str(&options).map_err(|e| PageError(ApiError::internal(&e)))?;
    Ok((file_name, options, bytes))
}

/// `POST /work/import/{id}/columns`: reads the kept upload again with its columns as mapped
/// on the form (`header.N` and `role.N`), and shows the new preview.
pub async fn import_columns(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_role(&actor, Action::ManageRounds)?;
    let _permit = upload_permit(&state)?;
    let (file_name, mut options, bytes) = kept(&state, &actor, id).await?;
    let field = |k: String| {
        form.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    };
    let mut columns = Vec::new();
    for n in 0.. {
        let Some(header) = field(format!("header.{n}")) else {
            break;
        };
        let code = field(format!("role.{n}")).unwrap_or_default();
        if let Err(e) = choice(&code) {
            return Err(PageError(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_form",
                format!("role.{n}: {e}"),
            )));
        }
        if !header.trim().is_empty() {
            columns.push((header, code));
        }
    }
    options.columns = columns;
    // The upload is read again under its new options and kept as a new one.
    state.store.drop_upload(id).await?;
    show(&state, &actor, file_name, bytes.into(), options).await
}

pub async fn import_confirm(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    require_role(&actor, Action::ManageRounds)?;
    let _permit = upload_permit(&state)?;
    let (file_name, options, bytes) = kept(&state, &actor, id).await?;
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
