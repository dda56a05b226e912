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

/// The CSV header: the exported fields of an event (`event::Model`'s
/// serialization), in order.
pub fn columns() -> Result<csv::StringRecord, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(event::Model::default())?;
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(csv::Reader::from_reader(bytes.as_slice())
        .headers()?
        .clone())
}

/// An event as an NDJSON object: the same fields, every value a string
/// (absent ones empty), as in the CSV.
fn object(e: &event::Model) -> Result<serde_json::Value, serde_json::Error> {
    use serde_json::Value;
    let mut value = serde_json::to_value(e)?;
    if let Value::Object(fields) = &mut value {
        for v in fields.values_mut() {
            *v = Value::String(match std::mem::take(v) {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            });
        }
    }
    Ok(value)
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the NDJSON: {0}")]
    Json(#[from] serde_json::Error),
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
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(GzEncoder::new(
            std::fs::File::create(tmp(&csv_name))?,
            Compression::default(),
        ));
    csv.write_record(&columns()?)?;
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
            serde_json::to_writer(&mut ndjson, &object(e)?).map_err(std::io::Error::other)?;
            ndjson.write_all(b"\n")?;
            csv.serialize(e)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_has_every_column_but_the_internal_ones_as_strings() {
        let header: Vec<String> = columns().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header.first().map(String::as_str), Some("ts"));
        assert!(header.contains(&"visitor_id".to_owned()));
        for internal in [
            "id",
            "site_id",
            "visitor_hash",
            "click_x",
            "click_y",
            "viewport_width",
        ] {
            assert!(!header.contains(&internal.to_owned()), "{internal}");
        }
        assert_eq!(header.len(), 22);
        let e = event::Model {
            ts: 1_700_000_000_000,
            name: "pageview".into(),
            revenue_minor: Some(1299),
            visitor_hash: -5,
            ..Default::default()
        };
        let o = object(&e).unwrap();
        assert_eq!(o["ts"], "1700000000000");
        assert_eq!(o["revenue_minor"], "1299");
        assert_eq!(o["visitor_id"], "-5");
        assert_eq!(o["country"], "");
        assert_eq!(o.as_object().unwrap().len(), header.len());
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        w.serialize(&e).unwrap();
        let line = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert!(line.starts_with("1700000000000,pageview,"), "{line}");
        assert_eq!(line.trim_end().split(',').count(), header.len());
    }
}
