//! Terrane's API: the GraphQL schema, the HTTP server around it, authentication, and the
//! command line of the `terrane` binary.

pub mod app;
pub mod audit_export;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod graphql;
pub mod http;
pub mod maintenance;
pub mod scheduler;
pub mod telemetry;

pub use app::{Application, Settings};
