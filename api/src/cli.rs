//! The command line of the `trackr` binary.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use trackr_config::Settings;
use trackr_worker::{JobName, WorkerError};

use crate::{app, graphql, server, telemetry};

#[derive(Parser)]
#[command(name = "trackr", version, about = "Privacy-first web analytics")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (applies migrations first).
    Serve,
    /// Run a worker consuming jobs from Redis.
    Worker,
    /// Apply migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
    /// Run jobs by hand.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Operator commands.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Jobs that failed every attempt (the dead-letter list), as JSON lines.
    Dead,
    /// Run one job now, in the foreground (purge, reconcile or rollup), and print
    /// its report as JSON.
    Run {
        job: JobName,
        /// Report what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// reconcile only: the month to reconcile, `YYYY-MM` (default: the
        /// previous month and this one).
        #[arg(long)]
        month: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Make a user staff: an operator (reads any organization, audited)
    /// or finance (reads billing across organizations, nothing else).
    GrantStaff {
        email: String,
        #[arg(long, value_enum, default_value = "operator")]
        role: crate::accounts::StaffRole,
    },
}

/// The runtime `trackr` runs on (tests run their servers on one too).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Headroom for deep (but bounded) JSON: a recording's DOM, up to
        // 2 500 levels, is answered through GraphQL, which recurses over it
        // (about 3 MB in a debug build).
        .thread_stack_size(8 * 1024 * 1024)
        .build()
}

/// Exit codes: 0 success, 1 failure, 2 invalid settings or usage, 3 not
/// available in this version.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("trackr: {e}");
            return ExitCode::from(2);
        }
    };
    let _telemetry = telemetry::init(&settings);
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trackr: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::NotAvailable(message)) => {
            eprintln!("trackr: {message}");
            ExitCode::from(3)
        }
        Err(Failure::Other(message)) => {
            eprintln!("trackr: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    NotAvailable(String),
    Other(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Other(e.to_string())
    }
}

fn worker_failure(e: WorkerError) -> Failure {
    match e {
        WorkerError::NotAvailable(_) => Failure::NotAvailable(e.to_string()),
        other => Failure::Other(other.to_string()),
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), Failure> {
    match command {
        Command::Schema => unreachable!("handled before settings are loaded"),
        Command::Serve => {
            let server = server::Server::bind(settings).await?;
            tracing::info!(addr = %server.local_addr(), "listening");
            server.run_until(server::shutdown_signal()).await?;
        }
        Command::Migrate => {
            let db = app::connect_db(&settings).await?;
            match app::migrate(&db).await? {
                app::Migrated::UpToDate => tracing::info!("migrations applied"),
                app::Migrated::DatabaseIsNewer => {
                    tracing::info!("nothing to apply: a newer TrackR migrated this database")
                }
            }
        }
        Command::Worker => {
            let Some(url) = settings.redis_url.clone() else {
                return Err(Failure::Other(
                    "trackr worker consumes jobs from Redis: set TRACKR_REDIS_URL (without Redis, trackr serve runs the jobs in-process)".into(),
                ));
            };
            let db = app::connect_db(&settings).await?;
            app::migrate(&db).await?;
            let redis = app::open_redis(&url)?;
            // The worker has nothing to do without its queue: wait for it,
            // saying why, instead of exiting.
            let mut delay = std::time::Duration::from_millis(500);
            while let Err(e) = app::ping_redis(&redis).await {
                tracing::warn!(error = %e, "waiting for Redis");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(10));
            }
            let (stop, stopped) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                server::shutdown_signal().await;
                let _ = stop.send(true);
            });
            let until = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            tracing::info!(
                consumers = settings.queue_workers,
                "worker running queued and scheduled jobs"
            );
            // Health and metrics of this worker on TRACKR_WORKER_LISTEN.
            let metrics = crate::metrics::Metrics::new();
            let listener = tokio::net::TcpListener::bind(settings.worker_listen).await?;
            tracing::info!(addr = %listener.local_addr()?, "worker health and metrics");
            let http = tokio::spawn({
                let stop = until(stopped.clone());
                let router = server::worker_router(metrics.clone(), settings.metrics_token.clone());
                async move {
                    axum::serve(listener, router)
                        .with_graceful_shutdown(stop)
                        .await
                }
            });
            // Email reports and alerts: every worker may run them (each
            // email is claimed once in the database).
            let notifier = crate::notify::Notifier::standalone(db.clone(), &settings).await?;
            let notify = tokio::spawn(crate::notify::run_loop(
                notifier,
                trackr_config::Clock::default(),
                until(stopped.clone()),
            ));
            let schedule = tokio::spawn(trackr_worker::schedule::run(
                db.clone(),
                settings.clone(),
                Some(redis.clone()),
                metrics.on_purge(),
                trackr_config::Clock::default(),
                until(stopped.clone()),
            ));
            let consumers = settings.queue_workers;
            trackr_worker::queue::run_workers(
                db,
                redis.clone(),
                settings,
                consumers,
                until(stopped),
            )
            .await?;
            let _ = schedule.await;
            let _ = notify.await;
            let _ = http.await;
        }
        Command::Jobs {
            command: JobsCommand::Dead,
        } => {
            let db = app::connect_db(&settings).await?;
            app::migrate(&db).await?;
            for job in trackr_worker::jobs::runner::dead(&db)
                .await
                .map_err(worker_failure)?
            {
                println!(
                    "{}",
                    serde_json::json!({
                        "id": job.id, "kind": job.kind, "site_id": job.site_id,
                        "attempts": job.attempts, "error": job.error, "updated_at": job.updated_at,
                    })
                );
            }
        }
        Command::Jobs {
            command:
                JobsCommand::Run {
                    job,
                    dry_run,
                    month,
                },
        } => {
            if month.is_some() && job != JobName::Reconcile {
                return Err(Failure::Other("--month is for the reconcile job".into()));
            }
            if dry_run && job == JobName::Rollup {
                return Err(Failure::Other(
                    "rollup has no --dry-run: it only adds aggregates, and reports read them"
                        .into(),
                ));
            }
            let db = app::connect_db(&settings).await?;
            app::migrate(&db).await?;
            if job == JobName::Notify {
                if dry_run {
                    return Err(Failure::Other("notify has no --dry-run".into()));
                }
                let notifier = crate::notify::Notifier::standalone(db, &settings).await?;
                let report = crate::notify::run_once(&notifier, chrono::Utc::now())
                    .await
                    .map_err(|e| Failure::Other(e.message()))?;
                println!("{}", serde_json::to_value(report).unwrap_or_default());
                return Ok(());
            }
            let report = match month {
                Some(month) => {
                    trackr_worker::reconcile_months(&db, &settings, &[month], dry_run).await
                }
                None => {
                    let clock = trackr_config::Clock::default();
                    trackr_worker::run_now(&db, &settings, &clock, job, dry_run).await
                }
            }
            .map_err(worker_failure)?;
            println!("{report}");
        }
        Command::Admin {
            command: AdminCommand::GrantStaff { email, role },
        } => {
            let db = app::connect_db(&settings).await?;
            app::migrate(&db).await?;
            let user = crate::accounts::grant_staff(&db, &email, role)
                .await
                .map_err(Failure::Other)?;
            let what = match role {
                crate::accounts::StaffRole::Operator => "staff (operator)",
                crate::accounts::StaffRole::Finance => "finance staff",
            };
            println!("{} is now {what}", user.username);
        }
    }
    Ok(())
}
