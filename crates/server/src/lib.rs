//! The Switchboard server: the service layer, the HTTP API and web UI, the realtime
//! WebSocket, and the command line, wired over the store and the realtime hub.
//!
//! - [`app`]: the service layer (authorize, validate, one store transaction, publish).
//! - [`http`]: the JSON API, the WebSocket and the OpenAPI document.
//! - [`ui`]: the server-rendered web UI and its static assets.
//! - [`auth`]: sessions, bearer tokens, CSRF, login rate limiting.
//! - [`cli`]: the command line; [`demo`]: the demo account.
//!
//! `main.rs` only parses the command line and calls in here, so tests start the same
//! server on `127.0.0.1:0` through [`serve`].

pub mod app;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod error;
pub mod http;
pub mod state;
pub mod ui;

use app::App;
use auth::LoginLimiter;
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_realtime::Hub;
use switchboard_store::Store;
use tokio::net::TcpListener;

/// Options of a running server that are not the store.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Set `Secure` on cookies (when served over HTTPS).
    pub secure_cookies: bool,
    /// Login attempts per minute per email and per client address.
    pub login_attempts_per_minute: (u32, u32),
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            secure_cookies: false,
            login_attempts_per_minute: (10, 30),
        }
    }
}

/// Builds the handler state over a store, with a local realtime hub and the wall clock.
pub fn state(store: Arc<dyn Store>, options: &ServerOptions) -> AppState {
    let app = App::new(store, Hub::local(), app::system_clock());
    let (per_email, per_ip) = options.login_attempts_per_minute;
    AppState {
        app,
        login_limiter: Arc::new(LoginLimiter::new(per_email, per_ip)),
        secure_cookies: options.secure_cookies,
    }
}

/// Serves HTTP on a bound listener until `shutdown` resolves, then drains connections.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = http::router(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
