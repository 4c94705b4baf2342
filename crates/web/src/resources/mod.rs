//! The resources of the site, one module each: its pages, its API calls and their types live
//! together (as realworld-axum-sqlx's `http/` and crates.io's `controllers/` are). No module here
//! imports from a sibling; what they share sits above them (`extract`, `policy`, `view`,
//! `error`).

pub mod audit;
pub mod bundle;
pub mod comments;
pub mod dashboard;
pub mod directory;
pub mod extensions;
pub mod feeds;
pub mod home;
pub mod import;
pub mod mail;
pub mod messages;
pub mod plan_targets;
pub mod plans;
pub mod publications;
pub mod reports;
pub mod rounds;
pub mod scorecards;
pub mod search;
pub mod session;
pub mod units;
pub mod users;
