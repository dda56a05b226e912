//! Segments: `createSegment`, `deleteSegment`, and the `Segment` object
//! (`Site.segments` is a field of `Site`, in `site.rs`).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use trackr_entity::segment;

use super::{parse_id, Ctx};
use crate::{
    access::{self, Action},
    error::ApiResult,
    segments,
    stats::{DimensionGql, FilterInput, FilterOpGql},
};

#[derive(InputObject)]
pub struct CreateSegmentInput {
    site_id: ID,
    /// Unique per site, 1 to 120 characters.
    name: String,
    /// 1 to 20, as a report takes them (no SEGMENT among them).
    filters: Vec<FilterInput>,
    /// Shared with everyone who reads the site (owners and admins only);
    /// otherwise private to its author.
    #[graphql(default)]
    shared: bool,
}

#[derive(Default)]
pub struct SegmentMutation;

#[Object]
impl SegmentMutation {
    /// Saves a segment (a member's session, not an API key).
    async fn create_segment(
        &self,
        ctx: &Context<'_>,
        input: CreateSegmentInput,
    ) -> ApiResult<Segment> {
        let site_id = parse_id(&input.site_id, "site")?;
        let (site, grant) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            site_id,
            Action::ReadSites,
        )
        .await?;
        let segment = segments::create(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &site,
            &grant,
            &input.name,
            input.filters,
            input.shared,
        )
        .await?;
        Ok(Segment {
            mine: true,
            model: segment,
        })
    }

    /// Deletes a segment: one's own private one, or (owners and admins) a
    /// shared one.
    async fn delete_segment(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "segment")?;
        segments::delete(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }
}

pub struct Segment {
    pub model: segment::Model,
    /// Whether the caller saved it.
    pub mine: bool,
}

/// A filter as a segment holds it.
#[derive(SimpleObject)]
pub struct SegmentFilter {
    dimension: DimensionGql,
    op: FilterOpGql,
    value: String,
    key: Option<String>,
}

#[Object]
impl Segment {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// What it applies; a report takes it as `{dimension: SEGMENT, op: IS,
    /// value: <id>}`.
    async fn filters(&self) -> Vec<SegmentFilter> {
        segments::stored(&self.model)
            .into_iter()
            .map(|f| SegmentFilter {
                dimension: f.dimension,
                op: f.op,
                value: f.value,
                key: f.key,
            })
            .collect()
    }
    async fn shared(&self) -> bool {
        self.model.shared
    }
    /// Whether the caller saved it (and may delete it when private).
    async fn mine(&self) -> bool {
        self.mine
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// The segments of a site the caller sees.
pub async fn list(ctx: &Context<'_>, site: uuid::Uuid) -> ApiResult<Vec<Segment>> {
    let viewer = ctx.principal().user_id();
    Ok(segments::list(ctx.app(), site, viewer)
        .await?
        .into_iter()
        .map(|model| Segment {
            mine: Some(model.user_id) == viewer,
            model,
        })
        .collect())
}
