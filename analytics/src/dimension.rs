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
    Country,
    Region,
    City,
    Browser,
    Os,
    Device,
    EventName,
}

impl Dimension {
    pub const ALL: [Dimension; 15] = [
        Dimension::Page,
        Dimension::EntryPage,
        Dimension::ExitPage,
        Dimension::Source,
        Dimension::Referrer,
        Dimension::UtmSource,
        Dimension::UtmMedium,
        Dimension::UtmCampaign,
        Dimension::Country,
        Dimension::Region,
        Dimension::City,
        Dimension::Browser,
        Dimension::Os,
        Dimension::Device,
        Dimension::EventName,
    ];

    /// Its column of `events`, for the dimensions that live on events.
    pub fn event_column(self) -> Option<&'static str> {
        Some(match self {
            Dimension::Page => "pathname",
            Dimension::Source => "referrer_source",
            Dimension::Referrer => "referrer",
            Dimension::UtmSource => "utm_source",
            Dimension::UtmMedium => "utm_medium",
            Dimension::UtmCampaign => "utm_campaign",
            Dimension::Country => "country",
            Dimension::Region => "region",
            Dimension::City => "city",
            Dimension::Browser => "browser",
            Dimension::Os => "os",
            Dimension::Device => "device",
            Dimension::EventName => "name",
            Dimension::EntryPage | Dimension::ExitPage => return None,
        })
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
            Dimension::EntryPage | Dimension::ExitPage => return None,
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
        let Some(column) = self.event_column() else {
            return String::new();
        };
        let mut cond = format!(" AND {alias}.{column} IS NOT NULL");
        if self.page_views_only() {
            cond.push_str(&format!(" AND {alias}.name = 'pageview'"));
        }
        cond
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dimension_lives_somewhere_and_codes_are_unique() {
        let mut codes = std::collections::HashSet::new();
        for d in Dimension::ALL {
            assert!(
                d.event_column().is_some() != d.visit_column().is_some(),
                "{d:?} lives in exactly one table"
            );
            if let Some(code) = d.rollup_code() {
                assert!(codes.insert(code), "{d:?}'s code {code} is taken");
                assert!(
                    d.event_column().is_some(),
                    "rolled-up dimensions are event columns"
                );
            }
        }
        assert_eq!(Dimension::rolled_up().count(), 13);
        assert_eq!(
            Dimension::Page.event_condition("e"),
            " AND e.pathname IS NOT NULL AND e.name = 'pageview'"
        );
    }
}
