//! The one route table: method, path, handler and body limit. The router is built from it and
//! the permission-matrix test walks it (`route_table`), so a route added without a row there
//! fails that test.

use crate::AppState;
use crate::resources::{
    audit, bundle, comments, dashboard, directory, extensions, feeds, home, import, mail, messages,
    plan_targets, plans, publications, reports, rounds, scorecards, search, session, units, users,
};
use crate::{assets, openapi};
use axum::http::Method;
use axum::routing::{MethodRouter, get};

/// Every route: method, path and handler, in one table. The router is built from it and the
/// permission-matrix test walks it, so a route added here without a row there fails the test.
/// The routes of one government ([`scoped`]) are there twice: under its prefix and without it
/// (see [`crate::government`]).
pub(crate) fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    let mut all: Vec<(Method, String, MethodRouter<AppState>)> = global()
        .into_iter()
        .map(|(m, p, h)| (m, p.to_owned(), h))
        .collect();
    all.push((
        Method::GET,
        "/g/{gov}".to_owned(),
        get(publications::government_home),
    ));
    for (m, p, h) in scoped() {
        all.push((m.clone(), prefixed(p), h.clone()));
        all.push((m, p.to_owned(), h));
    }
    all
}

/// A government's path under its prefix: `/g/{gov}/tables/…` for pages,
/// `/api/v1/g/{gov}/tables/…` for the API (INTERFACES.md).
pub fn prefixed(path: &str) -> String {
    match path.strip_prefix("/api/v1") {
        Some(rest) => format!("/api/v1/g/{{gov}}{rest}"),
        None => format!("/g/{{gov}}{path}"),
    }
}

/// Routes that are about no one government: the home page, sessions, what is found by id
/// (reports, extensions, publications by hash; each checked against the caller's government),
/// the office's lists across the governments it may reach, the documents.
fn global() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    use axum::routing::{post, put};
    vec![
        (Method::GET, "/", get(publications::home)),
        (Method::GET, "/static/duban.css", get(assets::stylesheet)),
        (Method::GET, "/favicon.ico", get(assets::favicon)),
        (
            Method::GET,
            "/publications/{sha256}",
            get(publications::permalink),
        ),
        (Method::GET, "/login", get(session::login_page)),
        (Method::POST, "/login", post(session::login_submit)),
        (Method::POST, "/logout", post(session::logout_page)),
        (Method::GET, "/work", get(home::work_home)),
        (Method::GET, "/work/password", get(session::password_page)),
        (
            Method::POST,
            "/work/password",
            post(session::password_change),
        ),
        (Method::GET, "/work/audit", get(audit::audit_page)),
        (Method::GET, "/work/audit.csv", get(audit::audit_csv)),
        (Method::GET, "/work/import", get(import::import_form)),
        (Method::POST, "/work/import", post(import::import_upload)),
        (
            Method::POST,
            "/work/import/{id}/confirm",
            post(import::import_confirm),
        ),
        (
            Method::POST,
            "/work/import/{id}/columns",
            post(import::import_columns),
        ),
        (
            Method::POST,
            "/work/reports/{id}",
            post(rounds::report_form),
        ),
        (
            Method::POST,
            "/work/reports/{id}/review",
            post(reports::review_submit),
        ),
        (
            Method::POST,
            "/work/reports/{id}/extension",
            post(extensions::page_request),
        ),
        (
            Method::POST,
            "/work/reports/{id}/comments",
            post(comments::page_add),
        ),
        (Method::GET, "/work/extensions", get(extensions::page_list)),
        (Method::GET, "/work/messages", get(messages::page_queue)),
        (Method::GET, "/work/mail", get(mail::page_list)),
        (Method::GET, "/work/plan", get(plans::page_plan)),
        (
            Method::POST,
            "/work/plan/rollover",
            post(plans::page_rollover),
        ),
        (Method::GET, "/work/units", get(units::page_list)),
        (Method::POST, "/work/units/rename", post(units::page_rename)),
        (Method::POST, "/work/units/alias", post(units::page_alias)),
        (Method::GET, "/work/users", get(users::page_list)),
        (Method::POST, "/work/users", post(users::page_create)),
        (Method::GET, "/work/users/{id}", get(users::page_edit)),
        (Method::POST, "/work/users/{id}", post(users::page_update)),
        (Method::GET, "/api/v1/mail", get(mail::api_list)),
        (
            Method::POST,
            "/work/messages/{id}",
            post(messages::page_decide),
        ),
        (Method::GET, "/api/v1/messages", get(messages::api_queue)),
        (
            Method::POST,
            "/api/v1/messages/{id}/publish",
            post(messages::api_publish),
        ),
        (
            Method::POST,
            "/api/v1/messages/{id}/reject",
            post(messages::api_reject),
        ),
        (
            Method::POST,
            "/work/extensions/{id}/decide",
            post(extensions::page_decide),
        ),
        (Method::POST, "/api/v1/login", post(session::login)),
        (Method::POST, "/api/v1/logout", post(session::logout)),
        (
            Method::PUT,
            "/api/v1/reports/{id}",
            put(reports::save_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/submit",
            post(reports::submit_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/return",
            post(reports::return_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/accept",
            post(reports::accept_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/extensions",
            post(extensions::api_request),
        ),
        (
            Method::GET,
            "/api/v1/reports/{id}/comments",
            get(comments::api_list),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/comments",
            post(comments::api_add),
        ),
        (Method::GET, "/api/v1/extensions", get(extensions::api_list)),
        (
            Method::POST,
            "/api/v1/extensions/{id}/approve",
            post(extensions::api_approve),
        ),
        (
            Method::POST,
            "/api/v1/extensions/{id}/reject",
            post(extensions::api_reject),
        ),
        (Method::GET, "/api/openapi.json", get(openapi::openapi_json)),
        (Method::GET, "/api/docs", get(openapi::docs_redirect)),
        (Method::GET, "/api/docs/", get(openapi::docs_index)),
        (Method::GET, "/api/docs/{*file}", get(openapi::docs_file)),
    ]
}

/// The paths of [`scoped`], unprefixed.
pub(crate) fn scoped_paths() -> Vec<&'static str> {
    scoped().into_iter().map(|(_, p, _)| p).collect()
}

/// Routes about one government's rounds, tables, targets and search.
fn scoped() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    use axum::routing::post;
    vec![
        (
            Method::GET,
            "/scorecards/{file}",
            get(scorecards::scorecard),
        ),
        (Method::GET, "/units/{name}", get(directory::unit_page)),
        (Method::GET, "/leaders/{name}", get(directory::leader_page)),
        (
            Method::GET,
            "/tables/{period}",
            get(publications::table_page),
        ),
        (
            Method::GET,
            "/downloads/{period}/{format}",
            get(publications::download),
        ),
        (Method::GET, "/downloads/bundle.zip", get(bundle::download)),
        (
            Method::GET,
            "/feeds/publications.atom",
            get(feeds::publications),
        ),
        (
            Method::GET,
            "/feeds/targets/{year}/{file}",
            get(feeds::target),
        ),
        (Method::GET, "/feeds/units/{file}", get(feeds::unit)),
        (
            Method::GET,
            "/targets/{year}/{no}",
            get(publications::target_page),
        ),
        (
            Method::POST,
            "/targets/{year}/{no}/messages",
            post(messages::page_send),
        ),
        (
            Method::GET,
            "/api/v1/targets/{year}/{no}/messages",
            get(messages::api_published),
        ),
        (
            Method::POST,
            "/api/v1/targets/{year}/{no}/messages",
            post(messages::api_send),
        ),
        (Method::GET, "/search", get(search::page)),
        (Method::GET, "/api/v1/search", get(search::api_search)),
        (
            Method::GET,
            "/api/v1/periods",
            get(publications::api_periods),
        ),
        (Method::GET, "/api/v1/units", get(directory::api_units)),
        (Method::GET, "/api/v1/leaders", get(directory::api_leaders)),
        (
            Method::GET,
            "/api/v1/tables/{period}",
            get(publications::api_table),
        ),
        (Method::POST, "/work/rounds", post(rounds::open_round_page)),
        (Method::GET, "/work/{period}", get(rounds::round_page)),
        (
            Method::POST,
            "/work/{period}/close",
            post(rounds::close_round_page),
        ),
        (
            Method::POST,
            "/work/{period}/publish",
            post(rounds::publish_round),
        ),
        (
            Method::POST,
            "/work/{period}/reopen",
            post(rounds::reopen_round_page),
        ),
        (
            Method::GET,
            "/work/{period}/dashboard",
            get(dashboard::dashboard),
        ),
        (
            Method::GET,
            "/work/{period}/chase.csv",
            get(dashboard::chase_csv),
        ),
        (Method::POST, "/work/{period}/chase", post(mail::page_chase)),
        (
            Method::GET,
            "/work/plan/{year}/targets/new",
            get(plan_targets::page_new_target),
        ),
        (
            Method::POST,
            "/work/plan/{year}/targets",
            post(plan_targets::page_add_target),
        ),
        (
            Method::GET,
            "/work/plan/{year}/targets/{no}",
            get(plan_targets::page_target),
        ),
        (
            Method::POST,
            "/work/plan/{year}/targets/{no}",
            post(plan_targets::page_save_target),
        ),
        (
            Method::POST,
            "/work/plan/{year}/targets/{no}/retire",
            post(plan_targets::page_retire_target),
        ),
        (
            Method::POST,
            "/work/plan/{year}/targets/{no}/restore",
            post(plan_targets::page_restore_target),
        ),
        (
            Method::GET,
            "/api/v1/plans/{year}/targets",
            get(plan_targets::api_plan),
        ),
        (
            Method::POST,
            "/api/v1/plans/{year}/targets",
            post(plan_targets::api_add),
        ),
        (
            Method::GET,
            "/api/v1/plans/{year}/targets/{no}",
            get(plan_targets::api_target),
        ),
        (
            Method::PUT,
            "/api/v1/plans/{year}/targets/{no}",
            axum::routing::put(plan_targets::api_edit),
        ),
        (
            Method::DELETE,
            "/api/v1/plans/{year}/targets/{no}",
            axum::routing::delete(plan_targets::api_retire),
        ),
        (
            Method::POST,
            "/api/v1/plans/{year}/targets/{no}/restore",
            post(plan_targets::api_restore),
        ),
        (Method::POST, "/api/v1/rounds", post(rounds::open_round)),
        (
            Method::GET,
            "/api/v1/rounds/{period}/reports",
            get(rounds::round_reports),
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/close",
            post(rounds::close_round),
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/publish",
            post(rounds::publish),
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/reopen",
            post(rounds::reopen_round),
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/chase",
            post(mail::api_chase),
        ),
    ]
}

/// Every route's method and path, for tests and documentation.
pub fn route_table() -> Vec<(Method, String)> {
    routes().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// The largest body of a form or a JSON call. The longest text a person may send is a report of
/// 10,000 characters; written as JSON escapes (`\ud83d\ude00`, 12 bytes a character) that is
/// 120 KB. A login needs less than one: anything bigger is refused before it is read.
const BODY_LIMIT: usize = 256 * 1024;

/// The largest upload for import (the importers' own 20 MB limit, plus room for the form
/// around it); only the import route takes it.
const UPLOAD_LIMIT: usize = 21 * 1024 * 1024;

/// How many import uploads are read and parsed at once.
pub const UPLOADS_AT_ONCE: usize = 2;

/// The body a route may take: megabytes for the office's import, kilobytes for the rest.
pub(crate) fn body_limit(path: &str) -> usize {
    if path == "/work/import" {
        UPLOAD_LIMIT
    } else {
        BODY_LIMIT
    }
}
