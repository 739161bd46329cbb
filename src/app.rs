//! The application: shared state, building (connect, migrate, bind) and serving.
use std::{future::Future, net::SocketAddr, ops::Deref, sync::Arc};

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use url::Url;

use crate::{
    config::Config,
    database, http, realtime,
    time_source::{SystemTime, TimeSource},
};

/// Cheap to clone; everything a handler needs. No globals, so tests can run
/// as many applications side by side as they like.
#[derive(Clone)]
pub struct AppState(Arc<App>);

pub struct App {
    pub db: DatabaseConnection,
    pub config: Config,
    /// Where people reach us: from `IAP_PUBLIC_URL`, else the bound address.
    pub public_url: Url,
    pub metrics: http::metrics::Metrics,
    /// Live events to the sockets (publish after commit).
    pub hub: realtime::Hub,
    /// "Now", for stage phases and reminders; settable in tests.
    pub time: Arc<dyn TimeSource>,
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// Absolute link to a path of the web app, for emails and invitations.
    pub fn link(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects, migrates and binds (port 0 picks a free port, for tests).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_time(config, Arc::new(SystemTime)).await
    }

    /// As [`Application::build`], with a chosen source of the current time.
    pub async fn build_with_time(
        config: Config,
        time: Arc<dyn TimeSource>,
    ) -> anyhow::Result<Self> {
        let db = database::connect(config.database_url.expose()).await?;
        database::migrate(&db).await?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let addr = listener.local_addr()?;
        let public_url = match &config.public_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{addr}/"))?,
        };
        let state = AppState(Arc::new(App {
            db,
            config,
            public_url,
            metrics: http::metrics::Metrics::new(),
            hub: realtime::Hub::new(),
            time,
        }));
        realtime::start(&state);
        Ok(Application { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then drains open requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = http::router(self.state.clone());
        // The outbox worker runs beside the server and stops with it.
        let mail_worker = crate::notifications::worker::Worker::new(self.state.clone())?.run();
        let _clock = crate::stages::clock::spawn(
            self.state.clone(),
            std::time::Duration::from_secs(self.state.config.clock_secs.max(1)),
        );
        tracing::info!(address = %self.local_addr(), public_url = %self.state.public_url, "iap-studio listening");
        // TCP_NODELAY: collab frames are tiny and latency-bound.
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown);
        let served = tokio::select! {
            served = serve => served.context("serving HTTP"),
            () = mail_worker => Ok(()),
        };
        served
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
