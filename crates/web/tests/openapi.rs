//! The API's own description over real HTTP: the OpenAPI document covers every `/api/v1` route,
//! and the docs page is served from the binary without reaching any other host.

use duban_store::SqliteStore;
use duban_web::AppState;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::Value;
use std::sync::Arc;

struct Site {
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// The app on a free port over a fresh, empty database: the docs need no data.
async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, duban_web::app(AppState::new(store))).into_future());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Site {
        base,
        http,
        _dir: dir,
    }
}

impl Site {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn the_document_describes_every_api_route() {
    let s = site().await;
    let r = s.get("/api/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    let doc: Value = serde_json::from_str(&r.text().await.unwrap()).expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();

    let mut api_routes = 0;
    for (method, path) in duban_web::route_table() {
        if !path.starts_with("/api/v1") {
            continue;
        }
        api_routes += 1;
        // A government's call under its prefix is documented as the same call with `gov`.
        let plain = path.replacen("/api/v1/g/{gov}", "/api/v1", 1);
        if plain != path {
            let params = paths[&path][method.as_str().to_ascii_lowercase()]["parameters"]
                .as_array()
                .unwrap_or_else(|| panic!("{path}: no parameters"));
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == "gov" && p["in"] == "path"),
                "{path}: no gov parameter"
            );
        }
        let method = method.as_str().to_ascii_lowercase();
        let op = &paths
            .get(&path)
            .unwrap_or_else(|| panic!("{path} is not documented"))[&method];
        assert!(op.is_object(), "{method} {path} is not documented");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{method} {path}: no success response"
        );
        // Every refusal is documented with the API's error format; publishing's 409 adds the
        // counts that need confirming to it.
        for (status, resp) in responses {
            if status.starts_with('4') {
                let schema = &resp["content"]["application/json"]["schema"]["$ref"];
                if plain == "/api/v1/rounds/{period}/publish" && status == "409" {
                    assert_eq!(schema, "#/components/schemas/NeedsConfirmation");
                    let props = &doc["components"]["schemas"]["NeedsConfirmation"]["properties"];
                    for key in ["error", "message", "missing", "pending"] {
                        assert!(props[key].is_object(), "NeedsConfirmation has no {key}");
                    }
                    continue;
                }
                assert_eq!(
                    schema, "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
        // Work calls need the bearer token, and say so; login and the public calls do not.
        let needs_token = op.get("security").is_some();
        let public = plain.starts_with("/api/v1/tables")
            || plain == "/api/v1/periods"
            || plain == "/api/v1/search"
            || plain == "/api/v1/units"
            || plain == "/api/v1/leaders"
            || plain.starts_with("/api/v1/targets/");
        let anonymous = public || plain == "/api/v1/login";
        assert_eq!(needs_token, !anonymous, "{method} {path}: security");
        if needs_token {
            assert_eq!(op["security"][0]["bearer"], serde_json::json!([]));
            assert!(responses.contains_key("401"), "{method} {path}: no 401");
        }
    }
    assert!(api_routes >= 12, "only {api_routes} API routes?");

    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ErrorBody"]["required"],
        serde_json::json!(["error", "message"])
    );
    // The documented shapes are the ones served.
    let report = schemas["ReportView"]["properties"].as_object().unwrap();
    for field in [
        "id",
        "period",
        "target_no",
        "entry",
        "leaders",
        "units",
        "progress",
        "on_schedule",
        "state",
        "return_reason",
        "late",
        "version",
    ] {
        assert!(report.contains_key(field), "ReportView lacks {field}");
    }
    assert_eq!(
        schemas["ReportState"]["enum"],
        serde_json::json!(["draft", "submitted", "returned", "accepted"])
    );
    for t in [
        "Table",
        "TableTarget",
        "TableEntry",
        "PublicationSummary",
        "RoundSummary",
    ] {
        assert!(schemas[t].is_object(), "no schema for {t}");
    }
    assert_eq!(schemas["Period"]["type"], "string");
    let edit = &schemas["ReportEdit"];
    assert_eq!(edit["required"], serde_json::json!(["progress"]));
}

/// A schema, following `$ref` into the components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The document says what the handlers take: path parameters are exactly the path's
/// placeholders (once, `q` of the search was declared a path parameter and generated clients
/// sent no query), every text a body carries states its cap, and every operation documents
/// its other refusals in the error format.
#[tokio::test]
async fn parameters_and_bodies_match_the_handlers() {
    let s = site().await;
    let doc: Value =
        serde_json::from_str(&s.get("/api/openapi.json").await.text().await.unwrap()).unwrap();
    let mut bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let placeholders: Vec<&str> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut in_path: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            in_path.sort_unstable();
            let mut expected = placeholders.clone();
            expected.sort_unstable();
            assert_eq!(in_path, expected, "{method} {path}: path parameters");
            for p in &params {
                assert!(
                    p["in"] == "path" || p["in"] == "query",
                    "{method} {path}: {p}"
                );
                if p["in"] == "query" {
                    assert_eq!(p["required"], false, "{method} {path}: {p}");
                }
            }
            assert_eq!(
                op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}: no default refusal"
            );
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            if body.is_null() {
                continue;
            }
            bodies += 1;
            let body = resolve(&doc, body);
            for (name, prop) in body["properties"].as_object().unwrap() {
                let prop = resolve(&doc, prop);
                let text = prop["type"] == "string"
                    || prop["type"] == serde_json::json!(["string", "null"])
                    || prop["oneOf"].is_array();
                let is_date = name == "deadline" || name == "due" || name == "period";
                if text && !is_date {
                    let capped = prop["maxLength"].is_u64()
                        || prop["oneOf"].as_array().is_some_and(|v| {
                            v.iter().any(|x| resolve(&doc, x)["maxLength"].is_u64())
                        });
                    assert!(capped, "{method} {path}: {name} has no maxLength: {prop}");
                }
            }
        }
    }
    assert!(bodies >= 6, "only {bodies} request bodies");
    let search = &doc["paths"]["/api/v1/search"]["get"]["parameters"];
    let names: Vec<&str> = search
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["q", "period", "unit", "leader", "limit", "offset"]);
}

/// Whether a URL found in a page points at another host.
fn external(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("http:") || u.starts_with("https:") || u.starts_with("//")
}

/// The values of `attr="…"` in an HTML document.
fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary() {
    let s = site().await;
    let r = s.get("/api/docs").await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()[LOCATION], "/api/docs/");

    let r = s.get("/api/docs/").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Without JavaScript, the page says so and points at the document itself.
    assert!(
        html.contains("<noscript><p>本页需要 JavaScript")
            && html.contains("<a href=\"/api/openapi.json\">"),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page names another host: {html}"
    );

    // Everything the page loads comes from here, and is here.
    let refs: Vec<&str> = attribute_values(&html, "src")
        .into_iter()
        .chain(attribute_values(&html, "href"))
        .collect();
    assert!(refs.len() >= 4, "{refs:?}");
    for url in &refs {
        assert!(!external(url), "the page loads {url} from elsewhere");
        let path = match url.starts_with('/') {
            true => url.to_string(),
            false => format!("/api/docs/{}", url.trim_start_matches("./")),
        };
        let r = s.get(&path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let body = r.text().await.unwrap_or_default();
        if path.ends_with(".css") {
            // Stylesheets may only embed (data:) or use relative URLs.
            for (i, _) in body.match_indices("url(") {
                let arg = body[i + 4..].trim_start_matches(['"', '\'']);
                assert!(!external(arg), "{path} loads {}", &arg[..arg.len().min(60)]);
            }
            assert!(!body.contains("@import"), "{path} imports a stylesheet");
        }
    }

    // The page's own script: our document, and no call to the public validator (Swagger UI's
    // default posts the document to validator.swagger.io).
    let init = s
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("\"/api/openapi.json\""), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    assert!(
        !init.contains("http://") && !init.contains("https://"),
        "{init}"
    );

    assert_eq!(
        s.get("/api/docs/no-such-file.js").await.status(),
        StatusCode::NOT_FOUND
    );
}
