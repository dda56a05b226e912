//! One module per job. What the jobs do to events, visits and rollups is
//! the analytics store's (`trackr_analytics`); the jobs decide when and
//! for whom, and keep their bookkeeping.

pub mod exports;
pub mod purge;
pub mod runner;
