//! Session recordings and heatmaps on `Site` (issue 6). The site was
//! loaded through `access::site` for reading (VIEWER and above), so these
//! fields need no further check.

use async_graphql::{
    connection::{Connection, Edge},
    Context, Object, SimpleObject,
};
use chrono::{DateTime, TimeZone, Utc};

use super::Ctx;
use crate::{error::ApiResult, recordings::Summary, stats::heatmap};

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A recorded session: one page load and its in-page navigation.
pub struct Recording(pub Summary);

#[Object]
impl Recording {
    async fn session_id(&self) -> &str {
        &self.0.session_id
    }
    async fn started_at(&self) -> DateTime<Utc> {
        at(self.0.started_at)
    }
    async fn ended_at(&self) -> DateTime<Utc> {
        at(self.0.ended_at)
    }
    async fn duration_seconds(&self) -> f64 {
        (self.0.ended_at - self.0.started_at).max(0) as f64 / 1000.0
    }
    /// Paths visited, in order, without query strings.
    async fn pages(&self) -> &[String] {
        &self.0.pages
    }
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Desktop, Mobile, Tablet or Other.
    async fn device(&self) -> Option<&str> {
        self.0.device.as_deref()
    }
    async fn browser(&self) -> Option<&str> {
        self.0.browser.as_deref()
    }
    async fn os(&self) -> Option<&str> {
        self.0.os.as_deref()
    }
    /// Chunks stored for the session.
    async fn chunks(&self) -> i32 {
        i32::try_from(self.0.chunks).unwrap_or(i32::MAX)
    }
    /// rrweb events in all its chunks.
    async fn event_count(&self) -> i32 {
        i32::try_from(self.0.events).unwrap_or(i32::MAX)
    }
    /// Stored (gzipped) bytes.
    async fn stored_bytes(&self) -> f64 {
        self.0.bytes as f64
    }
    /// The rrweb events of every chunk, in `seq` order: what rrweb's
    /// player replays. One recording a request (up to 32 MiB of events).
    #[graphql(complexity = 1000)]
    async fn events(&self, ctx: &Context<'_>) -> ApiResult<async_graphql::Json<serde_json::Value>> {
        ctx.meta().spend_playback()?;
        crate::recordings::events(ctx.app(), self.0.site_id, &self.0.session_id)
            .await
            .map(async_graphql::Json)
    }
}

pub type RecordingConnection = Connection<String, Recording>;

pub fn connection(rows: Vec<Summary>, has_previous: bool, has_next: bool) -> RecordingConnection {
    let mut c = Connection::new(has_previous, has_next);
    c.edges.extend(
        rows.into_iter()
            .map(|s| Edge::new(crate::recordings::cursor(&s), Recording(s))),
    );
    c
}

#[derive(SimpleObject)]
pub struct HeatmapCell {
    /// 0-based, left to right; `columns` equal slices of the page's width.
    pub column: i32,
    /// 0-based, top to bottom; `cellHeight` px each.
    pub row: i32,
    pub count: i32,
    /// This cell's share of all the heatmap's clicks, 0 to 1.
    pub density: f64,
}

#[derive(SimpleObject)]
pub struct Heatmap {
    pub path: String,
    pub viewport_class: heatmap::ViewportClass,
    pub columns: i32,
    pub cell_height: i32,
    pub clicks: i32,
    /// The largest cell count (to scale colours).
    pub max_count: i32,
    /// Cells with clicks, by row then column.
    pub cells: Vec<HeatmapCell>,
}

impl Heatmap {
    pub fn new(path: String, class: heatmap::ViewportClass, grid: heatmap::Grid) -> Self {
        let clamp = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        let total = grid.clicks.max(1) as f64;
        Heatmap {
            path,
            viewport_class: class,
            columns: grid.columns,
            cell_height: grid.cell_height,
            clicks: clamp(grid.clicks),
            max_count: clamp(grid.cells.iter().map(|c| c.count).max().unwrap_or(0)),
            cells: grid
                .cells
                .into_iter()
                .map(|c| HeatmapCell {
                    column: c.column,
                    row: c.row,
                    count: clamp(c.count),
                    density: c.count as f64 / total,
                })
                .collect(),
        }
    }
}
