//! Engagement (issue 17): the beacons Plausible's tracker (and ours) sends
//! after a page view, with how far the page was scrolled and how long it
//! was engaged with. They are not events: they set those figures on the
//! page view they follow, and nothing else (no event counted, no visit
//! lengthened, no bounce undone).

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::{reports::get, sql::statement};

/// How far back the page view an engagement beacon follows is looked for:
/// a page may stay open, and engaged with now and then, for hours.
pub const LOOKBACK_MS: i64 = 24 * 3_600_000;

/// An engagement beacon, its visitor identified as a page view's is.
#[derive(Debug, Clone, PartialEq)]
pub struct Engagement {
    pub site: Uuid,
    /// The visitor's ids of today and yesterday (its daily salts).
    pub today: i64,
    pub yesterday: Option<i64>,
    pub pathname: String,
    pub scroll_depth: Option<i32>,
    pub engaged_ms: i64,
}

/// Sets the figures on the visitor's latest page view of the path (in its
/// latest visit of the last day): the deepest scroll so far, the engaged
/// time added. Whether there was such a page view.
pub async fn engage<C: ConnectionTrait>(
    db: &C,
    e: &Engagement,
    now_ms: i64,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let ids = [Some(e.today), e.yesterday]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let marks = vec!["?"; ids.len()].join(", ");
    let mut values: Vec<sea_orm::Value> = vec![e.site.into()];
    values.extend(ids.iter().map(|h| (*h).into()));
    values.push((now_ms - LOOKBACK_MS).into());
    let visit = db
        .query_one(statement(
            backend,
            &format!(
                "SELECT v.session_id FROM visits v WHERE v.site_id = ? AND v.visitor_hash IN ({marks}) \
                 AND v.ended_at >= ? ORDER BY v.ended_at DESC LIMIT 1"
            ),
            values,
        ))
        .await?;
    let Some(visit) = visit else {
        return Ok(false);
    };
    let session = get(&visit, 0)?;
    let found = db
        .query_one(statement(
            backend,
            "SELECT e.id FROM events e WHERE e.session_id = ? AND e.site_id = ? AND e.name = 'pageview' \
             AND e.pathname = ? ORDER BY e.ts DESC, e.id DESC LIMIT 1",
            vec![session.into(), e.site.into(), e.pathname.clone().into()],
        ))
        .await?;
    let Some(found) = found else {
        return Ok(false);
    };
    let id = get(&found, 0)?;
    let depth = e.scroll_depth.map(i64::from);
    db.execute(statement(
        backend,
        "UPDATE events SET \
         scroll_depth = CASE WHEN ? IS NULL THEN scroll_depth WHEN scroll_depth IS NULL OR scroll_depth < ? THEN ? ELSE scroll_depth END, \
         engaged_ms = COALESCE(engaged_ms, 0) + ? WHERE id = ?",
        vec![depth.into(), depth.into(), depth.into(), e.engaged_ms.into(), id.into()],
    ))
    .await?;
    Ok(true)
}
