//! The test site seen through HTTP: a client that does not follow redirects (a redirect to the
//! login page, or after a form, is an answer the tests check), tokens per account, and one
//! call helper for the JSON API and the HTML forms.

use super::PASSWORD;
use duban_store::Store;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// The common test site, with an HTTP client that does not follow redirects (a redirect to the
/// login page, or after a form, is an answer the matrix checks).
pub struct Site {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    pub site: super::Site,
}

/// A site on SQLite.
pub async fn site() -> Site {
    site_on(super::Backend::Sqlite).await
}

pub async fn site_on(backend: super::Backend) -> Site {
    wrap(super::site_on(backend).await)
}

/// A site that mails through `mail`'s SMTP server.
pub async fn site_with_mail(backend: super::Backend, mail: duban_web::mail::MailConfig) -> Site {
    wrap(super::site_with_mail(backend, mail).await)
}

/// A site holding two governments (see [`super::two_site_on`]).
pub async fn two_site_on(backend: super::Backend) -> Site {
    wrap(super::two_site_on(backend).await)
}

fn wrap(site: super::Site) -> Site {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Site {
        base: site.base.clone(),
        store: site.store.clone(),
        http,
        site,
    }
}

impl Site {
    /// The body of a GET without a login, as text (a public page).
    pub async fn text(&self, path: &str) -> String {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A bearer token for a user, made directly in storage (logging in is tested on its own).
    pub async fn token(&self, user: &str) -> Option<String> {
        if user == "anonymous" {
            return None;
        }
        let id = self.store.credentials(user).await.unwrap().unwrap().user_id;
        let (secret, hash) = duban_web::auth::new_secret().unwrap();
        self.store
            .create_token(
                id,
                &hash,
                duban_store::TokenKind::Api,
                std::time::Duration::from_secs(600),
            )
            .await
            .unwrap();
        Some(secret)
    }

    /// A token got by logging in through the API.
    pub async fn login(&self, user: &str) -> Option<String> {
        let r = self
            .call(
                Method::POST,
                "/api/v1/login",
                None,
                Some(json!({"username": user, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.0, StatusCode::OK, "{user}: {}", r.1);
        Some(r.1["token"].as_str().unwrap().to_owned())
    }

    pub async fn call(
        &self,
        m: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(m, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        // The work pages take HTML forms; the API takes JSON.
        let is_page = !path.starts_with("/api/");
        match body {
            Some(b) if is_page => {
                let pairs: Vec<(String, String)> = b
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect();
                req = req.form(&pairs);
            }
            Some(b) => req = req.json(&b),
            None => {}
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The id of a 2023Q4 report by target number and entry.
    pub async fn report_id(&self, no: u32, entry: u32) -> i64 {
        self.site.report_id(no, entry).await
    }
}
