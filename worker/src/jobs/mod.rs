//! One module per job.

pub mod purge;
