//! Conformance behaviours: accounts, users, login sessions and API tokens.

use super::*;

// Accounts.

pub async fn account_is_read_by_id_and_by_name(store: &dyn Store) {
    let created = store
        .create_account("Acme read", Plan::Professional, T0)
        .await
        .unwrap();
    assert_eq!(created.name, "Acme read");
    assert_eq!(created.plan, Plan::Professional);
    assert_eq!(created.created_at, T0);
    assert_eq!(store.account(created.id).await.unwrap(), created);
    assert_eq!(store.account_by_name("Acme read").await.unwrap(), created);
    assert_err!(
        store.account_by_name("Acme nobody").await,
        StoreError::NotFound
    );
    assert_err!(
        store.account(AccountId(created.id.0 + 1_000)).await,
        StoreError::NotFound
    );
}

pub async fn account_name_is_unique(store: &dyn Store) {
    store
        .create_account("Acme unique", Plan::Starter, T0)
        .await
        .unwrap();
    assert_err!(
        store
            .create_account("Acme unique", Plan::Enterprise, T0)
            .await,
        StoreError::Conflict(_)
    );
}

pub async fn set_plan_changes_the_plan(store: &dyn Store) {
    let account = store
        .create_account("Acme plan", Plan::Starter, T0)
        .await
        .unwrap();
    store.set_plan(account.id, Plan::Enterprise).await.unwrap();
    assert_eq!(
        store.account(account.id).await.unwrap().plan,
        Plan::Enterprise
    );
}

pub async fn set_plan_on_unknown_account_is_not_found(store: &dyn Store) {
    let account = store
        .create_account("Acme plan unknown", Plan::Starter, T0)
        .await
        .unwrap();
    let unknown = AccountId(account.id.0 + 1_000);
    assert_err!(
        store.set_plan(unknown, Plan::Enterprise).await,
        StoreError::NotFound
    );
}

// Users, sessions and tokens.

pub async fn user_is_created_and_read_within_its_account(store: &dyn Store) {
    let account = store
        .create_account("Acme user", Plan::Starter, T0)
        .await
        .unwrap();
    let user = add_user(store, account.id, "ada.user@example.com", Role::Admin).await;
    assert_eq!(user.account_id, account.id);
    assert_eq!(user.email, "ada.user@example.com");
    assert_eq!(user.name, "Admin ada.user@example.com");
    assert_eq!((user.role, user.seat), (Role::Admin, Seat::Service));
    assert_eq!(user.availability, Availability::Available);
    assert_eq!(user.created_at, T0);
    assert_eq!(store.user(account.id, user.id).await.unwrap(), user);
}

pub async fn user_email_is_unique_across_accounts(store: &dyn Store) {
    let a = store
        .create_account("Acme email a", Plan::Starter, T0)
        .await
        .unwrap();
    let b = store
        .create_account("Acme email b", Plan::Starter, T0)
        .await
        .unwrap();
    add_user(store, a.id, "taken.email@example.com", Role::Admin).await;
    let same_account = new_user(a.id, "taken.email@example.com", Role::Agent);
    assert_err!(
        store.create_user(same_account).await,
        StoreError::Conflict(_)
    );
    let other_account = new_user(b.id, "taken.email@example.com", Role::Admin);
    assert_err!(
        store.create_user(other_account).await,
        StoreError::Conflict(_)
    );
}

pub async fn user_of_another_account_is_not_found(store: &dyn Store) {
    let a = seed(store, "user-other-a").await;
    let b = seed(store, "user-other-b").await;
    assert_err!(
        store.user(b.account.id, a.admin.id).await,
        StoreError::NotFound
    );
    assert_err!(
        store.user(a.account.id, UserId(b.agent.id.0 + 1_000)).await,
        StoreError::NotFound
    );
}

pub async fn users_lists_only_the_accounts_users(store: &dyn Store) {
    let a = seed(store, "users-a").await;
    let b = seed(store, "users-b").await;
    let mut listed = store.users(a.account.id).await.unwrap();
    listed.sort_by_key(|u| u.id);
    assert_eq!(listed, vec![a.admin, a.agent]);
    let listed = store.users(b.account.id).await.unwrap();
    assert_eq!(
        sorted(listed.iter().map(|u| u.id).collect()),
        sorted(vec![b.admin.id, b.agent.id])
    );
}

pub async fn credentials_return_the_user_and_password_hash(store: &dyn Store) {
    let fx = seed(store, "credentials").await;
    let (user, hash) = store
        .credentials("agent.credentials@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user, fx.agent);
    assert_eq!(hash, HASH);
    assert!(store
        .credentials("nobody.credentials@example.com")
        .await
        .unwrap()
        .is_none());
}

pub async fn session_is_read_until_it_expires(store: &dyn Store) {
    let fx = seed(store, "session-expiry").await;
    store
        .create_session(NewSession {
            token_hash: "session-expiry-hash".to_owned(),
            user_id: fx.agent.id,
            csrf_token: "session-expiry-csrf".to_owned(),
            now: T0,
            expires_at: T0 + 1_000,
        })
        .await
        .unwrap();
    let (user, csrf) = store
        .session("session-expiry-hash", T0 + 999)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user, fx.agent);
    assert_eq!(csrf, "session-expiry-csrf");
    // `expires_at` is the first instant at which the session no longer counts.
    assert!(store
        .session("session-expiry-hash", T0 + 1_000)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .session("session-expiry-hash", T0 + 5_000)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .session("session-expiry-unknown", T0)
        .await
        .unwrap()
        .is_none());
}

pub async fn deleted_session_is_gone(store: &dyn Store) {
    let fx = seed(store, "session-delete").await;
    for (hash, user) in [
        ("session-delete-1", fx.admin.id),
        ("session-delete-2", fx.agent.id),
    ] {
        let session = NewSession {
            token_hash: hash.to_owned(),
            user_id: user,
            csrf_token: "csrf".to_owned(),
            now: T0,
            expires_at: T0 + 60_000,
        };
        store.create_session(session).await.unwrap();
    }
    store.delete_session("session-delete-1").await.unwrap();
    assert!(store
        .session("session-delete-1", T0)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .session("session-delete-2", T0)
        .await
        .unwrap()
        .is_some());
    // Deleting what is already gone is not an error: logging out twice is fine.
    store.delete_session("session-delete-1").await.unwrap();
}

pub async fn api_token_finds_its_user_by_hash(store: &dyn Store) {
    let fx = seed(store, "api-token").await;
    let first = store
        .create_api_token(fx.agent.id, "CI", "api-token-hash-1", T0)
        .await
        .unwrap();
    let second = store
        .create_api_token(fx.admin.id, "CLI", "api-token-hash-2", T0)
        .await
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(
        store.user_by_api_token("api-token-hash-1").await.unwrap(),
        Some(fx.agent)
    );
    assert_eq!(
        store.user_by_api_token("api-token-hash-2").await.unwrap(),
        Some(fx.admin)
    );
    assert_eq!(
        store.user_by_api_token("api-token-unknown").await.unwrap(),
        None
    );
}

pub async fn update_user_changes_availability_and_notify_email(store: &dyn Store) {
    let fx = seed(store, "user-update").await;
    let other = seed(store, "user-update-b").await;
    assert_eq!(
        (fx.agent.availability, fx.agent.notify_email),
        (Availability::Available, true)
    );
    let away = store
        .update_user(
            fx.account.id,
            fx.agent.id,
            UserUpdate {
                availability: Some(Availability::Away),
                notify_email: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (away.availability, away.notify_email),
        (Availability::Away, true)
    );
    let quiet = store
        .update_user(
            fx.account.id,
            fx.agent.id,
            UserUpdate {
                availability: None,
                notify_email: Some(false),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (quiet.availability, quiet.notify_email),
        (Availability::Away, false)
    );
    assert_eq!(store.user(fx.account.id, fx.agent.id).await.unwrap(), quiet);
    let unchanged = store
        .update_user(fx.account.id, fx.agent.id, UserUpdate::default())
        .await
        .unwrap();
    assert_eq!(unchanged, quiet);
    // Another account's user is neither found nor changed.
    assert_err!(
        store
            .update_user(
                other.account.id,
                fx.agent.id,
                UserUpdate {
                    availability: Some(Availability::Available),
                    notify_email: Some(true),
                },
            )
            .await,
        StoreError::NotFound
    );
    assert_eq!(store.user(fx.account.id, fx.agent.id).await.unwrap(), quiet);
}

pub async fn instance_secret_is_set_once_and_then_kept(store: &dyn Store) {
    let first = store
        .instance_secret("conformance-key", "aaaa", T0)
        .await
        .unwrap();
    assert_eq!(first, "aaaa");
    let again = store
        .instance_secret("conformance-key", "bbbb", T0 + 1)
        .await
        .unwrap();
    assert_eq!(again, "aaaa");
    let other = store
        .instance_secret("conformance-other", "cccc", T0)
        .await
        .unwrap();
    assert_eq!(other, "cccc");
}
