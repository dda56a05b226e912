use sea_orm::{entity::prelude::*, sea_query::OnConflict, QueryOrder, QuerySelect};

/// One chunk of a session recording: rrweb events whose bytes live in
/// object storage under `object_key`. Times are epoch milliseconds.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recordings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub site_id: Uuid,
    /// Chosen by the recorder; one page load (and its in-page navigation).
    pub session_id: String,
    /// Playback order within the session.
    pub seq: i32,
    pub object_key: String,
    /// Stored (gzipped) size of the object.
    pub bytes: i64,
    /// rrweb events in the chunk.
    pub events: i32,
    /// First and last event timestamps of the chunk.
    pub started_at: i64,
    pub ended_at: i64,
    /// JSON array of the paths the chunk's meta events visited.
    #[sea_orm(column_type = "Text")]
    pub pages: String,
    pub country: Option<String>,
    pub browser: String,
    pub os: String,
    pub device: String,
    /// The same keyed daily hash as `events.visitor_hash`: never the IP.
    pub visitor_hash: i64,
    pub received_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The object key of a stored chunk, if `(site, session, seq)` exists.
    pub async fn existing_key<C: ConnectionTrait>(
        db: &C,
        site_id: Uuid,
        session_id: &str,
        seq: i32,
    ) -> Result<Option<String>, DbErr> {
        Entity::find()
            .select_only()
            .column(Column::ObjectKey)
            .filter(Column::SiteId.eq(site_id))
            .filter(Column::SessionId.eq(session_id))
            .filter(Column::Seq.eq(seq))
            .into_tuple()
            .one(db)
            .await
    }

    /// Inserts a chunk unless `(site, session, seq)` exists; true when
    /// inserted. A duplicate changes nothing.
    pub async fn insert_if_new<C: ConnectionTrait>(db: &C, chunk: Model) -> Result<bool, DbErr> {
        let mut active: ActiveModel = chunk.into();
        active.id = sea_orm::ActiveValue::NotSet;
        let inserted = Entity::insert(active)
            .on_conflict(
                OnConflict::columns([Column::SiteId, Column::SessionId, Column::Seq])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        Ok(inserted == 1)
    }

    /// When the session's earliest stored chunk started.
    pub async fn session_start<C: ConnectionTrait>(
        db: &C,
        site_id: Uuid,
        session_id: &str,
    ) -> Result<Option<i64>, DbErr> {
        let start: Option<Option<i64>> = Entity::find()
            .select_only()
            .column_as(Column::StartedAt.min(), "start")
            .filter(Column::SiteId.eq(site_id))
            .filter(Column::SessionId.eq(session_id))
            .into_tuple()
            .one(db)
            .await?;
        Ok(start.flatten())
    }

    /// The session's chunks in playback order.
    pub async fn chunks<C: ConnectionTrait>(
        db: &C,
        site_id: Uuid,
        session_id: &str,
    ) -> Result<Vec<Model>, DbErr> {
        Entity::find()
            .filter(Column::SiteId.eq(site_id))
            .filter(Column::SessionId.eq(session_id))
            .order_by_asc(Column::Seq)
            .all(db)
            .await
    }

    /// `(session, pages)` of the chunks that visited pages, for `sessions`.
    pub async fn pages_of<C: ConnectionTrait>(
        db: &C,
        site_id: Uuid,
        sessions: &[String],
    ) -> Result<Vec<(String, String)>, DbErr> {
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        Entity::find()
            .select_only()
            .column(Column::SessionId)
            .column(Column::Pages)
            .filter(Column::SiteId.eq(site_id))
            .filter(Column::SessionId.is_in(sessions.iter().cloned()))
            .filter(Column::Pages.ne("[]"))
            .order_by_asc(Column::Seq)
            .into_tuple()
            .all(db)
            .await
    }
}

/// The object-key prefix of all of a site's recordings.
pub fn site_prefix(site_id: Uuid) -> String {
    format!("recordings/{site_id}")
}

/// `recordings/{site}/{YYYY-MM-DD}/{session}/{seq:06}.json.gz`.
pub fn object_key(site_id: Uuid, day: chrono::NaiveDate, session_id: &str, seq: i32) -> String {
    format!(
        "{}/{}/{session_id}/{seq:06}.json.gz",
        site_prefix(site_id),
        day.format("%Y-%m-%d")
    )
}
