//! Exporting a site's raw events for a range (privacy promise 4): gzipped
//! NDJSON and CSV, read in pages (constant memory), uploaded to the object
//! store. The worker runs it as a job and hands out the links.

use std::{io::Write, path::PathBuf};

use flate2::{write::GzEncoder, Compression};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use trackr_entity::event;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportParams {
    pub site_id: Uuid,
    pub window: (i64, i64),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportResult {
    pub events: u64,
    /// File names under the export directory.
    pub files: Vec<String>,
}

/// The exported columns, in order.
pub const COLUMNS: [&str; 20] = [
    "ts",
    "name",
    "pathname",
    "hostname",
    "referrer",
    "referrer_source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "device",
    "visitor_id",
    "session_id",
    "props",
    "revenue_minor",
    "revenue_currency",
];

fn row(e: &event::Model) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        e.ts.to_string(),
        e.name.clone(),
        e.pathname.clone(),
        e.hostname.clone(),
        opt(&e.referrer),
        e.referrer_source.clone(),
        opt(&e.utm_source),
        opt(&e.utm_medium),
        opt(&e.utm_campaign),
        opt(&e.country),
        opt(&e.region),
        opt(&e.city),
        e.browser.clone(),
        e.os.clone(),
        e.device.clone(),
        e.visitor_hash.to_string(),
        e.session_id.to_string(),
        opt(&e.props),
        e.revenue_minor.map(|r| r.to_string()).unwrap_or_default(),
        opt(&e.revenue_currency),
    ]
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("object store: {0}")]
    Store(String),
}

/// The object-store key of an export file.
pub fn export_key(job: Uuid, file: &str) -> String {
    format!("exports/{job}/{file}")
}

/// Writes `<job>.ndjson.gz` and `<job>.csv.gz` in `dir`, reading the
/// events in pages (constant memory), then uploads both to the object
/// store.
pub async fn export(
    db: &DatabaseConnection,
    p: &ExportParams,
    store: &crate::store::Store,
    dir: &std::path::Path,
    job: Uuid,
) -> Result<ExportResult, ExportError> {
    std::fs::create_dir_all(dir)?;
    let ndjson_name = format!("{job}.ndjson.gz");
    let csv_name = format!("{job}.csv.gz");
    let tmp = |name: &str| -> PathBuf { dir.join(format!(".{name}.tmp")) };
    let mut ndjson = GzEncoder::new(
        std::fs::File::create(tmp(&ndjson_name))?,
        Compression::default(),
    );
    let mut csv = csv::Writer::from_writer(GzEncoder::new(
        std::fs::File::create(tmp(&csv_name))?,
        Compression::default(),
    ));
    csv.write_record(COLUMNS)?;
    let mut after = i64::MIN;
    let mut count = 0u64;
    loop {
        let page = event::Entity::find()
            .filter(event::Column::SiteId.eq(p.site_id))
            .filter(event::Column::Ts.gte(p.window.0))
            .filter(event::Column::Ts.lt(p.window.1))
            .filter(event::Column::Id.gt(after))
            .order_by_asc(event::Column::Id)
            .limit(5_000)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in &page {
            let values = row(e);
            let object: serde_json::Map<String, serde_json::Value> = COLUMNS
                .iter()
                .zip(&values)
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::to_writer(&mut ndjson, &object).map_err(std::io::Error::other)?;
            ndjson.write_all(b"\n")?;
            csv.write_record(&values)?;
            count += 1;
        }
    }
    ndjson.finish()?.sync_all()?;
    csv.into_inner()
        .map_err(|e| e.into_error())?
        .finish()?
        .sync_all()?;
    // Complete files are uploaded, or nothing is.
    for name in [&ndjson_name, &csv_name] {
        store
            .put_file(&export_key(job, name), &tmp(name))
            .await
            .map_err(ExportError::Store)?;
        let _ = std::fs::remove_file(tmp(name));
    }
    Ok(ExportResult {
        events: count,
        files: vec![ndjson_name, csv_name],
    })
}
