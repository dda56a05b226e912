//! The `trackr` binary's library: the axum server, the GraphQL API and the
//! command line. `main.rs` only calls [`cli::main`].

pub mod access;
pub mod accounts;
pub mod api_keys;
pub mod app;
pub mod billing;
pub mod browser;
pub mod cli;
pub mod client_ip;
pub mod data_jobs;
pub mod email;
pub mod error;
pub mod funnels;
pub mod goals;
pub mod graphql;
pub mod ingest;
pub mod metrics;
pub mod notify;
pub mod organizations;
pub mod ratelimit;
pub mod recipients;
pub mod recordings;
pub mod segments;
pub mod server;
pub mod shares;
pub mod site_items;
pub mod sites;
pub mod stats;
pub mod telemetry;
pub mod tokens;
pub mod web;

pub use app::App;
pub use error::ApiError;
pub use server::{RunningServer, Server};
