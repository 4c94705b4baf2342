//! The API described for machines and people: the OpenAPI document at `/api/openapi.json`, built
//! from the `#[utoipa::path]` annotations on the handlers, and Swagger UI at `/api/docs`.
//!
//! The UI's files are compiled into the binary (utoipa-swagger-ui's `vendored` feature) and served
//! from here, so the docs work on an isolated network and the page loads nothing from elsewhere.

use crate::ApiError;
use crate::error::ErrorBody;
use crate::resources::{
    comments, directory, extensions, mail, messages, plan_targets, publications, reports, rounds,
    search, session,
};
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "duban 督办 API",
        description = "Responsibility targets (责任目标), reporting rounds (调度), reports (完成情况), their review and publication (公开).\n\nPublic calls need no login. Work calls need `Authorization: Bearer TOKEN`, where TOKEN comes from `POST /api/v1/login`. Every refusal is `{\"error\": \"snake_case_code\", \"message\": \"…\"}`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        publications::api_periods,
        publications::api_table,
        directory::api_units,
        directory::api_leaders,
        search::api_search,
        session::login,
        session::logout,
        rounds::open_round,
        plan_targets::api_plan,
        plan_targets::api_target,
        plan_targets::api_add,
        plan_targets::api_edit,
        plan_targets::api_retire,
        plan_targets::api_restore,
        rounds::round_reports,
        rounds::close_round,
        rounds::publish,
        rounds::reopen_round,
        reports::save_report,
        reports::submit_report,
        reports::return_report,
        reports::accept_report,
        extensions::api_request,
        extensions::api_list,
        extensions::api_approve,
        extensions::api_reject,
        comments::api_list,
        comments::api_add,
        messages::api_send,
        messages::api_published,
        messages::api_queue,
        messages::api_publish,
        messages::api_reject,
        mail::api_list,
        mail::api_chase,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerScheme, &GovernmentPrefix, &DefaultRefusal),
    tags(
        (name = "public", description = "Published tables: no login"),
        (name = "work", description = "The 调度 cycle: needs a bearer token"),
    ),
)]
struct ApiDoc;

/// Declares the `bearer` scheme the work calls name in their `security`.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Documents each government's calls under its prefix too (`/api/v1/g/{gov}/…`, see
/// `crate::government`): the same operation, with the `gov` parameter. The unprefixed path
/// serves the only government of a deployment that holds one.
struct GovernmentPrefix;

impl utoipa::Modify for GovernmentPrefix {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        let gov = ParameterBuilder::new()
            .name("gov")
            .parameter_in(ParameterIn::Path)
            .required(utoipa::openapi::Required::True)
            .description(Some(
                "The government: its id (a 6-digit division code such as 371700, or a slug such as heze) or its name",
            ))
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String),
            ))
            .build();
        for path in crate::routes::scoped_paths() {
            let Some(item) = doc.paths.paths.get(path).cloned() else {
                continue;
            };
            let mut item = item;
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .insert(0, utoipa::openapi::RefOr::T(gov.clone()));
                // Operation ids are unique in a document.
                if let Some(id) = &mut op.operation_id {
                    id.push_str("_of_government");
                }
            }
            doc.paths.paths.insert(crate::routes::prefixed(path), item);
        }
    }
}

/// Gives every operation a `default` response in the error format: the statuses a call names
/// are the ones its handler chooses, but a layer in front of every handler may also refuse
/// (a body too large, a cross-site post, a timeout), always with [`ErrorBody`].
struct DefaultRefusal;

impl utoipa::Modify for DefaultRefusal {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, ResponseBuilder};
        let refusal = ResponseBuilder::new()
            .description(
                "Any other refusal (`payload_too_large`, `cross_site_request`, `internal`, …)",
            )
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| refusal.clone().into());
            }
        }
    }
}

/// The document, serialised once: it depends only on the code.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
});

/// The OpenAPI document itself, for tests and `duban help`.
pub fn document() -> &'static str {
    &DOCUMENT
}

pub async fn openapi_json() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        document(),
    )
        .into_response()
}

const DOCUMENT_URL: &str = "/api/openapi.json";

/// Swagger UI's settings: our document only, and no validator badge (its default posts the
/// document to validator.swagger.io).
static CONFIG: LazyLock<Arc<utoipa_swagger_ui::Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        utoipa_swagger_ui::Config::new([DOCUMENT_URL])
            .validator_url("none")
            .try_it_out_enabled(true),
    )
});

/// `/api/docs` → `/api/docs/`, so the page's relative links resolve inside it.
pub async fn docs_redirect() -> Redirect {
    Redirect::permanent("/api/docs/")
}

/// What the docs page says to a reader without JavaScript, which Swagger UI needs: where the
/// document itself is.
const NOSCRIPT: &str = "<body>\n<noscript><p>本页需要 JavaScript。API 说明文档（OpenAPI 3）可直接下载：\
<a href=\"/api/openapi.json\">/api/openapi.json</a></p><p>This page needs JavaScript. The API is \
described by the OpenAPI document at <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p></noscript>";

pub async fn docs_index() -> Response {
    match utoipa_swagger_ui::serve("", CONFIG.clone()) {
        Ok(Some(file)) if !file.gzpipped && file.content_type.starts_with("text/html") => {
            let page = String::from_utf8_lossy(&file.bytes).replacen("<body>", NOSCRIPT, 1);
            let mut r = Html(page).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            r
        }
        _ => docs_file_named(""),
    }
}

pub async fn docs_file(Path(rest): Path<String>) -> Response {
    docs_file_named(&rest)
}

fn docs_file_named(name: &str) -> Response {
    let file = match utoipa_swagger_ui::serve(name, CONFIG.clone()) {
        Ok(Some(file)) => file,
        Ok(None) => return ApiError::not_found("no such file of the API docs").into_response(),
        Err(e) => return ApiError::internal(&e).into_response(),
    };
    let body = match file.bytes {
        Cow::Borrowed(b) => Body::from(b),
        Cow::Owned(v) => Body::from(v),
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&file.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if file.gzpipped {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}
