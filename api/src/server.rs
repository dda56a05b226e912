//! The HTTP server: routes, middleware (request ids, client IP, metrics,
//! tracing, body limits) and graceful shutdown.

use std::{
    future::Future,
    net::SocketAddr,
    time::{Duration, Instant},
};

use async_graphql::parser::types::OperationType;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Json, Router,
};
use sea_orm::ConnectionTrait;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use tracing::Instrument;
use trackr_config::Settings;

use crate::{
    access::RequestMeta,
    accounts,
    app::StartupError,
    browser::{self, Browser, Credential},
    client_ip::ClientIp,
    graphql::{self, TrackrSchema},
    ApiError, App,
};

/// How often a server hands jobs that waited for Redis to the queue.
const HAND_OVER_EVERY: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct ServerState {
    app: App,
    schema: TrackrSchema,
}

async fn metrics_layer(State(state): State<ServerState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(req).await;
    let m = &state.app.metrics;
    m.http_requests
        .with_label_values(&[&method, &route, response.status().as_str()])
        .inc();
    m.http_duration
        .with_label_values(&[&method, &route])
        .observe(start.elapsed().as_secs_f64());
    response
}

/// One GraphQL request: the document is checked (nesting, size with its
/// fragments expanded) before async-graphql parses or validates it, the
/// caller is authenticated, then it runs. A query stops at the deadline,
/// or when the client goes away (the handler is dropped with it); a
/// mutation runs to its end even then, since stopping between two of its
/// writes would be worse.
async fn graphql_post(
    State(state): State<ServerState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> GraphQLResponse {
    let _in_flight = state.app.metrics.graphql_request();
    let mut request = req.into_inner();
    let limits = &state.app.settings.limits;
    let checked = match graphql::document::check(
        &request.query,
        request.operation_name.as_deref(),
        limits.graphql_max_selections,
    ) {
        Ok(checked) => checked,
        Err(e) => return error_response(&state.app, ApiError::bad_input("query", e.to_string())),
    };
    if graphql::document::variables_have_nul(&request.variables) {
        return error_response(
            &state.app,
            ApiError::bad_input(
                "variables",
                graphql::document::DocumentError::Nul.to_string(),
            ),
        );
    }
    request.set_parsed_query(checked.document);
    let browser = Browser::of(&headers, &state.app.settings);
    // A share page's request acts as its link, whoever's browser it is.
    let shared = match crate::shares::principal(&state.app, &headers).await {
        Ok(p) => p,
        Err(e) => return error_response(&state.app, e),
    };
    let token = match browser::credential(&headers) {
        _ if shared.is_some() => None,
        Credential::Bearer(token) => Some(token),
        Credential::Cookie(token) if browser.own_page => Some(token),
        Credential::Cookie(_) => {
            return error_response(
                &state.app,
                ApiError::Forbidden(
                    "the session cookie is honoured only on same-origin JSON requests from TrackR's own pages; API clients send Authorization: Bearer".into(),
                ),
            )
        }
        Credential::None => None,
    };
    let principal = match shared {
        Some(p) => p,
        None => match accounts::authenticate(&state.app, token).await {
            Ok(p) => p,
            Err(e) => return error_response(&state.app, e),
        },
    };
    let meta = RequestMeta::new(
        ip,
        headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    )
    .with_user_agent(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    // The loader's batches run as tasks of their own: they are stopped with
    // the request (dropped by a client that left, or at the deadline).
    let batches = RequestTasks::default();
    let loader = async_graphql::dataloader::DataLoader::new(
        crate::stats::StatsLoader {
            app: state.app.clone(),
        },
        {
            let batches = batches.clone();
            move |batch| batches.spawn(batch)
        },
    );
    let request = request
        .data(principal)
        .data(meta)
        .data(loader)
        .data(browser);
    let schema = state.schema.clone();
    let deadline = Duration::from_millis(limits.graphql_timeout_ms);
    let app = state.app.clone();
    let run = async move {
        let _batches = batches;
        match tokio::time::timeout(deadline, schema.execute(request)).await {
            Ok(response) => {
                note_busy(&app, response.errors.iter().filter_map(|e| e.source()));
                response.into()
            }
            Err(_) => {
                app.metrics.graphql_timeouts.inc();
                error_response(&app, ApiError::Timeout(deadline))
            }
        }
    };
    if checked.operation == Some(OperationType::Mutation) {
        // Its own task: a client that leaves does not stop a mutation
        // between two writes. The deadline still holds (a mutation's answer
        // may select reports, which must not run unbounded).
        return match tokio::spawn(run.in_current_span()).await {
            Ok(response) => response,
            Err(e) => error_response(
                &state.app,
                ApiError::internal(format!("mutation task: {e}")),
            ),
        };
    }
    run.await
}

/// Tasks a request started, aborted when it is dropped.
#[derive(Clone, Default)]
struct RequestTasks(std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>);

impl RequestTasks {
    fn spawn<F>(&self, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // In the operation's span: its queries are logged as its own.
        let handle = tokio::spawn(task.in_current_span());
        let mut tasks = self.0.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle.abort_handle());
        handle
    }
}

impl Drop for RequestTasks {
    fn drop(&mut self) {
        // The last clone (the request's) going aborts what is left.
        if std::sync::Arc::strong_count(&self.0) == 1 {
            for task in self.0.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
                task.abort();
            }
        }
    }
}

fn error_response(app: &App, error: ApiError) -> GraphQLResponse {
    use async_graphql::ErrorExtensions;
    note_busy(app, std::iter::once(&error));
    let error = error.extend().into_server_error(Default::default());
    async_graphql::Response::from_errors(vec![error]).into()
}

/// No database connection came free for some of these errors: expected
/// under overload, so a warning at most once a second for the whole
/// server, not an error per field.
fn note_busy<'a>(app: &App, mut errors: impl Iterator<Item = &'a ApiError>) {
    if errors.any(|e| matches!(e, ApiError::Busy)) && app.busy_warnings.due(app.clock.now()) {
        tracing::warn!("database connections exhausted: answering TIMEOUT until one is free");
    }
}

async fn graphiql(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    if !state.app.settings.graphiql {
        return (
            StatusCode::NOT_FOUND,
            "GraphiQL is turned off (TRACKR_GRAPHIQL=false); POST /graphql",
        )
            .into_response();
    }
    crate::web::graphiql(&headers)
}

#[derive(serde::Deserialize)]
struct LinkQuery {
    expires: i64,
    sig: String,
}

/// An export file, for the holder of a valid signed link.
async fn export_file(
    State(state): State<ServerState>,
    axum::extract::Path((job, file)): axum::extract::Path<(uuid::Uuid, String)>,
    axum::extract::Query(q): axum::extract::Query<LinkQuery>,
) -> Response {
    let app = &state.app;
    let valid_name = file == format!("{job}.ndjson.gz") || file == format!("{job}.csv.gz");
    if !valid_name || !crate::data_jobs::verify_link(app, job, &file, q.expires, &q.sig) {
        return (StatusCode::FORBIDDEN, "this link is invalid or has expired").into_response();
    }
    let key = trackr_analytics::export::export_key(job, &file);
    match app.store.get(&key).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/gzip".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// Whether this server can do its work. The database is required (503
/// without it); Redis is not: without it jobs wait in the database and
/// limits are kept per process, so the answer stays 200 and says so.
async fn readyz(State(state): State<ServerState>) -> impl IntoResponse {
    let database = match tokio::time::timeout(
        Duration::from_secs(2),
        state.app.db.execute_unprepared("SELECT 1"),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "unreachable: {}",
            crate::app::redact(&e.to_string())
        )),
        Err(_) => Err("unreachable: no answer within 2 seconds".to_owned()),
    };
    let redis = match &state.app.redis {
        None => serde_json::json!("not configured"),
        Some(conn) => match crate::app::ping_redis(conn).await {
            Ok(()) => serde_json::json!("ok"),
            Err(e) => serde_json::json!(format!(
                "unreachable: {e}; jobs wait in the database and rate limits are per server until it answers"
            )),
        },
    };
    let status = if database.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({
            "database": database.err().unwrap_or_else(|| "ok".to_owned()),
            "redis": redis,
        })),
    )
}

async fn metrics(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    guarded_metrics(
        &state.app.metrics,
        state.app.settings.metrics_token.as_ref(),
        &headers,
    )
}

/// `/metrics`, behind `TRACKR_METRICS_TOKEN` when it is set (servers and
/// workers alike).
fn guarded_metrics(
    metrics: &crate::metrics::Metrics,
    token: Option<&secrecy::SecretString>,
    headers: &HeaderMap,
) -> Response {
    if let Some(token) = token {
        use secrecy::ExposeSecret;
        let given = accounts::bearer(headers).unwrap_or_default();
        // Compare digests: constant time whatever the lengths.
        if crate::tokens::digest(given) != crate::tokens::digest(token.expose_secret()) {
            return (
                StatusCode::UNAUTHORIZED,
                "metrics need Authorization: Bearer <TRACKR_METRICS_TOKEN>",
            )
                .into_response();
        }
    }
    metrics_text(metrics)
}

fn metrics_text(metrics: &crate::metrics::Metrics) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
        .into_response()
}

fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    tracing::error!(panic = detail, "request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(serde_json::json!({"error": "internal error"})),
    )
        .into_response()
}

/// What `trackr worker` serves on `TRACKR_WORKER_LISTEN`: health and metrics.
pub fn worker_router(
    metrics: crate::metrics::Metrics,
    token: Option<secrecy::SecretString>,
) -> Router {
    Router::new().route("/healthz", get(healthz)).route(
        "/metrics",
        get(move |headers: HeaderMap| async move {
            guarded_metrics(&metrics, token.as_ref(), &headers)
        }),
    )
}

/// The whole HTTP surface.
pub fn router(app: App) -> Router {
    let state = ServerState {
        schema: graphql::schema(app.clone()),
        app: app.clone(),
    };
    let body_limit = app.settings.limits.graphql_body_bytes;
    let api = Router::new()
        .route(
            "/graphql",
            get(graphiql)
                .post(graphql_post)
                .layer(RequestBodyLimitLayer::new(body_limit)),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/exports/{job}/{file}", get(export_file))
        .with_state(state.clone());
    Router::new()
        .merge(api)
        .merge(crate::ingest::routes(&app).with_state(app.clone()))
        .merge(crate::billing::routes().with_state(app.clone()))
        .merge(crate::shares::routes().with_state(app.clone()))
        .merge(crate::recipients::routes().with_state(app.clone()))
        .fallback(crate::web::fallback)
        // A bug must cost one request, never the connection or the
        // process: a panic becomes a logged 500.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn_with_state(state.clone(), metrics_layer))
        .layer(middleware::from_fn_with_state(app, crate::client_ip::layer))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let request_id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings may carry tokens.
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id)
            }),
        )
        .layer(sentry::integrations::tower::SentryHttpLayer::new())
        .layer(sentry::integrations::tower::NewSentryLayer::<Request>::new_from_top())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// A bound, not yet running server.
pub struct Server {
    pub app: App,
    listener: TcpListener,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

impl Server {
    /// Connects, migrates and binds `settings.listen` (port 0 picks one).
    pub async fn bind(settings: Settings) -> Result<Server, ServeError> {
        let listen = settings.listen;
        let app = App::start(settings).await?;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| ServeError::Bind(listen, e))?;
        Ok(Server { app, listener })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    /// Without Redis, scheduled jobs run in this process.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let router = router(self.app.clone());
        // Jobs a crash left unfinished run again (they are idempotent), in
        // the background: serving does not wait for them, or for a Redis
        // that is away.
        let app = self.app.clone();
        tokio::spawn(async move {
            match trackr_worker::jobs::runner::unfinished(&app.db).await {
                Ok(ids) => {
                    for id in ids {
                        crate::data_jobs::dispatch(&app, id).await;
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot list unfinished jobs"),
            }
        });
        // Jobs recorded while Redis was away go to the queue once it
        // answers again.
        let hand_over = self.app.queue.clone().map(|queue| {
            let db = self.app.db.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(HAND_OVER_EVERY);
                loop {
                    every.tick().await;
                    if let Err(e) = trackr_worker::queue::hand_over_waiting(&db, &queue).await {
                        tracing::debug!(error = %e, "jobs still wait for Redis");
                    }
                }
            })
        });
        let (stop_jobs, jobs_stopped) = oneshot::channel::<()>();
        let (stop_notify, notify_stopped) = oneshot::channel::<()>();
        if self.app.redis.is_none() && self.app.settings.scheduler {
            tokio::spawn(crate::notify::run_loop(
                crate::notify::Notifier::of(&self.app),
                self.app.clock.clone(),
                async move {
                    let _ = notify_stopped.await;
                },
            ));
            tokio::spawn(trackr_worker::schedule::run(
                self.app.db.clone(),
                (*self.app.settings).clone(),
                None,
                self.app.metrics.on_purge(),
                self.app.clock.clone(),
                async move {
                    let _ = jobs_stopped.await;
                },
            ));
        }
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        let _ = stop_jobs.send(());
        let _ = stop_notify.send(());
        if let Some(task) = hand_over {
            task.abort();
        }
        Ok(())
    }

    /// Runs in the background; for tests and embedders.
    pub fn spawn(self) -> RunningServer {
        let addr = self.local_addr();
        let app = self.app.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(self.run_until(async move {
            let _ = rx.await;
        }));
        RunningServer {
            addr,
            app,
            stop: Some(tx),
            handle,
        }
    }
}

pub struct RunningServer {
    pub addr: SocketAddr,
    pub app: App,
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<Result<(), ServeError>>,
}

impl RunningServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.handle).await;
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
