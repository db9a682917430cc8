//! Logging in and out, sessions and personal access tokens. Passwords are argon2id
//! hashes; session and API tokens are random, and only their SHA-256 is stored.

use super::App;
use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use switchboard_domain::input::{EmailAddress, Password};
use switchboard_domain::policy::Actor;
use switchboard_domain::*;
use switchboard_store::NewSession;

/// How long a session lasts without logging in again: 14 days.
pub const SESSION_TTL_MS: Millis = 14 * 24 * 3600 * 1000;

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &Password) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Checks a password against a PHC string; a malformed hash is a mismatch.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random secret, hex-encoded (256 bits).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a secret token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets without leaking where they differ through timing.
pub fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// A successful login: the user, the session cookie's token and its CSRF token.
pub struct LoginOutcome {
    pub user: User,
    pub session_token: String,
    pub csrf_token: String,
}

/// Who a request is from, and how they proved it.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    pub user: User,
    pub actor: Actor,
    /// The session's CSRF token; `None` for bearer tokens, which need none.
    pub csrf_token: Option<String>,
}

impl App {
    /// Verifies the credentials and opens a session. The same error answers an unknown
    /// email and a wrong password, and both cost a hash verification.
    pub async fn login(&self, email: &str, password: &str) -> ApiResult<LoginOutcome> {
        let email =
            EmailAddress::parse("email", email).map_err(|_| ApiError::InvalidCredentials)?;
        let found = self.store.credentials(email.as_str()).await?;
        // A fixed hash for unknown users keeps the timing of both failures alike.
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Qn3pOs/xT6Tn0p1/hHkQ6vxc4Q0Ch0XcF6YHd8W6aQ";
        let phc = found.as_ref().map_or(DUMMY.to_owned(), |(_, h)| h.clone());
        let password = password.to_owned();
        let ok = self
            .password_work(move || verify_password(&password, &phc))
            .await?;
        let (user, _) = match found {
            Some(found) if ok => found,
            _ => return Err(ApiError::InvalidCredentials),
        };
        let session_token = random_token();
        let csrf_token = random_token();
        let now = self.now();
        self.store
            .create_session(NewSession {
                token_hash: token_hash(&session_token),
                user_id: user.id,
                csrf_token: csrf_token.clone(),
                now,
                expires_at: now + SESSION_TTL_MS,
            })
            .await?;
        Ok(LoginOutcome {
            user,
            session_token,
            csrf_token,
        })
    }

    /// Ends a session.
    pub async fn logout(&self, session_token: &str) -> ApiResult<()> {
        self.store
            .delete_session(&token_hash(session_token))
            .await?;
        Ok(())
    }

    /// The user of a session cookie, if it is valid.
    pub async fn authenticate_session(
        &self,
        session_token: &str,
    ) -> ApiResult<Option<AuthenticatedUser>> {
        let found = self
            .store
            .session(&token_hash(session_token), self.now())
            .await?;
        Ok(found.map(|(user, csrf)| AuthenticatedUser {
            actor: super::actor_of(&user),
            user,
            csrf_token: Some(csrf),
        }))
    }

    /// The user of a bearer token, if it is valid.
    pub async fn authenticate_token(&self, token: &str) -> ApiResult<Option<AuthenticatedUser>> {
        let found = self.store.user_by_api_token(&token_hash(token)).await?;
        Ok(found.map(|user| AuthenticatedUser {
            actor: super::actor_of(&user),
            user,
            csrf_token: None,
        }))
    }

    /// Creates a personal access token; the secret is returned once and never stored.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> ApiResult<(TokenId, String)> {
        let name = switchboard_domain::input::Name::parse("name", name)?;
        let token = format!("sbt_{}", random_token());
        let id = self
            .store
            .create_api_token(
                actor.user_id,
                name.as_str(),
                &token_hash(&token),
                self.now(),
            )
            .await?;
        Ok((id, token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let p = Password::parse("correct horse battery").unwrap();
        let phc = hash_password(&p).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("wrong horse battery", &phc));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
    }
}
