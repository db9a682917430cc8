//! Authentication at the HTTP edge: the extractors that turn a session cookie or a
//! bearer token into an [`AuthenticatedUser`], the CSRF check for cookie writes, the
//! session cookie itself, and the login rate limiter.

mod extractor;
mod rate_limit;

pub use extractor::{Auth, PageAuth, SESSION_COOKIE};
pub use rate_limit::LoginLimiter;

use axum_extra::extract::cookie::{Cookie, SameSite};

/// The session cookie: HttpOnly, SameSite=Lax, for the whole site.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time_from_millis(crate::app::SESSION_TTL_MS))
        .build()
}

/// A cookie that removes the session cookie.
pub fn expired_session_cookie() -> Cookie<'static> {
    let mut c = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    c.make_removal();
    c
}

fn time_from_millis(ms: i64) -> time::Duration {
    time::Duration::milliseconds(ms)
}
