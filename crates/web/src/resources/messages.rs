//! 群众监督 messages: a citizen writes on a target's page; the message waits, unseen by the
//! public, until the office publishes it (with a reply, or without) or rejects it; the target's
//! page then shows the published ones with their replies. The target's leaders and units read
//! the messages on their targets in the work pages, and may not change them.
//!
//! Kept from abuse the way a public form must be: a length limit on every field (the types of
//! `duban_core::text`), a per-address limit counted in the database (so it holds across
//! instances), and a honeypot field that people leave empty and form-filling robots do not.
//! Text is only ever shown escaped: no link in a message is live, no markup renders. A contact
//! is shown to the office alone.

use crate::AppState;
use crate::auth::ClientAddr;
use crate::error::{ApiError, ErrorBody, PageError};
use crate::extract::{ApiActor, ApiJson, ApiPath, PageActor, PageForm, PagePath};
use crate::government::{Gov, base_named};
use crate::policy::{require_role, who};
use crate::view::i18n::{Labels, Lang};
use crate::view::{html, nav_who, shown_time};
use askama::Template;
use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::{Action, Actor, EntryPeople, may, role_may};
use duban_core::text::{MessageBody, MessageContact, MessageName, MessageReply};
use duban_store::{MessageDecision, MessageFilter, MessageState, MessageView, NewMessage};
use serde::{Deserialize, Serialize};

/// Messages one address may send in an hour: enough for a person, too few for a flood.
pub const PER_HOUR: u64 = 5;

/// The most messages a list shows.
const LIST_LIMIT: u32 = 500;

/// A target, by year and number as published.
#[derive(Debug, Deserialize)]
pub struct TargetPath {
    year: i16,
    no: u32,
}

/// What a citizen sends.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewMessageBody {
    /// The message: text only, at most 2,000 characters.
    body: MessageBody,
    /// A name to sign it with (shown with it).
    name: Option<MessageName>,
    /// How the office may reach the sender: never shown to anyone else.
    contact: Option<MessageContact>,
}

/// A published message as the public reads it: never its contact.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicMessage {
    id: i64,
    body: String,
    name: Option<String>,
    /// The office's reply.
    reply: Option<String>,
    /// RFC 3339, UTC.
    created_at: String,
    /// When the office published it (and replied).
    replied_at: Option<String>,
}

impl From<MessageView> for PublicMessage {
    fn from(m: MessageView) -> PublicMessage {
        PublicMessage {
            id: m.id,
            body: m.body,
            name: m.name,
            reply: m.reply,
            created_at: m.created_at,
            replied_at: m.decided_at,
        }
    }
}

/// What a sender is told: the message is held for the office.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Held {
    id: i64,
    #[schema(value_type = String, example = "pending")]
    state: MessageState,
}

/// The instant an hour ago, as storage writes times (so they compare as strings).
fn an_hour_ago() -> String {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(3600);
    format!(
        "{}.{:03}Z",
        at.strftime("%Y-%m-%dT%H:%M:%S"),
        at.subsec_millisecond()
    )
}

/// Holds a message for the office, unless its address sent too many lately.
async fn hold(
    state: &AppState,
    gov: &Gov,
    target: &TargetPath,
    address: &str,
    message: NewMessage,
) -> Result<MessageView, ApiError> {
    if state.store.messages_from(address, &an_hour_ago()).await? >= PER_HOUR {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_messages",
            format!(
                "每个地址每小时最多留言 {PER_HOUR} 条，请稍后再试 / at most {PER_HOUR} messages an hour from one address; try again later"
            ),
        ));
    }
    Ok(state
        .store
        .add_message(
            gov.name(),
            target.year,
            target.no,
            &message,
            &format!("public:{address}"),
        )
        .await?)
}

/// Leaves a message on a target, held until the office publishes it.
#[utoipa::path(
    post,
    path = "/api/v1/targets/{year}/{no}/messages",
    tag = "public",
    params(
        ("year" = i16, Path, description = "The plan's year"),
        ("no" = u32, Path, description = "The target's number as published"),
    ),
    request_body = NewMessageBody,
    responses(
        (status = 202, description = "Held for the office", body = Held),
        (status = 404, description = "No such target", body = ErrorBody),
        (status = 422, description = "Empty or too long (`invalid`, `invalid_json`)", body = ErrorBody),
        (status = 429, description = "Too many from this address within the hour (`too_many_messages`)", body = ErrorBody),
    ),
)]
pub async fn api_send(
    State(state): State<AppState>,
    gov: Gov,
    ApiPath(target): ApiPath<TargetPath>,
    ClientAddr(address): ClientAddr,
    ApiJson(m): ApiJson<NewMessageBody>,
) -> Result<(StatusCode, Json<Held>), ApiError> {
    let message = NewMessage {
        body: m.body,
        name: m.name,
        contact: m.contact,
        address,
    };
    let address = message.address.clone();
    let held = hold(&state, &gov, &target, &address, message).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Held {
            id: held.id,
            state: held.state,
        }),
    ))
}

/// The published messages on a target, with the office's replies, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/targets/{year}/{no}/messages",
    tag = "public",
    params(
        ("year" = i16, Path, description = "The plan's year"),
        ("no" = u32, Path, description = "The target's number as published"),
    ),
    responses((status = 200, description = "Published messages", body = Vec<PublicMessage>)),
)]
pub async fn api_published(
    State(state): State<AppState>,
    gov: Gov,
    ApiPath(target): ApiPath<TargetPath>,
) -> Result<Json<Vec<PublicMessage>>, ApiError> {
    let filter = MessageFilter::published_on(gov.name(), target.year, target.no);
    let list = state.store.messages(&filter).await?;
    // Oldest first, as a thread reads.
    Ok(Json(
        list.into_iter().rev().map(PublicMessage::from).collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// pending (default), published or rejected.
    state: Option<String>,
}

fn state_param(s: Option<&str>) -> Result<MessageState, ApiError> {
    match s {
        None | Some("") => Ok(MessageState::Pending),
        Some(s) => MessageState::parse(s).ok_or_else(|| ApiError::unknown_choice("state", s)),
    }
}

/// Messages for the office to moderate, newest first, with the senders' contacts.
#[utoipa::path(
    get,
    path = "/api/v1/messages",
    tag = "work",
    security(("bearer" = [])),
    params(QueueParams),
    responses(
        (status = 200, description = "The messages", body = Vec<MessageView>),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not the office (`forbidden`)", body = ErrorBody),
        (status = 422, description = "Not a state (`invalid_choice`)", body = ErrorBody),
    ),
)]
pub async fn api_queue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(q): Query<QueueParams>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    require_role(&actor, Action::ModerateMessages)?;
    let wanted = state_param(q.state.as_deref())?;
    let list = state
        .store
        .messages(&MessageFilter {
            government: actor.government.clone(),
            state: Some(wanted),
            target: None,
            limit: LIST_LIMIT,
        })
        .await?;
    Ok(Json(list))
}

/// A message the office may decide: 404 for one of another government, as if it were not there.
async fn decidable(state: &AppState, actor: &Actor, id: i64) -> Result<(), ApiError> {
    require_role(actor, Action::ModerateMessages)?;
    match state.store.message(id).await? {
        Some(m) if actor.reaches(&m.government) => Ok(()),
        _ => Err(ApiError::not_found("message")),
    }
}

async fn decide(
    state: &AppState,
    actor: &Actor,
    id: i64,
    decision: &MessageDecision,
) -> Result<MessageView, ApiError> {
    decidable(state, actor, id).await?;
    let m = state
        .store
        .decide_message(id, decision, &who(actor))
        .await?;
    // This process's page of the target shows it at once; other instances hear of it from
    // storage (`Change::Message`), or revalidate.
    if m.state == MessageState::Published {
        state.cache.forget_target(m.year, m.target_no);
    }
    Ok(m)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PublishBody {
    /// The office's public reply, shown under the message.
    reply: Option<MessageReply>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RejectBody {
    /// Why it is not published (kept for the office, never shown).
    note: MessageReply,
}

/// Publishes a pending message, with a reply when given.
#[utoipa::path(
    post,
    path = "/api/v1/messages/{id}/publish",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The message id")),
    request_body = PublishBody,
    responses(
        (status = 200, description = "Published", body = MessageView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not the office (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such message (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already decided (`not_pending`)", body = ErrorBody),
        (status = 422, description = "Too long, or bad JSON (`invalid_json`)", body = ErrorBody),
    ),
)]
pub async fn api_publish(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PublishBody>,
) -> Result<Json<MessageView>, ApiError> {
    let decision = MessageDecision::Publish { reply: b.reply };
    Ok(Json(decide(&state, &actor, id, &decision).await?))
}

/// Rejects a pending message: it is never shown; the note says why, for the office.
#[utoipa::path(
    post,
    path = "/api/v1/messages/{id}/reject",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The message id")),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Rejected", body = MessageView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not the office (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such message (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already decided (`not_pending`)", body = ErrorBody),
        (status = 422, description = "No note, too long, or bad JSON (`invalid`, `invalid_json`)", body = ErrorBody),
    ),
)]
pub async fn api_reject(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RejectBody>,
) -> Result<Json<MessageView>, ApiError> {
    let decision = MessageDecision::Reject { note: b.note };
    Ok(Json(decide(&state, &actor, id, &decision).await?))
}

/// The citizen's form, as typed: checked here so that a refusal can come back with the text
/// kept.
#[derive(Debug, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    /// The honeypot: hidden from people by the stylesheet, filled by robots.
    #[serde(default)]
    website: String,
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "message_sent.html")]
struct SentPage {
    l: Labels,
    target_href: String,
    /// The problem with what was sent, when it was refused; else it was received.
    problem: Option<String>,
    body: String,
    name: String,
    contact: String,
    action: String,
}

/// The form on a target's page: held for the office, then a page saying so (or the form again,
/// its text kept, with the problem).
pub async fn page_send(
    State(state): State<AppState>,
    gov: Gov,
    PagePath(target): PagePath<TargetPath>,
    ClientAddr(address): ClientAddr,
    Form(f): Form<SendForm>,
) -> Result<Response, PageError> {
    let lang = Lang::from_query(f.lang.as_deref());
    let target_href = gov.link(&format!("/targets/{}/{}", target.year, target.no));
    let page = |problem: Option<String>, f: &SendForm, status: StatusCode| {
        let sent = SentPage {
            l: Labels::new(lang, &target_href).under(&gov.base),
            target_href: format!("{target_href}{}", lang.query()),
            problem,
            body: f.body.clone(),
            name: f.name.clone(),
            contact: f.contact.clone(),
            action: format!("{target_href}/messages"),
        };
        html(&sent).map(|h| (status, h).into_response())
    };
    // A robot filled the field people cannot see: it is told what a person would be, and
    // nothing is kept.
    if !f.website.is_empty() {
        return page(None, &SendForm::default(), StatusCode::OK);
    }
    let parsed = (|| -> Result<NewMessage, String> {
        let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Ok(NewMessage {
            body: MessageBody::parse(f.body.trim()).map_err(|e| e.to_string())?,
            name: optional(&f.name)
                .map(MessageName::parse)
                .transpose()
                .map_err(|e| e.to_string())?,
            contact: optional(&f.contact)
                .map(MessageContact::parse)
                .transpose()
                .map_err(|e| e.to_string())?,
            address: address.clone(),
        })
    })();
    let message = match parsed {
        Ok(m) if !m.body.as_str().is_empty() => m,
        Ok(_) => {
            let problem = "请填写留言内容 / write your message".to_owned();
            return page(Some(problem), &f, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(problem) => return page(Some(problem), &f, StatusCode::UNPROCESSABLE_ENTITY),
    };
    match hold(&state, &gov, &target, &address, message).await {
        Ok(_) => page(None, &SendForm::default(), StatusCode::OK),
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => page(Some(e.message), &f, e.status),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "work_messages.html")]
struct QueuePage {
    l: Labels,
    who: String,
    can_decide: bool,
    rows: Vec<Row>,
}

struct Row {
    m: MessageView,
    target_href: String,
    created_at: String,
    decided_at: Option<String>,
    state_label: &'static str,
}

fn state_label(s: MessageState) -> &'static str {
    match s {
        MessageState::Pending => "待审核 Pending",
        MessageState::Published => "已公开 Published",
        MessageState::Rejected => "未采用 Rejected",
    }
}

/// The office's queue (pending first), or a leader's or unit's messages on their targets.
pub async fn page_queue(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> Result<Html<String>, PageError> {
    let can_decide = role_may(&actor, Action::ModerateMessages);
    let mut list = state
        .store
        .messages(&MessageFilter {
            government: actor.government.clone(),
            limit: LIST_LIMIT,
            ..MessageFilter::default()
        })
        .await?;
    list.retain(|m| {
        let people = EntryPeople {
            leaders: &m.leaders,
            units: &m.units,
        };
        may(&actor, &m.government, Action::ReadMessages(people))
    });
    // Pending first, then newest first.
    list.sort_by_key(|m| (m.state != MessageState::Pending, std::cmp::Reverse(m.id)));
    let mut rows = Vec::with_capacity(list.len());
    for m in list {
        let base = base_named(&state, &m.government).await?;
        rows.push(Row {
            target_href: format!("{base}/targets/{}/{}", m.year, m.target_no),
            created_at: shown_time(&m.created_at, Lang::Zh),
            decided_at: m.decided_at.as_deref().map(|at| shown_time(at, Lang::Zh)),
            state_label: state_label(m.state),
            m,
        });
    }
    html(&QueuePage {
        l: Labels::new(Lang::Zh, "/work/messages"),
        who: nav_who(&actor),
        can_decide,
        rows,
    })
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    action: String,
    text: Option<MessageReply>,
}

pub async fn page_decide(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DecideForm>,
) -> Result<Redirect, PageError> {
    // An unknown action is refused, never taken for either decision.
    let decision = match f.action.as_str() {
        "publish" => MessageDecision::Publish { reply: f.text },
        "reject" => MessageDecision::Reject {
            note: f.text.unwrap_or_default(),
        },
        other => return Err(ApiError::unknown_choice("action", other).into()),
    };
    decide(&state, &actor, id, &decision).await?;
    Ok(Redirect::to(&format!("/work/messages#m{id}")))
}
