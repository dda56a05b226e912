//! One module per job.

pub mod data;
pub mod purge;
pub mod recordings;
pub mod rollup;
pub mod runner;
