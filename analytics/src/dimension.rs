//! What reports group and filter by. One `Dimension` carries everything
//! about itself that the store needs: where it lives (a column of
//! `events`, or of `visits` for entry and exit pages), the code of its
//! rollup rows, and whether only page views count for it.

/// A report dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Page,
    EntryPage,
    ExitPage,
    Source,
    Referrer,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmContent,
    UtmTerm,
    Country,
    Region,
    City,
    Browser,
    Os,
    Device,
    /// The class of the viewport's width the tracker sends (`Mobile` below
    /// 576 px, `Tablet` below 992, `Laptop` below 1440, else `Desktop`).
    ScreenSize,
    Hostname,
    EventName,
    /// A custom property's value (the filter's or breakdown's `key` names
    /// the property); read raw from the events' `props`.
    Property,
    /// A filter only: the visitors who converted to a goal in the report's
    /// range (the value: `GoalMatch::filter_value`). Nothing is broken
    /// down by it; goals have their own report (`crate::goal`).
    Goal,
    /// A filter only, and only in the API: a saved segment, which the API
    /// replaces with the segment's own filters before any report runs.
    Segment,
}

impl Dimension {
    pub const ALL: [Dimension; 22] = [
        Dimension::Page,
        Dimension::EntryPage,
        Dimension::ExitPage,
        Dimension::Source,
        Dimension::Referrer,
        Dimension::UtmSource,
        Dimension::UtmMedium,
        Dimension::UtmCampaign,
        Dimension::UtmContent,
        Dimension::UtmTerm,
        Dimension::Country,
        Dimension::Region,
        Dimension::City,
        Dimension::Browser,
        Dimension::Os,
        Dimension::Device,
        Dimension::ScreenSize,
        Dimension::Hostname,
        Dimension::EventName,
        Dimension::Property,
        Dimension::Goal,
        Dimension::Segment,
    ];

    /// Its value on an event row aliased `alias`, as SQL: a column of
    /// `events`, or (screen size) an expression over one; none for the
    /// dimensions that live on visits.
    pub fn event_expr(self, alias: &str) -> Option<String> {
        if self == Dimension::ScreenSize {
            return Some(format!(
                "(CASE WHEN {alias}.viewport_width IS NULL THEN NULL \
                 WHEN {alias}.viewport_width < 576 THEN 'Mobile' \
                 WHEN {alias}.viewport_width < 992 THEN 'Tablet' \
                 WHEN {alias}.viewport_width < 1440 THEN 'Laptop' ELSE 'Desktop' END)"
            ));
        }
        self.event_column().map(|c| format!("{alias}.{c}"))
    }

    /// Its column of `events`, for the dimensions stored as one.
    fn event_column(self) -> Option<&'static str> {
        Some(match self {
            Dimension::Page => "pathname",
            Dimension::Source => "referrer_source",
            Dimension::Referrer => "referrer",
            Dimension::UtmSource => "utm_source",
            Dimension::UtmMedium => "utm_medium",
            Dimension::UtmCampaign => "utm_campaign",
            Dimension::UtmContent => "utm_content",
            Dimension::UtmTerm => "utm_term",
            Dimension::Country => "country",
            Dimension::Region => "region",
            Dimension::City => "city",
            Dimension::Browser => "browser",
            Dimension::Os => "os",
            Dimension::Device => "device",
            Dimension::Hostname => "hostname",
            Dimension::EventName => "name",
            Dimension::EntryPage
            | Dimension::ExitPage
            | Dimension::ScreenSize
            | Dimension::Property
            | Dimension::Goal
            | Dimension::Segment => return None,
        })
    }

    /// Whether reports break down by it (all but the goal and segment
    /// filters).
    pub fn is_breakdown(self) -> bool {
        !matches!(self, Dimension::Goal | Dimension::Segment)
    }

    /// Whether it lives in a column of its own (not a goal, not a
    /// property: those are read through their key).
    pub fn is_column(self) -> bool {
        !matches!(
            self,
            Dimension::Goal | Dimension::Property | Dimension::Segment
        )
    }

    /// Its column of `visits` (entry and exit pages).
    pub fn visit_column(self) -> Option<&'static str> {
        match self {
            Dimension::EntryPage => Some("entry_page"),
            Dimension::ExitPage => Some("exit_page"),
            _ => None,
        }
    }

    /// The `dim` of its rows in `rollups`; none for the visit dimensions,
    /// which are not rolled up. Codes are stored: never renumber.
    pub fn rollup_code(self) -> Option<i32> {
        Some(match self {
            Dimension::Page => 1,
            Dimension::Source => 2,
            Dimension::Referrer => 3,
            Dimension::UtmSource => 4,
            Dimension::UtmMedium => 5,
            Dimension::UtmCampaign => 6,
            Dimension::Country => 7,
            Dimension::Region => 8,
            Dimension::City => 9,
            Dimension::Browser => 10,
            Dimension::Os => 11,
            Dimension::Device => 12,
            Dimension::EventName => 13,
            Dimension::UtmContent => 14,
            Dimension::UtmTerm => 15,
            Dimension::ScreenSize => 16,
            Dimension::Hostname => 17,
            Dimension::EntryPage
            | Dimension::ExitPage
            | Dimension::Property
            | Dimension::Goal
            | Dimension::Segment => return None,
        })
    }

    /// Pages count page views only: a custom event on a page is not a
    /// visit to it.
    pub fn page_views_only(self) -> bool {
        self == Dimension::Page
    }

    /// The dimensions with rollup rows.
    pub fn rolled_up() -> impl Iterator<Item = Dimension> {
        Dimension::ALL
            .into_iter()
            .filter(|d| d.rollup_code().is_some())
    }

    /// The condition an event row of this dimension meets to count for
    /// it, with `alias` the events table's alias: the value is present
    /// (and, for pages, the event is a page view).
    pub fn event_condition(self, alias: &str) -> String {
        let Some(expr) = self.event_expr(alias) else {
            return String::new();
        };
        let mut cond = format!(" AND {expr} IS NOT NULL");
        if self.page_views_only() {
            cond.push_str(&format!(" AND {alias}.name = 'pageview'"));
        }
        cond
    }
}

/// The dimensions whose values filter reports from the rollups in pairs
/// (a filter on one, a breakdown by another; or two filters), and, with
/// the page, in threes (two filters, a breakdown by page). Rows grow with
/// the value pairs a day has, so these are the dimensions a dashboard
/// filters by most, not all of them.
pub const PAIRED: [Dimension; 4] = [
    Dimension::Page,
    Dimension::Source,
    Dimension::Country,
    Dimension::Browser,
];

/// A set of rolled-up dimensions, in the order of their rollup codes: the
/// key of a family of rollup rows (`value`, `value2`, `value3`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Combo(Vec<Dimension>);

impl Combo {
    /// The set of `dims` (repeats removed), if every one is rolled up.
    pub fn of(dims: impl IntoIterator<Item = Dimension>) -> Option<Combo> {
        let mut dims: Vec<Dimension> = dims.into_iter().collect();
        if dims.iter().any(|d| d.rollup_code().is_none()) {
            return None;
        }
        dims.sort_by_key(|d| d.rollup_code());
        dims.dedup();
        Some(Combo(dims))
    }

    /// No dimension: the site-wide rows.
    pub fn total() -> Combo {
        Combo(Vec::new())
    }

    /// Every combination that has rollup rows: each rolled-up dimension
    /// alone, each pair of `PAIRED`, and each pair of `PAIRED` other than
    /// the page together with the page.
    pub fn rolled() -> Vec<Combo> {
        let mut out: Vec<Combo> = Dimension::rolled_up()
            .filter_map(|d| Combo::of([d]))
            .collect();
        for (i, a) in PAIRED.iter().enumerate() {
            for b in &PAIRED[i + 1..] {
                out.extend(Combo::of([*a, *b]));
                if *a != Dimension::Page && *b != Dimension::Page {
                    out.extend(Combo::of([*a, *b, Dimension::Page]));
                }
            }
        }
        out
    }

    /// Whether this combination has rollup rows.
    pub fn is_rolled(&self) -> bool {
        match self.0.as_slice() {
            [] => false,
            [_] => true,
            dims => {
                let paired = dims.iter().all(|d| PAIRED.contains(d));
                paired && (dims.len() == 2 || (dims.len() == 3 && self.has(Dimension::Page)))
            }
        }
    }

    pub fn dims(&self) -> &[Dimension] {
        &self.0
    }

    pub fn has(&self, d: Dimension) -> bool {
        self.0.contains(&d)
    }

    /// The `dim` of its rollup rows: the dimension's own code alone, else
    /// the codes as base-100 digits (page and source: 102). Stored: never
    /// change.
    pub fn code(&self) -> i32 {
        self.0
            .iter()
            .filter_map(|d| d.rollup_code())
            .fold(0, |acc, c| acc * 100 + c)
    }

    /// The rollup column holding `d`'s value (`value`, `value2`, `value3`).
    pub fn value_column(&self, d: Dimension) -> Option<&'static str> {
        let i = self.0.iter().position(|x| *x == d)?;
        ["value", "value2", "value3"].get(i).copied()
    }
}

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Is,
    IsNot,
    Contains,
}

/// A report filter: it selects events (entry and exit pages: the events
/// of the visits they start or end).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    pub dimension: Dimension,
    pub op: Op,
    pub value: String,
    /// The property's key, for `Dimension::Property`.
    pub key: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dimension_lives_somewhere_and_codes_are_unique() {
        let mut codes = std::collections::HashSet::new();
        for d in Dimension::ALL.into_iter().filter(|d| d.is_column()) {
            assert!(
                d.event_expr("e").is_some() != d.visit_column().is_some(),
                "{d:?} lives in exactly one table"
            );
            if let Some(code) = d.rollup_code() {
                assert!(codes.insert(code), "{d:?}'s code {code} is taken");
                assert!(
                    d.event_expr("e").is_some(),
                    "rolled-up dimensions live on events"
                );
            }
        }
        assert_eq!(Dimension::rolled_up().count(), 17);
        let combos = Combo::rolled();
        let codes: std::collections::HashSet<i32> = combos.iter().map(Combo::code).collect();
        assert_eq!(
            codes.len(),
            combos.len(),
            "every combination has its own code"
        );
        assert_eq!(combos.len(), 17 + 6 + 3);
        for c in &combos {
            assert!(c.is_rolled(), "{c:?}");
            assert!(c.code() != crate::rollup::TOTAL && c.code() != crate::rollup::VISITS);
            assert!(c.code() != crate::rollup::MARK, "{c:?}");
        }
        let pair = Combo::of([Dimension::Source, Dimension::Page]).unwrap();
        assert_eq!(pair.code(), 102);
        assert_eq!(pair.value_column(Dimension::Page), Some("value"));
        assert_eq!(pair.value_column(Dimension::Source), Some("value2"));
        assert!(!Combo::of([Dimension::Os, Dimension::Page])
            .unwrap()
            .is_rolled());
        assert!(
            !Combo::of([Dimension::Source, Dimension::Country, Dimension::Browser])
                .unwrap()
                .is_rolled()
        );
        assert!(Combo::of([Dimension::EntryPage]).is_none());
        assert_eq!(
            Dimension::Page.event_condition("e"),
            " AND e.pathname IS NOT NULL AND e.name = 'pageview'"
        );
    }
}
