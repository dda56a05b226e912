//! Removing session recordings: objects first, then their rows, so an
//! interrupted removal leaves rows that the next run finds again (deleting
//! an object that is already gone is not an error).

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use trackr_entity::recording;

use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("object store: {0}")]
    Store(String),
}

/// Deletes the objects of these chunk rows, then the rows; returns how
/// many rows went.
pub async fn remove(
    db: &DatabaseConnection,
    store: &Store,
    chunks: &[(i64, String)],
) -> Result<u64, RemoveError> {
    if chunks.is_empty() {
        return Ok(0);
    }
    for (_, key) in chunks {
        store.delete(key).await.map_err(RemoveError::Store)?;
    }
    Ok(recording::Entity::delete_many()
        .filter(recording::Column::Id.is_in(chunks.iter().map(|(id, _)| *id)))
        .exec(db)
        .await?
        .rows_affected)
}

/// `(id, object key)` of the chunks a query selects, at most `limit`.
pub async fn select(
    db: &DatabaseConnection,
    query: sea_orm::Select<recording::Entity>,
    limit: u64,
) -> Result<Vec<(i64, String)>, DbErr> {
    query
        .select_only()
        .column(recording::Column::Id)
        .column(recording::Column::ObjectKey)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}
