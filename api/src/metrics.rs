//! Prometheus metrics, named `trackr_<thing>_<unit>`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub logins: IntCounterVec,
    pub events_dropped: IntCounterVec,
    pub events_accepted: IntCounter,
    pub events_refused: IntCounter,
    pub purged: IntCounterVec,
    pub webhooks: IntCounterVec,
    pub recording_chunks: IntCounterVec,
    /// GraphQL requests being answered now (a request whose client left
    /// is no longer counted: its work was dropped with it).
    pub graphql_in_flight: IntGauge,
    pub graphql_timeouts: IntCounter,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("trackr_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "trackr_http_request_duration_seconds",
                "Time to answer HTTP requests",
            ),
            &["method", "route"],
        )
        .expect("valid metric");
        let logins = IntCounterVec::new(
            Opts::new("trackr_logins_total", "Log-in attempts by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let events_dropped = IntCounterVec::new(
            Opts::new(
                "trackr_events_dropped_total",
                "Events dropped on purpose, by reason",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let events_accepted = IntCounter::new("trackr_events_accepted_total", "Beacons stored")
            .expect("valid metric");
        let events_refused = IntCounter::new(
            "trackr_events_refused_total",
            "Beacons refused past the quota's grace",
        )
        .expect("valid metric");
        let purged = IntCounterVec::new(
            Opts::new(
                "trackr_purge_deleted_rows_total",
                "Rows deleted by the retention purge, by table",
            ),
            &["table"],
        )
        .expect("valid metric");
        let webhooks = IntCounterVec::new(
            Opts::new(
                "trackr_stripe_webhooks_total",
                "Stripe webhook deliveries by outcome (stored, duplicate, refused)",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let recording_chunks = IntCounterVec::new(
            Opts::new(
                "trackr_recording_chunks_total",
                "Session-recording chunks by outcome (accepted, duplicate, refused)",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let graphql_in_flight = IntGauge::new(
            "trackr_graphql_requests_in_flight",
            "GraphQL requests being answered",
        )
        .expect("valid metric");
        let graphql_timeouts = IntCounter::new(
            "trackr_graphql_timeouts_total",
            "GraphQL queries stopped at their deadline",
        )
        .expect("valid metric");
        for c in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(graphql_in_flight.clone()),
            Box::new(graphql_timeouts.clone()),
            Box::new(http_duration.clone()),
            Box::new(logins.clone()),
            Box::new(events_dropped.clone()),
            Box::new(events_accepted.clone()),
            Box::new(events_refused.clone()),
            Box::new(purged.clone()),
            Box::new(webhooks.clone()),
            Box::new(recording_chunks.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            logins,
            events_dropped,
            events_accepted,
            events_refused,
            purged,
            webhooks,
            recording_chunks,
            graphql_in_flight,
            graphql_timeouts,
        }
    }

    /// Counts a GraphQL request in flight until the guard is dropped.
    pub fn graphql_request(&self) -> InFlight {
        self.graphql_in_flight.inc();
        InFlight(self.graphql_in_flight.clone())
    }

    pub fn webhook(&self, outcome: &str) {
        self.webhooks.with_label_values(&[outcome]).inc();
    }

    /// The callback the scheduler reports each purge to.
    pub fn on_purge(&self) -> trackr_worker::schedule::OnPurge {
        let purged = self.purged.clone();
        std::sync::Arc::new(move |report: &trackr_worker::PurgeReport| {
            purged
                .with_label_values(&["events"])
                .inc_by(report.events());
            purged
                .with_label_values(&["visits"])
                .inc_by(report.visits());
            purged
                .with_label_values(&["salts"])
                .inc_by(report.salts_deleted);
            purged
                .with_label_values(&["recordings"])
                .inc_by(report.recordings());
        })
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for well-formed metrics.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
