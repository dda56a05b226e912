//! The event store: everything about events, visits and their rollups,
//! behind one owner. Ingestion hands it events (`writer`); reports read
//! them raw or rolled up (`reports`, `rollup`); customers' requests and
//! the retention purge delete them (`deletion`, `retention`); exports read
//! them out (`export`). Session recordings' rows and objects live here too
//! (`recordings`, `store`), since they are visitors' data with the same
//! retention and deletion rules.
//!
//! Everything here is written for PostgreSQL and SQLite alike, in one SQL
//! builder (`sql`), with days counted in each site's time zone (`time`)
//! and dimensions described once (`dimension`). The `api` and `worker`
//! crates reach events only through this crate.

pub mod deletion;
pub mod dimension;
pub mod engagement;
pub mod error;
pub mod events;
pub mod export;
pub mod funnel;
pub mod goal;
pub mod recordings;
pub mod reports;
pub mod retention;
pub mod rollup;
pub mod sql;
pub mod store;
pub mod time;
pub mod writer;

pub use dimension::{Dimension, Filter, Op};
pub use engagement::Engagement;
pub use error::{AnalyticsError, Result};
pub use events::{
    BreakdownRow, ClickGrid, EventStore, Purged, Realtime, ReportQuery, SqlEventStore, TimePoint,
};
pub use goal::{Conversions, GoalMatch, Revenue};
pub use time::Window;
