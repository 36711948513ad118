//! Builds the service one way, for `serve` and for the tests: open and migrate the
//! database, optionally load the demo, bind (port 0 picks a free port), and run.

use crate::config::Config;
use crate::notify::{mail::Mailer, worker};
use crate::store::{organisations, Db, StoreError};
use crate::web::{self, AppState};
use actix_web::dev::Server;
use actix_web::HttpServer;
use std::net::TcpListener;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Demo(String),
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    is_demo: bool,
    worker: Option<Worker>,
}

impl Application {
    /// Opens, migrates and (with `demo`) fills the database, then binds the listener.
    pub async fn build(config: Config, demo: bool) -> Result<Application, StartError> {
        let db = Db::open(&config.database, config.pool_size)?;
        db.run(crate::store::migrate).await?;
        if demo {
            db.run(|c| crate::demo::load(c).map_err(|e| StartError::Demo(e.to_string()))).await?;
        }
        let is_demo = db.run(|c| organisations::is_demo(c).map_err(StoreError::from)).await?;
        let listener = TcpListener::bind(config.bind).map_err(|source| StartError::Bind { addr: config.bind, source })?;
        let port = listener.local_addr().map_err(|source| StartError::Bind { addr: config.bind, source })?.port();
        let worker = if config.notify.run_worker { Some(spawn_worker(db.clone(), &config).map_err(StartError::Demo)?) } else { None };
        let state = actix_web::web::Data::new(AppState {
            db: db.clone(),
            config: Arc::new(config),
            is_demo,
            tokens: Default::default(),
            dwelling_pages: Default::default(),
        });
        let openapi = Arc::new(web::openapi());
        let server = HttpServer::new(move || web::app(state.clone(), openapi.clone()))
            .listen(listener)
            .map_err(|source| StartError::Bind { addr: ([0, 0, 0, 0], port).into(), source })?
            .run();
        Ok(Application { port, server, db, is_demo, worker })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn is_demo(&self) -> bool {
        self.is_demo
    }

    /// Serves until SIGTERM or SIGINT: the server stops taking connections and lets the
    /// requests in flight finish; then the worker finishes its current sweep and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(w) = self.worker {
            let _ = w.stop.send(true);
            let _ = w.handle.await;
            tracing::info!("notification worker stopped");
        }
        tracing::info!("stopped cleanly");
        served
    }
}

/// The running worker and the switch that stops it between sweeps.
struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    handle: actix_web::rt::task::JoinHandle<()>,
}

/// Runs the notification worker every `interval_seconds` until told to stop.
fn spawn_worker(db: Db, config: &Config) -> Result<Worker, String> {
    let mailer = config.notify.smtp.as_ref().map(Mailer::new).transpose()?.map(Arc::new);
    if mailer.is_none() {
        tracing::warn!("no [smtp] configured: notifications show in the service, mails wait in the outbox");
    }
    let cfg = config.notify.clone();
    let public_url = config.public_url.clone();
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let handle = actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(cfg.interval_seconds));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.changed() => break,
            }
            let (mailer, cfg, url) = (mailer.clone(), cfg.clone(), public_url.clone());
            let result = db.run(move |c| crate::workflow::sweep(c, mailer.as_deref(), &cfg, &url, crate::store::now())).await;
            match result {
                Ok((expired, r)) if expired > 0 || r != worker::Report::default() => tracing::info!(expired, ?r, "sweep"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "sweep failed"),
            }
        }
    });
    Ok(Worker { stop, handle })
}
