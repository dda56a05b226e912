//! Cookieless visitor ids: a keyed hash of (daily salt, site, IP, user
//! agent). Salts are random per UTC day, created on first use, and deleted
//! when more than a day old (so at most 48 hours after creation): once a
//! salt is gone, nobody, us included, can link a visitor across days.

use chrono::{Duration, NaiveDate};
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use trackr_entity::salt;
use uuid::Uuid;

use crate::tokens;

#[derive(Clone)]
pub struct DaySalts {
    pub day: NaiveDate,
    pub today: Vec<u8>,
    /// Yesterday's salt, to continue visits that cross midnight.
    pub yesterday: Option<Vec<u8>>,
}

#[derive(Default)]
pub struct Salts {
    current: Mutex<Option<DaySalts>>,
}

impl Salts {
    /// The salts for `day`, rotating (creating today's, deleting expired
    /// ones) when the day changed.
    pub async fn for_day(
        &self,
        db: &DatabaseConnection,
        day: NaiveDate,
    ) -> Result<DaySalts, DbErr> {
        let mut current = self.current.lock().await;
        if let Some(s) = current.as_ref().filter(|s| s.day == day) {
            return Ok(s.clone());
        }
        let salts = rotate(db, day).await?;
        *current = Some(salts.clone());
        Ok(salts)
    }
}

/// Creates `day`'s salt if no server has yet, deletes salts older than
/// yesterday, and returns today's and yesterday's.
pub async fn rotate(db: &DatabaseConnection, day: NaiveDate) -> Result<DaySalts, DbErr> {
    salt::Entity::insert(salt::ActiveModel {
        day: Set(day),
        salt: Set(tokens::generate("")),
        created_at: Set(trackr_entity::now()),
    })
    .on_conflict(
        OnConflict::column(salt::Column::Day)
            .do_nothing()
            .to_owned(),
    )
    .do_nothing()
    .exec(db)
    .await?;
    let yesterday = day - Duration::days(1);
    salt::Entity::delete_many()
        .filter(salt::Column::Day.lt(yesterday))
        .exec(db)
        .await?;
    let rows = salt::Entity::find()
        .filter(salt::Column::Day.gte(yesterday))
        .filter(salt::Column::Day.lte(day))
        .all(db)
        .await?;
    let get = |d: NaiveDate| {
        rows.iter()
            .find(|r| r.day == d)
            .map(|r| r.salt.clone().into_bytes())
    };
    Ok(DaySalts {
        day,
        today: get(day).ok_or_else(|| DbErr::RecordNotFound("today's salt".into()))?,
        yesterday: get(yesterday),
    })
}

/// 63 bits of SHA-256(salt ‖ site ‖ ip ‖ user agent), as a positive i64.
pub fn visitor_hash(salt: &[u8], site: Uuid, ip: &str, user_agent: &str) -> i64 {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(site.as_bytes());
    h.update(ip.as_bytes());
    h.update(b"\0");
    h.update(user_agent.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_on_every_input() {
        let site = Uuid::new_v4();
        let base = visitor_hash(b"salt", site, "1.2.3.4", "UA");
        assert!(base >= 0);
        assert_eq!(base, visitor_hash(b"salt", site, "1.2.3.4", "UA"));
        assert_ne!(base, visitor_hash(b"other", site, "1.2.3.4", "UA"));
        assert_ne!(base, visitor_hash(b"salt", Uuid::new_v4(), "1.2.3.4", "UA"));
        assert_ne!(base, visitor_hash(b"salt", site, "1.2.3.5", "UA"));
        assert_ne!(base, visitor_hash(b"salt", site, "1.2.3.4", "UA2"));
    }
}
