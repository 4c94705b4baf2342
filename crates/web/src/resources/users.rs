//! The accounts page (账户管理): the office creates accounts, binds them to units or a leader,
//! sets their e-mail (where 催办 reaches them), disables them (their sessions and tokens end at
//! once) and resets their password (a temporary one, shown once, to be changed at the next
//! login). A government's administrator manages that government's accounts only; the
//! platform's administrator manages every account. An account of another government is a 404,
//! so ids do not say what exists.

use crate::AppState;
use crate::auth;
use crate::error::{ApiError, PageError};
use crate::extract::{PageActor, PageForm, PagePath};
use crate::policy::{require_role, who};
use crate::view::i18n::{Labels, Lang};
use crate::view::{html, nav_who, shown_time};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duban_core::access::{Action, Actor, Role};
use duban_store::{NewUser, StoreError, UserChange, UserView};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "work_users.html")]
struct UsersPage {
    l: Labels,
    who: String,
    users: Vec<Listed>,
    /// Governments the new account may belong to (the platform's administrator chooses).
    governments: Vec<String>,
    platform: bool,
    form: NewUserForm,
    error: Option<String>,
    /// After a creation or a reset: the account and its temporary password, shown once.
    issued: Option<(String, String)>,
}

struct Listed {
    u: UserView,
    role_label: &'static str,
    created_at: String,
}

#[derive(Template)]
#[template(path = "work_user.html")]
struct UserPage {
    l: Labels,
    who: String,
    u: UserView,
    role_label: &'static str,
    /// The form as sent, when it was refused; else the account as stored.
    units: String,
    leader: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
    issued: Option<String>,
}

/// The create form, kept as typed when it is refused.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    /// One unit per line (or separated by 、 ， ,).
    #[serde(default)]
    units: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    government: String,
}

/// Unit names from a text area: one per line, or separated by 、，, or ;.
fn unit_list(text: &str) -> Vec<String> {
    text.split(['\n', '、', '，', ',', ';', '；'])
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect()
}

fn role_label(role: &str) -> &'static str {
    Role::parse(role).map_or("?", Role::label_zh)
}

/// The accounts the caller manages: its government's, or every one for the platform's office.
async fn managed(state: &AppState, actor: &Actor) -> Result<Vec<UserView>, ApiError> {
    Ok(state.store.users(actor.government.as_deref()).await?)
}

/// An account the caller manages, else 404.
async fn manageable(state: &AppState, actor: &Actor, id: i64) -> Result<UserView, ApiError> {
    require_role(actor, Action::ManageAccounts)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    match &actor.government {
        None => Ok(user),
        Some(g) if user.government.as_deref() == Some(g) => Ok(user),
        Some(_) => Err(ApiError::not_found("user")),
    }
}

/// A temporary password: 12 characters from an alphabet without look-alikes (0/O, 1/l/I), to
/// be read out over the phone.
fn temporary_password() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(&e))?;
    // 256 is not a multiple of 56: the bias (a few characters 1/56 more likely) costs under
    // a bit of the password's 69.
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

async fn hashed(password: String) -> Result<String, ApiError> {
    // Password hashing is CPU-heavy by design: off the async workers.
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    form: NewUserForm,
    error: Option<String>,
    issued: Option<(String, String)>,
) -> Result<Html<String>, PageError> {
    let users = managed(state, actor)
        .await?
        .into_iter()
        .map(|u| Listed {
            role_label: role_label(&u.role),
            created_at: shown_time(&u.created_at, Lang::Zh),
            u,
        })
        .collect();
    let governments = match &actor.government {
        Some(g) => vec![g.clone()],
        None => state
            .governments
            .get(state, false)
            .await?
            .iter()
            .map(|g| g.name.clone())
            .collect(),
    };
    html(&UsersPage {
        l: Labels::new(Lang::Zh, "/work/users"),
        who: nav_who(actor),
        users,
        governments,
        platform: actor.government.is_none(),
        form,
        error,
        issued,
    })
}

pub async fn page_list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> Result<Html<String>, PageError> {
    require_role(&actor, Action::ManageAccounts)?;
    list_page(&state, &actor, NewUserForm::default(), None, None).await
}

/// Creates an account with a temporary password, shown once on the page that follows.
pub async fn page_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PageForm(f): PageForm<NewUserForm>,
) -> Result<Response, PageError> {
    require_role(&actor, Action::ManageAccounts)?;
    let refuse = |message: String| {
        let f = f.clone();
        let state = &state;
        let actor = &actor;
        async move {
            let page = list_page(state, actor, f, Some(message), None).await?;
            Ok::<Response, PageError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    };
    let Some(role) = Role::parse(&f.role) else {
        return refuse(format!(
            "角色：请选择 / role: choose one (not “{}”)",
            f.role
        ))
        .await;
    };
    let username = f.username.trim();
    if username.is_empty() || username.chars().count() > 64 {
        return refuse("用户名：1 至 64 个字符 / user name: 1 to 64 characters".into()).await;
    }
    // A government's office makes its own accounts; the platform's names the government, or
    // none for a platform account.
    let government = match &actor.government {
        Some(g) => Some(g.clone()),
        None => Some(f.government.trim().to_owned()).filter(|g| !g.is_empty()),
    };
    let password = temporary_password()?;
    let user = NewUser {
        username: username.to_owned(),
        role,
        password_hash: hashed(password.clone()).await?,
        units: unit_list(&f.units),
        leader: Some(f.leader.trim().to_owned()).filter(|l| !l.is_empty()),
        government,
        email: Some(f.email.clone()),
    };
    let id = match state.store.add_user(&user, &who(&actor)).await {
        Ok(id) => id,
        Err(StoreError::Invalid(m)) => return refuse(m).await,
        Err(e @ StoreError::Conflict { .. }) => return refuse(e.to_string()).await,
        Err(e) => return Err(PageError(e.into())),
    };
    // The office chose this password, so the account must choose its own.
    state
        .store
        .reset_password(id, &user.password_hash, &who(&actor))
        .await?;
    let page = list_page(
        &state,
        &actor,
        NewUserForm::default(),
        None,
        Some((user.username, password)),
    )
    .await?;
    Ok((StatusCode::CREATED, page).into_response())
}

fn user_page(
    actor: &Actor,
    u: UserView,
    form: Option<&EditForm>,
    error: Option<String>,
    notice: Option<String>,
    issued: Option<String>,
) -> Result<Html<String>, PageError> {
    let (units, leader, email) = match form {
        Some(f) => (f.units.clone(), f.leader.clone(), f.email.clone()),
        None => (
            u.units.join("\n"),
            u.leader.clone().unwrap_or_default(),
            u.email.clone().unwrap_or_default(),
        ),
    };
    html(&UserPage {
        l: Labels::new(Lang::Zh, "/work/users"),
        who: nav_who(actor),
        role_label: role_label(&u.role),
        u,
        units,
        leader,
        email,
        error,
        notice,
        issued,
    })
}

pub async fn page_edit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let u = manageable(&state, &actor, id).await?;
    user_page(&actor, u, None, None, None, None)
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct EditForm {
    action: String,
    #[serde(default)]
    units: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    email: String,
}

/// Saves, disables, enables or resets an account; an unknown action is refused (400) and
/// changes nothing.
pub async fn page_update(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<EditForm>,
) -> Result<Response, PageError> {
    let u = manageable(&state, &actor, id).await?;
    let by = who(&actor);
    let done = match f.action.as_str() {
        "save" => {
            let change = UserChange {
                units: unit_list(&f.units),
                leader: Some(f.leader.trim().to_owned()).filter(|l| !l.is_empty()),
                email: Some(f.email.clone()),
            };
            match state.store.change_user(id, &change, &by).await {
                Ok(u) => (u, "已保存 Saved".to_owned(), None),
                Err(StoreError::Invalid(m)) => {
                    let page = user_page(&actor, u, Some(&f), Some(m), None, None)?;
                    return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
                }
                Err(e) => return Err(PageError(e.into())),
            }
        }
        "disable" | "enable" => {
            let disable = f.action == "disable";
            if disable && id == actor.user_id {
                let page = user_page(
                    &actor,
                    u,
                    None,
                    Some("不能停用自己的账户 / you cannot disable your own account".into()),
                    None,
                    None,
                )?;
                return Ok((StatusCode::CONFLICT, page).into_response());
            }
            let u = state.store.set_disabled(id, disable, &by).await?;
            // This instance forgets the account's tokens now (others hear it from storage).
            state.actors.forget_user(id);
            let said = if disable {
                "已停用：其会话和接口令牌均已失效 Disabled: its sessions and tokens have ended"
            } else {
                "已启用 Enabled"
            };
            (u, said.to_owned(), None)
        }
        "reset" => {
            let password = temporary_password()?;
            let u = state
                .store
                .reset_password(id, &hashed(password.clone()).await?, &by)
                .await?;
            state.actors.forget_user(id);
            (
                u,
                "已重置密码：下次登录须修改 Password reset: it must be changed at the next login"
                    .to_owned(),
                Some(password),
            )
        }
        other => return Err(ApiError::unknown_choice("action", other).into()),
    };
    let (u, notice, issued) = done;
    Ok(user_page(&actor, u, None, None, Some(notice), issued)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_split_on_lines_and_chinese_commas() {
        assert_eq!(
            unit_list("市财政局\n 市教育局、市卫健委，\n\n华瑞集团"),
            ["市财政局", "市教育局", "市卫健委", "华瑞集团"]
        );
        assert!(unit_list(" \n ").is_empty());
    }

    #[test]
    fn temporary_passwords_are_long_and_unambiguous() {
        let p = temporary_password().unwrap();
        assert_eq!(p.chars().count(), 12);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        assert_ne!(p, temporary_password().unwrap());
    }
}
