//! The store conformance suite: one async fn per behaviour of [`Store`], written once
//! against `&dyn Store` so every backend is held to the same contract.
//!
//! `tests/sqlite.rs` and `tests/postgres.rs` run each behaviour as its own test on a
//! fresh database through [`conformance_tests!`](crate::conformance_tests). Each fn
//! seeds what it needs under names and addresses of its own, so behaviours also pass
//! side by side in one database.
//!
//! This module is test code shipped behind the `conformance` feature: it panics on any
//! failure and must never be called by the application.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed store call is a failed behaviour"
)]

use crate::*;
use std::future::Future;
use std::pin::Pin;
use switchboard_domain::input::preview_of;
use switchboard_domain::*;

/// One conformance behaviour, as the runners receive it.
pub type Test = for<'a> fn(&'a dyn Store) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Expands to one `#[tokio::test]` per conformance behaviour. `$run` is an
/// `async fn(Test)` of the caller that prepares a fresh store, awaits the test on it
/// and cleans up.
#[macro_export]
macro_rules! conformance_tests {
    ($run:path) => {
        $crate::conformance_tests!(@each $run;
            account_is_read_by_id_and_by_name,
            account_name_is_unique,
            set_plan_changes_the_plan,
            set_plan_on_unknown_account_is_not_found,
            user_is_created_and_read_within_its_account,
            user_email_is_unique_across_accounts,
            user_of_another_account_is_not_found,
            users_lists_only_the_accounts_users,
            credentials_return_the_user_and_password_hash,
            session_is_read_until_it_expires,
            deleted_session_is_gone,
            api_token_finds_its_user_by_hash,
            team_is_created_with_its_members,
            team_member_of_another_account_is_invalid_reference,
            team_name_is_unique_within_an_account,
            inbox_is_created_with_user_and_team_members,
            inbox_member_of_another_account_is_invalid_reference,
            inbox_of_another_account_is_not_found,
            inbox_email_address_is_unique,
            member_inbox_ids_include_inboxes_through_teams,
            is_inbox_member_counts_direct_and_team_membership,
            contact_is_created_and_read_within_its_account,
            contact_owner_of_another_account_is_invalid_reference,
            contact_email_is_unique_within_an_account,
            contacts_page_by_id_keyset,
            create_conversation_creates_contact_and_first_inbound_message,
            second_conversation_with_same_email_reuses_the_contact,
            conversation_without_email_reuses_the_contact_by_phone,
            conversation_in_another_accounts_inbox_is_not_found,
            conversation_of_another_account_is_not_found,
            conversation_list_is_newest_activity_first,
            conversation_list_pages_by_keyset_visiting_every_row_once,
            conversation_list_pages_through_equal_activity_times_by_id,
            conversation_list_shows_only_its_inbox,
            conversation_list_filters_by_status,
            conversation_list_filters_by_assignee,
            conversation_list_filters_by_channel,
            search_matches_subject_words,
            search_matches_message_bodies_including_appended_ones,
            search_matches_contact_name_and_email,
            search_matches_word_prefixes_case_insensitively,
            search_matches_words_with_accents_as_written,
            search_requires_every_word,
            search_combines_with_filters_and_pages,
            search_with_operator_characters_never_fails,
            view_counts_count_open_mine_unassigned_and_closed,
            appended_message_updates_preview_and_last_activity,
            inbound_message_reopens_a_closed_conversation,
            comment_and_event_leave_preview_and_activity_alone,
            entry_on_unknown_conversation_is_not_found,
            timeline_lists_entries_oldest_first,
            set_status_changes_status_and_appends_an_event,
            set_status_to_the_same_status_is_a_no_op,
            set_status_on_unknown_conversation_is_not_found,
            set_assignee_assigns_a_user_a_team_and_nobody,
            set_assignee_outside_the_account_is_invalid_reference,
            set_assignee_to_the_current_assignee_is_a_no_op,
            ticket_takes_the_inbox_of_its_conversations,
            ticket_across_two_inboxes_is_invalid_reference,
            ticket_with_a_conversation_of_another_account_is_invalid_reference,
            ticket_without_conversations_is_invalid_reference,
            ticket_owner_of_another_account_is_invalid_reference,
            tickets_are_filtered_by_inbox_newest_first,
            notifications_are_listed_newest_first,
            marking_a_notification_read_sets_read,
            marking_another_users_notification_is_not_found,
        );
    };
    (@each $run:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test]
            async fn $name() {
                $run(|store| ::std::boxed::Box::pin($crate::conformance::$name(store))).await;
            }
        )*
    };
}

/// Asserts that a store call failed with the given error pattern.
macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err($pattern) => {}
            other => panic!("expected Err({}), got {other:?}", stringify!($pattern)),
        }
    };
}

/// The time every behaviour starts at; later steps add milliseconds to it.
const T0: Millis = 1_700_000_000_000;

/// A stand-in argon2id PHC string; the store keeps it opaque.
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

/// An account with an admin, an agent in a team, and an inbox the admin belongs to
/// directly and the agent through the team.
struct Fixture {
    account: Account,
    admin: User,
    agent: User,
    team: Team,
    inbox: Inbox,
}

/// Seeds a [`Fixture`] whose names and addresses all carry `tag`.
async fn seed(store: &dyn Store, tag: &str) -> Fixture {
    let account = store
        .create_account(&format!("Acme {tag}"), Plan::Starter, T0)
        .await
        .unwrap();
    let admin = add_user(
        store,
        account.id,
        &format!("admin.{tag}@example.com"),
        Role::Admin,
    )
    .await;
    let agent = add_user(
        store,
        account.id,
        &format!("agent.{tag}@example.com"),
        Role::Agent,
    )
    .await;
    let team = store
        .create_team(NewTeam {
            account_id: account.id,
            name: "Tier 1".to_owned(),
            round_robin: false,
            member_ids: vec![agent.id],
            now: T0,
        })
        .await
        .unwrap();
    let inbox = add_inbox(
        store,
        account.id,
        "Support",
        Some(&format!("support.{tag}@example.com")),
        vec![admin.id],
        vec![team.id],
    )
    .await;
    Fixture {
        account,
        admin,
        agent,
        team,
        inbox,
    }
}

fn new_user(account: AccountId, email: &str, role: Role) -> NewUser {
    let name = match role {
        Role::Admin => "Admin",
        Role::Agent => "Agent",
    };
    NewUser {
        account_id: account,
        name: format!("{name} {email}"),
        email: email.to_owned(),
        password_hash: HASH.to_owned(),
        role,
        seat: Seat::Service,
        now: T0,
    }
}

async fn add_user(store: &dyn Store, account: AccountId, email: &str, role: Role) -> User {
    store
        .create_user(new_user(account, email, role))
        .await
        .unwrap()
}

async fn add_inbox(
    store: &dyn Store,
    account: AccountId,
    name: &str,
    email_address: Option<&str>,
    member_user_ids: Vec<UserId>,
    member_team_ids: Vec<TeamId>,
) -> Inbox {
    store
        .create_inbox(NewInbox {
            account_id: account,
            name: name.to_owned(),
            email_address: email_address.map(str::to_owned),
            member_user_ids,
            member_team_ids,
            now: T0,
        })
        .await
        .unwrap()
}

fn new_contact(
    account: AccountId,
    name: Option<&str>,
    email: Option<&str>,
    now: Millis,
) -> NewContact {
    NewContact {
        account_id: account,
        name: name.map(str::to_owned),
        email: email.map(str::to_owned),
        phone: None,
        owner_id: None,
        now,
    }
}

/// An inbound email from `email` opening a conversation in `inbox`.
fn inbound(
    account: AccountId,
    inbox: InboxId,
    email: &str,
    subject: &str,
    body: &str,
    now: Millis,
) -> NewConversation {
    NewConversation {
        account_id: account,
        inbox_id: inbox,
        channel: Channel::Email,
        contact: new_contact(account, None, Some(email), now),
        subject: Some(subject.to_owned()),
        body: body.to_owned(),
        meta: serde_json::json!({}),
        now,
    }
}

/// Opens a conversation in the fixture's inbox.
async fn start(
    store: &dyn Store,
    fx: &Fixture,
    email: &str,
    subject: &str,
    body: &str,
    now: Millis,
) -> Conversation {
    let new = inbound(fx.account.id, fx.inbox.id, email, subject, body, now);
    store.create_conversation(new).await.unwrap().0
}

fn entry(
    conversation: ConversationId,
    kind: EntryKind,
    direction: Option<Direction>,
    body: &str,
    now: Millis,
) -> NewEntry {
    NewEntry {
        conversation_id: conversation,
        kind,
        direction,
        author_user_id: None,
        author_contact_id: None,
        body: body.to_owned(),
        meta: serde_json::json!({}),
        now,
    }
}

fn reply(conversation: ConversationId, author: UserId, body: &str, now: Millis) -> NewEntry {
    NewEntry {
        author_user_id: Some(author),
        ..entry(
            conversation,
            EntryKind::Message,
            Some(Direction::Outbound),
            body,
            now,
        )
    }
}

fn status(
    conversation: ConversationId,
    status: Status,
    actor: UserId,
    now: Millis,
) -> StatusChange {
    StatusChange {
        conversation_id: conversation,
        status,
        actor,
        event_text: format!("Marked {status}"),
        now,
    }
}

fn assign(
    conversation: ConversationId,
    assignee: Option<Assignee>,
    actor: UserId,
    now: Millis,
) -> AssigneeChange {
    AssigneeChange {
        conversation_id: conversation,
        assignee,
        actor: Some(actor),
        event_text: format!("Assigned to {}", Assignee::key(assignee)),
        now,
    }
}

fn new_ticket(account: AccountId, conversations: Vec<ConversationId>, now: Millis) -> NewTicket {
    NewTicket {
        account_id: account,
        subject: "Broken parcel".to_owned(),
        stage: TicketStage::New,
        priority: Priority::High,
        owner_id: None,
        conversation_ids: conversations,
        now,
    }
}

fn new_notification(user: UserId, text: &str, now: Millis) -> NewNotification {
    NewNotification {
        user_id: user,
        kind: NotificationKind::Mention,
        conversation_id: None,
        entry_id: None,
        actor_user_id: None,
        text: text.to_owned(),
        now,
    }
}

/// The ids of one page of `query`.
async fn list(store: &dyn Store, query: ListQuery) -> Vec<ConversationId> {
    let page = store.list_conversations(&query).await.unwrap();
    page.items.iter().map(|s| s.id).collect()
}

/// The ids of the first page of a search in `inbox`.
async fn search(store: &dyn Store, inbox: InboxId, text: &str) -> Vec<ConversationId> {
    list(
        store,
        ListQuery {
            text: Some(text.to_owned()),
            ..ListQuery::inbox(inbox)
        },
    )
    .await
}

/// Every page of `query`, following `next_cursor` to the end.
async fn pages(store: &dyn Store, mut query: ListQuery) -> Vec<Vec<ConversationId>> {
    let mut pages = Vec::new();
    loop {
        let page = store.list_conversations(&query).await.unwrap();
        pages.push(page.items.iter().map(|s| s.id).collect());
        let Some(next) = page.next_cursor else {
            return pages;
        };
        assert!(pages.len() < 100, "pagination does not end");
        query.cursor = Some(Cursor::decode(&next).unwrap());
    }
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

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

// Teams and inboxes.

pub async fn team_is_created_with_its_members(store: &dyn Store) {
    let fx = seed(store, "team-create").await;
    let other = seed(store, "team-create-other").await;
    let team = store
        .create_team(NewTeam {
            account_id: fx.account.id,
            name: "Billing".to_owned(),
            round_robin: true,
            member_ids: vec![fx.agent.id, fx.admin.id],
            now: T0,
        })
        .await
        .unwrap();
    assert_eq!(
        (team.account_id, team.name.as_str(), team.round_robin),
        (fx.account.id, "Billing", true)
    );
    assert_eq!(
        sorted(team.member_ids.clone()),
        sorted(vec![fx.admin.id, fx.agent.id])
    );

    let teams = store.teams(fx.account.id).await.unwrap();
    assert_eq!(
        sorted(teams.iter().map(|t| t.id).collect()),
        sorted(vec![fx.team.id, team.id])
    );
    let listed = teams.iter().find(|t| t.id == team.id).unwrap();
    assert_eq!(
        (listed.name.as_str(), listed.round_robin),
        ("Billing", true)
    );
    assert_eq!(sorted(listed.member_ids.clone()), sorted(team.member_ids));
    let seeded = teams.iter().find(|t| t.id == fx.team.id).unwrap();
    assert_eq!(
        (seeded.round_robin, seeded.member_ids.clone()),
        (false, vec![fx.agent.id])
    );
    assert!(store
        .teams(other.account.id)
        .await
        .unwrap()
        .iter()
        .all(|t| t.account_id == other.account.id));
}

pub async fn team_member_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "team-member-a").await;
    let other = seed(store, "team-member-b").await;
    let new = NewTeam {
        account_id: fx.account.id,
        name: "Mixed".to_owned(),
        round_robin: false,
        member_ids: vec![fx.admin.id, other.agent.id],
        now: T0,
    };
    assert_err!(
        store.create_team(new).await,
        StoreError::InvalidReference(_)
    );
    assert!(store
        .teams(fx.account.id)
        .await
        .unwrap()
        .iter()
        .all(|t| t.name != "Mixed"));
}

pub async fn team_name_is_unique_within_an_account(store: &dyn Store) {
    let fx = seed(store, "team-name-a").await;
    let other = seed(store, "team-name-b").await;
    // The fixture's team is "Tier 1" in both accounts, so names are only per account.
    assert_eq!(fx.team.name, other.team.name);
    let new = NewTeam {
        account_id: fx.account.id,
        name: fx.team.name.clone(),
        round_robin: false,
        member_ids: Vec::new(),
        now: T0,
    };
    assert_err!(store.create_team(new).await, StoreError::Conflict(_));
}

pub async fn inbox_is_created_with_user_and_team_members(store: &dyn Store) {
    let fx = seed(store, "inbox-create").await;
    let inbox = add_inbox(
        store,
        fx.account.id,
        "Sales",
        Some("sales.inbox-create@example.com"),
        vec![fx.agent.id, fx.admin.id],
        vec![fx.team.id],
    )
    .await;
    assert_eq!(
        (inbox.account_id, inbox.name.as_str()),
        (fx.account.id, "Sales")
    );
    assert_eq!(
        inbox.email_address.as_deref(),
        Some("sales.inbox-create@example.com")
    );
    assert_eq!(
        sorted(inbox.member_user_ids.clone()),
        sorted(vec![fx.admin.id, fx.agent.id])
    );
    assert_eq!(inbox.member_team_ids, vec![fx.team.id]);

    let read = store.inbox(fx.account.id, inbox.id).await.unwrap();
    assert_eq!(read.email_address, inbox.email_address);
    assert_eq!(
        sorted(read.member_user_ids.clone()),
        sorted(inbox.member_user_ids.clone())
    );
    assert_eq!(read.member_team_ids, inbox.member_team_ids);

    let all = store.inboxes(fx.account.id).await.unwrap();
    assert_eq!(
        sorted(all.iter().map(|i| i.id).collect()),
        sorted(vec![fx.inbox.id, inbox.id])
    );
    let seeded = all.iter().find(|i| i.id == fx.inbox.id).unwrap();
    assert_eq!(
        (
            seeded.member_user_ids.clone(),
            seeded.member_team_ids.clone()
        ),
        (vec![fx.admin.id], vec![fx.team.id])
    );
}

pub async fn inbox_member_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "inbox-member-a").await;
    let other = seed(store, "inbox-member-b").await;
    let with_user = NewInbox {
        account_id: fx.account.id,
        name: "Mixed users".to_owned(),
        email_address: None,
        member_user_ids: vec![fx.admin.id, other.admin.id],
        member_team_ids: Vec::new(),
        now: T0,
    };
    assert_err!(
        store.create_inbox(with_user).await,
        StoreError::InvalidReference(_)
    );
    let with_team = NewInbox {
        account_id: fx.account.id,
        name: "Mixed teams".to_owned(),
        email_address: None,
        member_user_ids: Vec::new(),
        member_team_ids: vec![other.team.id],
        now: T0,
    };
    assert_err!(
        store.create_inbox(with_team).await,
        StoreError::InvalidReference(_)
    );
    assert_eq!(store.inboxes(fx.account.id).await.unwrap().len(), 1);
}

pub async fn inbox_of_another_account_is_not_found(store: &dyn Store) {
    let fx = seed(store, "inbox-other-a").await;
    let other = seed(store, "inbox-other-b").await;
    assert_err!(
        store.inbox(other.account.id, fx.inbox.id).await,
        StoreError::NotFound
    );
    assert!(store
        .inboxes(other.account.id)
        .await
        .unwrap()
        .iter()
        .all(|i| i.id != fx.inbox.id));
}

pub async fn inbox_email_address_is_unique(store: &dyn Store) {
    let fx = seed(store, "inbox-address-a").await;
    let other = seed(store, "inbox-address-b").await;
    let taken = fx.inbox.email_address.clone();
    let new = |account: AccountId, name: &str| NewInbox {
        account_id: account,
        name: name.to_owned(),
        email_address: taken.clone(),
        member_user_ids: Vec::new(),
        member_team_ids: Vec::new(),
        now: T0,
    };
    assert_err!(
        store.create_inbox(new(fx.account.id, "Copy")).await,
        StoreError::Conflict(_)
    );
    // Mail is routed by address alone, so the address is unique across accounts too.
    assert_err!(
        store.create_inbox(new(other.account.id, "Copy")).await,
        StoreError::Conflict(_)
    );
}

pub async fn member_inbox_ids_include_inboxes_through_teams(store: &dyn Store) {
    let fx = seed(store, "member-inboxes").await;
    let admin_only = add_inbox(
        store,
        fx.account.id,
        "Admin only",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    // The agent is in this one both directly and through the team: listed once.
    let both = add_inbox(
        store,
        fx.account.id,
        "Both",
        None,
        vec![fx.agent.id],
        vec![fx.team.id],
    )
    .await;
    add_inbox(store, fx.account.id, "Nobody", None, vec![], vec![]).await;
    let loner = add_user(
        store,
        fx.account.id,
        "loner.member-inboxes@example.com",
        Role::Agent,
    )
    .await;

    let agent = store.member_inbox_ids(fx.agent.id).await.unwrap();
    assert_eq!(sorted(agent), sorted(vec![fx.inbox.id, both.id]));
    let admin = store.member_inbox_ids(fx.admin.id).await.unwrap();
    assert_eq!(sorted(admin), sorted(vec![fx.inbox.id, admin_only.id]));
    assert!(store.member_inbox_ids(loner.id).await.unwrap().is_empty());
}

pub async fn is_inbox_member_counts_direct_and_team_membership(store: &dyn Store) {
    let fx = seed(store, "is-member").await;
    let other = seed(store, "is-member-other").await;
    let loner = add_user(
        store,
        fx.account.id,
        "loner.is-member@example.com",
        Role::Agent,
    )
    .await;
    assert!(
        store
            .is_inbox_member(fx.inbox.id, fx.admin.id)
            .await
            .unwrap(),
        "direct member"
    );
    assert!(
        store
            .is_inbox_member(fx.inbox.id, fx.agent.id)
            .await
            .unwrap(),
        "member through team"
    );
    assert!(
        !store.is_inbox_member(fx.inbox.id, loner.id).await.unwrap(),
        "no membership"
    );
    assert!(
        !store
            .is_inbox_member(fx.inbox.id, other.admin.id)
            .await
            .unwrap(),
        "another account"
    );
}

// Contacts.

pub async fn contact_is_created_and_read_within_its_account(store: &dyn Store) {
    let fx = seed(store, "contact-create").await;
    let other = seed(store, "contact-create-other").await;
    let new = NewContact {
        phone: Some("+1 555 0100".to_owned()),
        owner_id: Some(fx.admin.id),
        ..new_contact(
            fx.account.id,
            Some("Jane Roe"),
            Some("jane@customer.example"),
            T0,
        )
    };
    let contact = store.create_contact(new).await.unwrap();
    assert_eq!(contact.account_id, fx.account.id);
    assert_eq!(contact.name.as_deref(), Some("Jane Roe"));
    assert_eq!(contact.email.as_deref(), Some("jane@customer.example"));
    assert_eq!(contact.phone.as_deref(), Some("+1 555 0100"));
    assert_eq!(
        (contact.owner_id, contact.created_at),
        (Some(fx.admin.id), T0)
    );
    assert_eq!(
        store.contact(fx.account.id, contact.id).await.unwrap(),
        contact
    );
    assert_err!(
        store.contact(other.account.id, contact.id).await,
        StoreError::NotFound
    );
}

pub async fn contact_owner_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "contact-owner-a").await;
    let other = seed(store, "contact-owner-b").await;
    let new = NewContact {
        owner_id: Some(other.admin.id),
        ..new_contact(
            fx.account.id,
            Some("Jane"),
            Some("jane@customer.example"),
            T0,
        )
    };
    assert_err!(
        store.create_contact(new).await,
        StoreError::InvalidReference(_)
    );
    assert!(store
        .contacts(fx.account.id, 10, None)
        .await
        .unwrap()
        .is_empty());
}

pub async fn contact_email_is_unique_within_an_account(store: &dyn Store) {
    let fx = seed(store, "contact-email-a").await;
    let other = seed(store, "contact-email-b").await;
    let email = Some("jane@customer.example");
    store
        .create_contact(new_contact(fx.account.id, None, email, T0))
        .await
        .unwrap();
    let again = new_contact(fx.account.id, Some("Jane"), email, T0);
    assert_err!(store.create_contact(again).await, StoreError::Conflict(_));
    // Another account knows the same person separately.
    store
        .create_contact(new_contact(other.account.id, None, email, T0))
        .await
        .unwrap();
}

pub async fn contacts_page_by_id_keyset(store: &dyn Store) {
    let fx = seed(store, "contacts-page").await;
    let other = seed(store, "contacts-page-other").await;
    let mut created = Vec::new();
    for i in 0..5 {
        let email = format!("customer{i}@customer.example");
        let contact = store
            .create_contact(new_contact(fx.account.id, None, Some(&email), T0 + i))
            .await
            .unwrap();
        created.push(contact.id);
        store
            .create_contact(new_contact(other.account.id, None, Some(&email), T0 + i))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut after = None;
    loop {
        let page = store.contacts(fx.account.id, 2, after).await.unwrap();
        sizes.push(page.len());
        assert!(page.iter().all(|c| c.account_id == fx.account.id));
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.iter().map(|c| c.id));
    }
    assert_eq!(seen, created);
    assert_eq!(sizes, vec![2, 2, 1, 0]);
}

// Conversations.

pub async fn create_conversation_creates_contact_and_first_inbound_message(store: &dyn Store) {
    let fx = seed(store, "conversation-create").await;
    let body = "Hello,\n\n  my parcel arrived broken.\nCan I get a refund?";
    let new = NewConversation {
        channel: Channel::Email,
        contact: NewContact {
            name: Some("Jane Roe".to_owned()),
            phone: Some("+1 555 0100".to_owned()),
            ..new_contact(fx.account.id, None, Some("jane@customer.example"), T0)
        },
        meta: serde_json::json!({"message_id": "<m1@customer.example>"}),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Broken parcel",
            body,
            T0,
        )
    };
    let (conversation, first) = store.create_conversation(new).await.unwrap();

    assert_eq!(
        (conversation.account_id, conversation.inbox_id),
        (fx.account.id, fx.inbox.id)
    );
    assert_eq!(
        (conversation.channel, conversation.status),
        (Channel::Email, Status::Open)
    );
    assert_eq!(conversation.subject.as_deref(), Some("Broken parcel"));
    assert_eq!(
        (conversation.assignee, conversation.ticket_ids.clone()),
        (None, vec![])
    );
    assert_eq!(conversation.preview, preview_of(body));
    assert_eq!(
        (conversation.created_at, conversation.last_activity_at),
        (T0, T0)
    );
    let contact = &conversation.contact;
    assert_eq!(contact.account_id, fx.account.id);
    assert_eq!(contact.name.as_deref(), Some("Jane Roe"));
    assert_eq!(contact.email.as_deref(), Some("jane@customer.example"));
    assert_eq!(contact.phone.as_deref(), Some("+1 555 0100"));

    assert_eq!(first.conversation_id, conversation.id);
    assert_eq!(
        (first.kind, first.direction),
        (EntryKind::Message, Some(Direction::Inbound))
    );
    assert_eq!(
        (first.author_contact_id, first.author_user_id),
        (Some(contact.id), None)
    );
    assert_eq!((first.body.as_str(), first.created_at), (body, T0));
    assert_eq!(
        first.meta,
        serde_json::json!({"message_id": "<m1@customer.example>"})
    );

    assert_eq!(
        store
            .conversation(fx.account.id, conversation.id)
            .await
            .unwrap(),
        conversation
    );
    assert_eq!(
        &store.contact(fx.account.id, contact.id).await.unwrap(),
        contact
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap(), vec![first]);
}

pub async fn second_conversation_with_same_email_reuses_the_contact(store: &dyn Store) {
    let fx = seed(store, "conversation-reuse").await;
    let first = start(store, &fx, "jane@customer.example", "First", "one", T0).await;
    assert_eq!(first.contact.name, None);
    let new = NewConversation {
        contact: new_contact(
            fx.account.id,
            Some("Jane Roe"),
            Some("jane@customer.example"),
            T0 + 10,
        ),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Second",
            "two",
            T0 + 10,
        )
    };
    let (second, _) = store.create_conversation(new).await.unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(second.contact.id, first.contact.id);
    // The contact had no name; the one the later message brought fills it.
    assert_eq!(second.contact.name.as_deref(), Some("Jane Roe"));
    let contacts = store.contacts(fx.account.id, 10, None).await.unwrap();
    assert_eq!(
        contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![first.contact.id]
    );
    assert_eq!(contacts[0].name.as_deref(), Some("Jane Roe"));
}

pub async fn conversation_without_email_reuses_the_contact_by_phone(store: &dyn Store) {
    let fx = seed(store, "conversation-phone").await;
    let by_phone = |now: Millis| NewConversation {
        channel: Channel::Whatsapp,
        contact: NewContact {
            phone: Some("+15550100".to_owned()),
            ..new_contact(fx.account.id, None, None, now)
        },
        subject: None,
        ..inbound(fx.account.id, fx.inbox.id, "unused", "", "hi", now)
    };
    let (first, _) = store.create_conversation(by_phone(T0)).await.unwrap();
    let (second, _) = store.create_conversation(by_phone(T0 + 10)).await.unwrap();
    assert_eq!(first.subject, None);
    assert_eq!(first.contact.phone.as_deref(), Some("+15550100"));
    assert_eq!(second.contact.id, first.contact.id);
}

pub async fn conversation_in_another_accounts_inbox_is_not_found(store: &dyn Store) {
    let fx = seed(store, "conversation-inbox-a").await;
    let other = seed(store, "conversation-inbox-b").await;
    let new = inbound(
        fx.account.id,
        other.inbox.id,
        "jane@customer.example",
        "Hi",
        "hello",
        T0,
    );
    assert_err!(store.create_conversation(new).await, StoreError::NotFound);
    let unknown = inbound(
        fx.account.id,
        InboxId(other.inbox.id.0 + 1_000),
        "jane@customer.example",
        "Hi",
        "hello",
        T0,
    );
    assert_err!(
        store.create_conversation(unknown).await,
        StoreError::NotFound
    );
    assert!(store
        .contacts(fx.account.id, 10, None)
        .await
        .unwrap()
        .is_empty());
}

pub async fn conversation_of_another_account_is_not_found(store: &dyn Store) {
    let fx = seed(store, "conversation-other-a").await;
    let other = seed(store, "conversation-other-b").await;
    let conversation = start(store, &fx, "jane@customer.example", "Hi", "hello", T0).await;
    assert_err!(
        store.conversation(other.account.id, conversation.id).await,
        StoreError::NotFound
    );
    let unknown = ConversationId(conversation.id.0 + 1_000);
    assert_err!(
        store.conversation(fx.account.id, unknown).await,
        StoreError::NotFound
    );
}

// The conversation list.

pub async fn conversation_list_is_newest_activity_first(store: &dyn Store) {
    let fx = seed(store, "list-order").await;
    let first = start(store, &fx, "a@customer.example", "First", "one", T0).await;
    let second = start(store, &fx, "b@customer.example", "Second", "two", T0 + 10).await;
    let third = start(store, &fx, "c@customer.example", "Third", "three", T0 + 20).await;
    assert_eq!(
        list(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![third.id, second.id, first.id]
    );

    // A new message moves the oldest conversation to the top.
    store
        .append_entry(reply(first.id, fx.admin.id, "Any news?", T0 + 30))
        .await
        .unwrap();
    let page = store
        .list_conversations(&ListQuery::inbox(fx.inbox.id))
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![first.id, third.id, second.id]
    );
    assert_eq!(page.next_cursor, None);
    let top = &page.items[0];
    assert_eq!(
        (top.inbox_id, top.channel, top.status),
        (fx.inbox.id, Channel::Email, Status::Open)
    );
    assert_eq!(
        (top.subject.as_deref(), top.preview.as_str()),
        (Some("First"), "Any news?")
    );
    assert_eq!(
        (top.contact_id, top.contact_email.as_deref()),
        (first.contact.id, Some("a@customer.example"))
    );
    assert_eq!((top.assignee, top.last_activity_at), (None, T0 + 30));
}

pub async fn conversation_list_pages_by_keyset_visiting_every_row_once(store: &dyn Store) {
    let fx = seed(store, "list-pages").await;
    let mut newest_first = Vec::new();
    for i in 0..7 {
        let email = format!("c{i}@customer.example");
        let conversation = start(store, &fx, &email, "Page", "body", T0 + i * 10).await;
        newest_first.insert(0, conversation.id);
    }
    let pages = pages(
        store,
        ListQuery {
            limit: 3,
            ..ListQuery::inbox(fx.inbox.id)
        },
    )
    .await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![3, 3, 1]
    );
    assert_eq!(pages.concat(), newest_first);
}

pub async fn conversation_list_pages_through_equal_activity_times_by_id(store: &dyn Store) {
    let fx = seed(store, "list-ties").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let email = format!("c{i}@customer.example");
        ids.push(start(store, &fx, &email, "Tie", "body", T0).await.id);
    }
    let pages = pages(
        store,
        ListQuery {
            limit: 2,
            ..ListQuery::inbox(fx.inbox.id)
        },
    )
    .await;
    // Same activity time: the newer id (created later) comes first.
    ids.reverse();
    assert_eq!(pages.concat(), ids);
}

pub async fn conversation_list_shows_only_its_inbox(store: &dyn Store) {
    let fx = seed(store, "list-inbox").await;
    let sales = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let support = start(store, &fx, "a@customer.example", "Support", "one", T0).await;
    let new = inbound(
        fx.account.id,
        sales.id,
        "b@customer.example",
        "Sales",
        "two",
        T0 + 10,
    );
    let (sale, _) = store.create_conversation(new).await.unwrap();
    assert_eq!(
        list(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![support.id]
    );
    assert_eq!(list(store, ListQuery::inbox(sales.id)).await, vec![sale.id]);
}

pub async fn conversation_list_filters_by_status(store: &dyn Store) {
    let fx = seed(store, "list-status").await;
    let open = start(store, &fx, "a@customer.example", "Open", "one", T0).await;
    let closed = start(store, &fx, "b@customer.example", "Closed", "two", T0 + 10).await;
    store
        .set_status(status(closed.id, Status::Closed, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    let query = |status| ListQuery {
        status,
        ..ListQuery::inbox(fx.inbox.id)
    };
    assert_eq!(list(store, query(Some(Status::Open))).await, vec![open.id]);
    assert_eq!(
        list(store, query(Some(Status::Closed))).await,
        vec![closed.id]
    );
    assert_eq!(list(store, query(None)).await, vec![closed.id, open.id]);
}

pub async fn conversation_list_filters_by_assignee(store: &dyn Store) {
    let fx = seed(store, "list-assignee").await;
    let to_admin = start(store, &fx, "a@customer.example", "Admin", "one", T0).await;
    let to_team = start(store, &fx, "b@customer.example", "Team", "two", T0 + 10).await;
    let nobody = start(store, &fx, "c@customer.example", "Nobody", "three", T0 + 20).await;
    let to_agent = start(store, &fx, "d@customer.example", "Agent", "four", T0 + 30).await;
    let admin = Assignee::User(fx.admin.id);
    let team = Assignee::Team(fx.team.id);
    let agent = Assignee::User(fx.agent.id);
    for (conversation, assignee) in [(&to_admin, admin), (&to_team, team), (&to_agent, agent)] {
        store
            .set_assignee(assign(
                conversation.id,
                Some(assignee),
                fx.admin.id,
                T0 + 40,
            ))
            .await
            .unwrap();
    }
    let query = |assignee| ListQuery {
        assignee,
        ..ListQuery::inbox(fx.inbox.id)
    };
    let all = vec![to_agent.id, nobody.id, to_team.id, to_admin.id];
    assert_eq!(list(store, query(AssigneeFilter::Any)).await, all);
    assert_eq!(
        list(store, query(AssigneeFilter::Unassigned)).await,
        vec![nobody.id]
    );
    assert_eq!(
        list(store, query(AssigneeFilter::Is(admin))).await,
        vec![to_admin.id]
    );
    assert_eq!(
        list(store, query(AssigneeFilter::Is(agent))).await,
        vec![to_agent.id]
    );
    assert_eq!(
        list(store, query(AssigneeFilter::Is(team))).await,
        vec![to_team.id]
    );
    let page = store
        .list_conversations(&query(AssigneeFilter::Is(team)))
        .await
        .unwrap();
    assert_eq!(page.items[0].assignee, Some(team));
}

pub async fn conversation_list_filters_by_channel(store: &dyn Store) {
    let fx = seed(store, "list-channel").await;
    let email = start(store, &fx, "a@customer.example", "Mail", "one", T0).await;
    let new = NewConversation {
        channel: Channel::Chat,
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "b@customer.example",
            "Chat",
            "two",
            T0 + 10,
        )
    };
    let (chat, _) = store.create_conversation(new).await.unwrap();
    let query = |channel| ListQuery {
        channel,
        ..ListQuery::inbox(fx.inbox.id)
    };
    assert_eq!(
        list(store, query(Some(Channel::Email))).await,
        vec![email.id]
    );
    assert_eq!(list(store, query(Some(Channel::Chat))).await, vec![chat.id]);
    assert!(list(store, query(Some(Channel::Whatsapp))).await.is_empty());
}

pub async fn search_matches_subject_words(store: &dyn Store) {
    let fx = seed(store, "search-subject").await;
    let invoice = start(
        store,
        &fx,
        "a@customer.example",
        "Invoice overdue",
        "see attached",
        T0,
    )
    .await;
    let password = start(
        store,
        &fx,
        "b@customer.example",
        "Password reset",
        "see attached",
        T0 + 10,
    )
    .await;
    assert_eq!(
        search(store, fx.inbox.id, "invoice").await,
        vec![invoice.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "password").await,
        vec![password.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "attached").await,
        vec![password.id, invoice.id]
    );
    assert!(search(store, fx.inbox.id, "shipping").await.is_empty());
}

pub async fn search_matches_message_bodies_including_appended_ones(store: &dyn Store) {
    let fx = seed(store, "search-body").await;
    let parcel = start(
        store,
        &fx,
        "a@customer.example",
        "Hi",
        "My parcel never arrived.",
        T0,
    )
    .await;
    let other = start(
        store,
        &fx,
        "b@customer.example",
        "Hi",
        "Where is my order?",
        T0 + 10,
    )
    .await;
    assert_eq!(search(store, fx.inbox.id, "parcel").await, vec![parcel.id]);
    assert!(search(store, fx.inbox.id, "replacement").await.is_empty());

    store
        .append_entry(reply(
            other.id,
            fx.admin.id,
            "We sent a replacement.",
            T0 + 20,
        ))
        .await
        .unwrap();
    let inbound_later = entry(
        parcel.id,
        EntryKind::Message,
        Some(Direction::Inbound),
        "Tracking says Lisbon",
        T0 + 30,
    );
    store.append_entry(inbound_later).await.unwrap();
    assert_eq!(
        search(store, fx.inbox.id, "replacement").await,
        vec![other.id]
    );
    assert_eq!(search(store, fx.inbox.id, "lisbon").await, vec![parcel.id]);
    // The first message still matches after others were added.
    assert_eq!(search(store, fx.inbox.id, "order").await, vec![other.id]);
}

pub async fn search_matches_contact_name_and_email(store: &dyn Store) {
    let fx = seed(store, "search-contact").await;
    let new = NewConversation {
        contact: new_contact(
            fx.account.id,
            Some("Marguerite Duras"),
            Some("mduras@lettres.example"),
            T0,
        ),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Hello",
            "A question",
            T0,
        )
    };
    let (duras, _) = store.create_conversation(new).await.unwrap();
    start(
        store,
        &fx,
        "someone@else.example",
        "Hello",
        "A question",
        T0 + 10,
    )
    .await;
    for text in [
        "marguerite",
        "Duras",
        "Marguerite Duras",
        "mduras",
        "mduras@lettres.example",
        "lettres.example",
    ] {
        assert_eq!(
            search(store, fx.inbox.id, text).await,
            vec![duras.id],
            "search {text:?}"
        );
    }
}

pub async fn search_matches_word_prefixes_case_insensitively(store: &dyn Store) {
    let fx = seed(store, "search-prefix").await;
    let refund = start(
        store,
        &fx,
        "a@customer.example",
        "Question",
        "I would like a REFUND please",
        T0,
    )
    .await;
    start(
        store,
        &fx,
        "b@customer.example",
        "Question",
        "Thanks for the quick fix",
        T0 + 10,
    )
    .await;
    for text in ["refund", "Refund", "refu", "REFU", "r", "refunD PLEA"] {
        assert_eq!(
            search(store, fx.inbox.id, text).await,
            vec![refund.id],
            "search {text:?}"
        );
    }
    // Prefixes, not infixes.
    assert!(search(store, fx.inbox.id, "efund").await.is_empty());
    assert!(search(store, fx.inbox.id, "refunds").await.is_empty());
}

pub async fn search_matches_words_with_accents_as_written(store: &dyn Store) {
    let fx = seed(store, "search-accents").await;
    let new = NewConversation {
        contact: new_contact(
            fx.account.id,
            Some("Zoë Ångström"),
            Some("zoe@customer.example"),
            T0,
        ),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Crème brûlée",
            "Ça marche très bien",
            T0,
        )
    };
    let (zoe, _) = store.create_conversation(new).await.unwrap();
    start(store, &fx, "b@customer.example", "Hello", "plain", T0 + 10).await;
    for text in ["zoë", "ÅNGSTRÖM", "ångs", "crème", "BRÛLÉE", "ça", "très"] {
        assert_eq!(
            search(store, fx.inbox.id, text).await,
            vec![zoe.id],
            "search {text:?}"
        );
    }
}

pub async fn search_requires_every_word(store: &dyn Store) {
    let fx = seed(store, "search-and").await;
    let order = start(
        store,
        &fx,
        "a@customer.example",
        "Refund",
        "for order 1234",
        T0,
    )
    .await;
    let denied = start(
        store,
        &fx,
        "b@customer.example",
        "Refund",
        "was denied",
        T0 + 10,
    )
    .await;
    assert_eq!(
        search(store, fx.inbox.id, "refund").await,
        vec![denied.id, order.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "refund order").await,
        vec![order.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "refund 1234").await,
        vec![order.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "denied refund").await,
        vec![denied.id]
    );
    assert!(search(store, fx.inbox.id, "order denied").await.is_empty());
}

pub async fn search_combines_with_filters_and_pages(store: &dyn Store) {
    let fx = seed(store, "search-pages").await;
    let mut shipping = Vec::new();
    for i in 0..5 {
        let email = format!("s{i}@customer.example");
        let conversation = start(store, &fx, &email, "Shipping", "late", T0 + i * 10).await;
        shipping.insert(0, conversation.id);
        start(
            store,
            &fx,
            &format!("o{i}@customer.example"),
            "Other",
            "late",
            T0 + i * 10 + 5,
        )
        .await;
    }
    let closed = shipping[1];
    store
        .set_status(status(closed, Status::Closed, fx.admin.id, T0 + 100))
        .await
        .unwrap();
    let text = Some("shipping late".to_owned());
    let query = ListQuery {
        text: text.clone(),
        limit: 2,
        ..ListQuery::inbox(fx.inbox.id)
    };
    assert_eq!(pages(store, query).await.concat(), shipping);
    let open = ListQuery {
        text,
        status: Some(Status::Open),
        limit: 2,
        ..ListQuery::inbox(fx.inbox.id)
    };
    let expected: Vec<_> = shipping
        .iter()
        .copied()
        .filter(|id| *id != closed)
        .collect();
    assert_eq!(pages(store, open).await.concat(), expected);
}

pub async fn search_with_operator_characters_never_fails(store: &dyn Store) {
    let fx = seed(store, "search-operators").await;
    let refund = start(
        store,
        &fx,
        "a@customer.example",
        "Refund",
        "refund for order",
        T0,
    )
    .await;
    let finds_refund = [
        "\"refund",
        "refund\"",
        "\"refund\"",
        "refund*",
        "refund OR",
        "(refund",
        "refund)",
        "refund & order",
        "refund | order",
        "!refund",
        "refund:",
        "refund:*",
        "-refund",
        "+refund",
        "^refund",
        "refund'",
        "refund\\",
        "refund%",
        "refund_",
        "refund;--",
    ];
    for text in finds_refund {
        let found = store
            .list_conversations(&ListQuery {
                text: Some(text.to_owned()),
                ..ListQuery::inbox(fx.inbox.id)
            })
            .await;
        let ids: Vec<_> = found
            .unwrap_or_else(|e| panic!("search {text:?}: {e}"))
            .items
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, vec![refund.id], "search {text:?}");
    }
    let odd = [
        "body:refund",
        "refund NEAR(order",
        "refund AND",
        "\"",
        "*",
        "OR",
        "AND",
        "NOT",
        "(",
        ")",
        "&",
        "!",
        ":",
        "\"\"",
        "()",
        "&|!:*",
        "NEAR",
        "'",
        " ",
        "",
    ];
    for text in odd {
        let query = ListQuery {
            text: Some(text.to_owned()),
            ..ListQuery::inbox(fx.inbox.id)
        };
        if let Err(e) = store.list_conversations(&query).await {
            panic!("search {text:?}: {e}");
        }
    }
    // Punctuation alone holds no word to look for, so nothing matches.
    assert!(search(store, fx.inbox.id, "\"*()&!:").await.is_empty());
}

pub async fn view_counts_count_open_mine_unassigned_and_closed(store: &dyn Store) {
    let fx = seed(store, "view-counts").await;
    let sales = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            start(
                store,
                &fx,
                &format!("c{i}@customer.example"),
                "Count",
                "body",
                T0 + i,
            )
            .await
            .id,
        );
    }
    let admin = Some(Assignee::User(fx.admin.id));
    store
        .set_assignee(assign(ids[0], admin, fx.admin.id, T0 + 10))
        .await
        .unwrap();
    store
        .set_assignee(assign(
            ids[1],
            Some(Assignee::User(fx.agent.id)),
            fx.admin.id,
            T0 + 10,
        ))
        .await
        .unwrap();
    // ids[2] stays open and unassigned; ids[3] is closed unassigned, ids[4] closed and mine.
    store
        .set_status(status(ids[3], Status::Closed, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    store
        .set_assignee(assign(ids[4], admin, fx.admin.id, T0 + 10))
        .await
        .unwrap();
    store
        .set_status(status(ids[4], Status::Closed, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    // Conversations of another inbox count there only.
    let new = inbound(
        fx.account.id,
        sales.id,
        "s@customer.example",
        "Elsewhere",
        "body",
        T0,
    );
    store.create_conversation(new).await.unwrap();

    let counts = store.view_counts(fx.inbox.id, fx.admin.id).await.unwrap();
    assert_eq!(
        counts,
        ViewCounts {
            open: 3,
            mine: 1,
            unassigned: 1,
            closed: 2
        }
    );
    let counts = store.view_counts(fx.inbox.id, fx.agent.id).await.unwrap();
    assert_eq!(
        counts,
        ViewCounts {
            open: 3,
            mine: 1,
            unassigned: 1,
            closed: 2
        }
    );
    let counts = store.view_counts(sales.id, fx.admin.id).await.unwrap();
    assert_eq!(
        counts,
        ViewCounts {
            open: 1,
            mine: 0,
            unassigned: 1,
            closed: 0
        }
    );
}

// Timelines.

pub async fn appended_message_updates_preview_and_last_activity(store: &dyn Store) {
    let fx = seed(store, "append-message").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let body = "Thanks for writing.\n\nWe are on it.";
    let new = NewEntry {
        meta: serde_json::json!({"to": ["a@customer.example"]}),
        ..reply(conversation.id, fx.admin.id, body, T0 + 50)
    };
    let sent = store.append_entry(new).await.unwrap();
    assert_eq!(sent.conversation_id, conversation.id);
    assert_eq!(
        (sent.kind, sent.direction),
        (EntryKind::Message, Some(Direction::Outbound))
    );
    assert_eq!(
        (sent.author_user_id, sent.author_contact_id),
        (Some(fx.admin.id), None)
    );
    assert_eq!((sent.body.as_str(), sent.created_at), (body, T0 + 50));
    assert_eq!(sent.meta, serde_json::json!({"to": ["a@customer.example"]}));

    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.preview, read.last_activity_at),
        (preview_of(body), T0 + 50)
    );
    assert_eq!(read.created_at, T0);
    let page = store
        .list_conversations(&ListQuery::inbox(fx.inbox.id))
        .await
        .unwrap();
    assert_eq!(
        (
            page.items[0].preview.clone(),
            page.items[0].last_activity_at
        ),
        (preview_of(body), T0 + 50)
    );
}

pub async fn inbound_message_reopens_a_closed_conversation(store: &dyn Store) {
    let fx = seed(store, "append-reopen").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.admin.id,
            T0 + 10,
        ))
        .await
        .unwrap();
    // Our own reply leaves it closed.
    store
        .append_entry(reply(
            conversation.id,
            fx.admin.id,
            "Done, closing.",
            T0 + 20,
        ))
        .await
        .unwrap();
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(read.status, Status::Closed);

    let again = NewEntry {
        author_contact_id: Some(conversation.contact.id),
        ..entry(
            conversation.id,
            EntryKind::Message,
            Some(Direction::Inbound),
            "It broke again",
            T0 + 30,
        )
    };
    store.append_entry(again).await.unwrap();
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.status, read.preview.as_str()),
        (Status::Open, "It broke again")
    );
}

pub async fn comment_and_event_leave_preview_and_activity_alone(store: &dyn Store) {
    let fx = seed(store, "append-comment").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello there", T0).await;
    let comment = NewEntry {
        author_user_id: Some(fx.agent.id),
        ..entry(
            conversation.id,
            EntryKind::Comment,
            None,
            "@admin can you look?",
            T0 + 10,
        )
    };
    let note = store.append_entry(comment).await.unwrap();
    assert_eq!(
        (note.kind, note.direction, note.author_user_id),
        (EntryKind::Comment, None, Some(fx.agent.id))
    );
    let event = entry(
        conversation.id,
        EntryKind::Event,
        None,
        "Moved from Sales",
        T0 + 20,
    );
    store.append_entry(event).await.unwrap();
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.preview.as_str(), read.last_activity_at),
        ("hello there", T0)
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 3);
}

pub async fn entry_on_unknown_conversation_is_not_found(store: &dyn Store) {
    let fx = seed(store, "append-unknown").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let unknown = ConversationId(conversation.id.0 + 1_000);
    for kind in [EntryKind::Message, EntryKind::Comment, EntryKind::Event] {
        let new = entry(unknown, kind, None, "lost", T0 + 10);
        assert_err!(store.append_entry(new).await, StoreError::NotFound);
    }
    assert!(store.timeline(unknown).await.unwrap().is_empty());
}

pub async fn timeline_lists_entries_oldest_first(store: &dyn Store) {
    let fx = seed(store, "timeline").await;
    let (conversation, first) = store
        .create_conversation(inbound(
            fx.account.id,
            fx.inbox.id,
            "a@customer.example",
            "Hi",
            "hello",
            T0,
        ))
        .await
        .unwrap();
    let other = start(store, &fx, "b@customer.example", "Other", "other", T0).await;
    let comment = NewEntry {
        author_user_id: Some(fx.agent.id),
        ..entry(
            conversation.id,
            EntryKind::Comment,
            None,
            "looking",
            T0 + 10,
        )
    };
    let comment = store.append_entry(comment).await.unwrap();
    let answer = store
        .append_entry(reply(conversation.id, fx.agent.id, "Fixed", T0 + 20))
        .await
        .unwrap();
    let closed = store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.agent.id,
            T0 + 30,
        ))
        .await
        .unwrap()
        .unwrap();
    let expected = vec![first, comment, answer, closed];
    assert_eq!(store.timeline(conversation.id).await.unwrap(), expected);
    for e in &expected {
        assert_eq!(&store.entry(conversation.id, e.id).await.unwrap(), e);
        assert_err!(store.entry(other.id, e.id).await, StoreError::NotFound);
    }
    assert_eq!(store.timeline(other.id).await.unwrap().len(), 1);
}

pub async fn set_status_changes_status_and_appends_an_event(store: &dyn Store) {
    let fx = seed(store, "status-change").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let event = store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.agent.id,
            T0 + 10,
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (event.conversation_id, event.kind, event.direction),
        (conversation.id, EntryKind::Event, None)
    );
    assert_eq!(
        (event.author_user_id, event.author_contact_id),
        (Some(fx.agent.id), None)
    );
    assert_eq!(
        (event.body.as_str(), event.created_at),
        ("Marked closed", T0 + 10)
    );
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.status, read.preview.as_str()),
        (Status::Closed, "hello")
    );
    assert_eq!(
        store.timeline(conversation.id).await.unwrap().last(),
        Some(&event)
    );

    let reopened = store
        .set_status(status(conversation.id, Status::Open, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    assert_eq!(reopened.map(|e| e.author_user_id), Some(Some(fx.admin.id)));
    assert_eq!(
        store
            .conversation(fx.account.id, conversation.id)
            .await
            .unwrap()
            .status,
        Status::Open
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 3);
}

pub async fn set_status_to_the_same_status_is_a_no_op(store: &dyn Store) {
    let fx = seed(store, "status-same").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    assert_eq!(
        store
            .set_status(status(conversation.id, Status::Open, fx.admin.id, T0 + 10))
            .await
            .unwrap(),
        None
    );
    store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.admin.id,
            T0 + 20,
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .set_status(status(
                conversation.id,
                Status::Closed,
                fx.admin.id,
                T0 + 30
            ))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 2);
}

pub async fn set_status_on_unknown_conversation_is_not_found(store: &dyn Store) {
    let fx = seed(store, "status-unknown").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let unknown = ConversationId(conversation.id.0 + 1_000);
    assert_err!(
        store
            .set_status(status(unknown, Status::Closed, fx.admin.id, T0))
            .await,
        StoreError::NotFound
    );
    assert_err!(
        store
            .set_assignee(assign(unknown, None, fx.admin.id, T0))
            .await,
        StoreError::NotFound
    );
}

pub async fn set_assignee_assigns_a_user_a_team_and_nobody(store: &dyn Store) {
    let fx = seed(store, "assign").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let steps = [
        Some(Assignee::User(fx.agent.id)),
        Some(Assignee::Team(fx.team.id)),
        None,
    ];
    for (i, assignee) in (1..).zip(steps) {
        let event = store
            .set_assignee(assign(conversation.id, assignee, fx.admin.id, T0 + i))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (event.kind, event.author_user_id, event.created_at),
            (EntryKind::Event, Some(fx.admin.id), T0 + i)
        );
        assert_eq!(
            event.body,
            format!("Assigned to {}", Assignee::key(assignee))
        );
        assert_eq!(
            store
                .conversation(fx.account.id, conversation.id)
                .await
                .unwrap()
                .assignee,
            assignee
        );
    }
    // The system (no actor) may assign too.
    let change = AssigneeChange {
        actor: None,
        ..assign(conversation.id, steps[0], fx.admin.id, T0 + 10)
    };
    let event = store.set_assignee(change).await.unwrap().unwrap();
    assert_eq!(event.author_user_id, None);
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 5);
}

pub async fn set_assignee_outside_the_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "assign-other-a").await;
    let other = seed(store, "assign-other-b").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let user = Some(Assignee::User(other.agent.id));
    let team = Some(Assignee::Team(other.team.id));
    assert_err!(
        store
            .set_assignee(assign(conversation.id, user, fx.admin.id, T0))
            .await,
        StoreError::InvalidReference(_)
    );
    assert_err!(
        store
            .set_assignee(assign(conversation.id, team, fx.admin.id, T0))
            .await,
        StoreError::InvalidReference(_)
    );
    assert_eq!(
        store
            .conversation(fx.account.id, conversation.id)
            .await
            .unwrap()
            .assignee,
        None
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 1);
}

pub async fn set_assignee_to_the_current_assignee_is_a_no_op(store: &dyn Store) {
    let fx = seed(store, "assign-same").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    assert_eq!(
        store
            .set_assignee(assign(conversation.id, None, fx.admin.id, T0 + 1))
            .await
            .unwrap(),
        None
    );
    let team = Some(Assignee::Team(fx.team.id));
    store
        .set_assignee(assign(conversation.id, team, fx.admin.id, T0 + 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .set_assignee(assign(conversation.id, team, fx.admin.id, T0 + 3))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 2);
}

// Tickets.

pub async fn ticket_takes_the_inbox_of_its_conversations(store: &dyn Store) {
    let fx = seed(store, "ticket-create").await;
    let other = seed(store, "ticket-create-other").await;
    let first = start(store, &fx, "a@customer.example", "Broken", "one", T0).await;
    let second = start(
        store,
        &fx,
        "b@customer.example",
        "Broken too",
        "two",
        T0 + 10,
    )
    .await;
    let new = NewTicket {
        owner_id: Some(fx.agent.id),
        ..new_ticket(fx.account.id, vec![second.id, first.id, second.id], T0 + 20)
    };
    let ticket = store.create_ticket(new).await.unwrap();
    assert_eq!(
        (ticket.account_id, ticket.inbox_id),
        (fx.account.id, fx.inbox.id)
    );
    assert_eq!(
        (ticket.subject.as_str(), ticket.stage, ticket.priority),
        ("Broken parcel", TicketStage::New, Priority::High)
    );
    assert_eq!(
        (ticket.owner_id, ticket.created_at),
        (Some(fx.agent.id), T0 + 20)
    );
    assert_eq!(
        sorted(ticket.conversation_ids.clone()),
        vec![first.id, second.id]
    );

    let read = store.ticket(fx.account.id, ticket.id).await.unwrap();
    assert_eq!(TicketCmp::of(&read), TicketCmp::of(&ticket));
    assert_err!(
        store.ticket(other.account.id, ticket.id).await,
        StoreError::NotFound
    );
    assert_eq!(
        store
            .conversation(fx.account.id, first.id)
            .await
            .unwrap()
            .ticket_ids,
        vec![ticket.id]
    );
    assert_eq!(
        store
            .conversation(fx.account.id, second.id)
            .await
            .unwrap()
            .ticket_ids,
        vec![ticket.id]
    );
}

/// A ticket with its conversation ids sorted, so no test depends on their order.
#[derive(Debug, PartialEq)]
struct TicketCmp(Ticket);

impl TicketCmp {
    fn of(ticket: &Ticket) -> Self {
        let mut ticket = ticket.clone();
        ticket.conversation_ids.sort();
        TicketCmp(ticket)
    }
}

pub async fn ticket_across_two_inboxes_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-inboxes").await;
    let sales = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let support = start(store, &fx, "a@customer.example", "Support", "one", T0).await;
    let new = inbound(
        fx.account.id,
        sales.id,
        "b@customer.example",
        "Sales",
        "two",
        T0,
    );
    let (sale, _) = store.create_conversation(new).await.unwrap();
    let new = new_ticket(fx.account.id, vec![support.id, sale.id], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    assert!(store
        .tickets(fx.account.id, &[fx.inbox.id, sales.id])
        .await
        .unwrap()
        .is_empty());
}

pub async fn ticket_with_a_conversation_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-other-a").await;
    let other = seed(store, "ticket-other-b").await;
    let mine = start(store, &fx, "a@customer.example", "Mine", "one", T0).await;
    let theirs = start(store, &other, "a@customer.example", "Theirs", "two", T0).await;
    let new = new_ticket(fx.account.id, vec![mine.id, theirs.id], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    let new = new_ticket(fx.account.id, vec![theirs.id], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    let new = new_ticket(fx.account.id, vec![ConversationId(theirs.id.0 + 1_000)], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    assert!(store
        .tickets(other.account.id, &[other.inbox.id])
        .await
        .unwrap()
        .is_empty());
}

pub async fn ticket_without_conversations_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-empty").await;
    assert_err!(
        store
            .create_ticket(new_ticket(fx.account.id, vec![], T0))
            .await,
        StoreError::InvalidReference(_)
    );
}

pub async fn ticket_owner_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-owner-a").await;
    let other = seed(store, "ticket-owner-b").await;
    let conversation = start(store, &fx, "a@customer.example", "Mine", "one", T0).await;
    let new = NewTicket {
        owner_id: Some(other.admin.id),
        ..new_ticket(fx.account.id, vec![conversation.id], T0)
    };
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
}

pub async fn tickets_are_filtered_by_inbox_newest_first(store: &dyn Store) {
    let fx = seed(store, "tickets-list").await;
    let other = seed(store, "tickets-list-other").await;
    let sales = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let support = start(store, &fx, "a@customer.example", "Support", "one", T0).await;
    let (sale, _) = store
        .create_conversation(inbound(
            fx.account.id,
            sales.id,
            "b@customer.example",
            "Sales",
            "two",
            T0,
        ))
        .await
        .unwrap();
    let t1 = store
        .create_ticket(new_ticket(fx.account.id, vec![support.id], T0 + 1))
        .await
        .unwrap();
    let t2 = store
        .create_ticket(new_ticket(fx.account.id, vec![sale.id], T0 + 2))
        .await
        .unwrap();
    let t3 = store
        .create_ticket(new_ticket(fx.account.id, vec![support.id], T0 + 3))
        .await
        .unwrap();
    let ids = |tickets: Vec<Ticket>| tickets.iter().map(|t| t.id).collect::<Vec<_>>();

    let support_tickets = store.tickets(fx.account.id, &[fx.inbox.id]).await.unwrap();
    assert_eq!(
        support_tickets
            .iter()
            .map(TicketCmp::of)
            .collect::<Vec<_>>(),
        vec![TicketCmp::of(&t3), TicketCmp::of(&t1)]
    );
    assert_eq!(
        ids(store.tickets(fx.account.id, &[sales.id]).await.unwrap()),
        vec![t2.id]
    );
    let both = store
        .tickets(fx.account.id, &[fx.inbox.id, sales.id])
        .await
        .unwrap();
    assert_eq!(ids(both), vec![t3.id, t2.id, t1.id]);
    assert!(store.tickets(fx.account.id, &[]).await.unwrap().is_empty());
    // Another account's inbox id yields nothing, even when asked for by id.
    assert!(store
        .tickets(other.account.id, &[fx.inbox.id])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .conversation(fx.account.id, support.id)
            .await
            .unwrap()
            .ticket_ids,
        vec![t1.id, t3.id]
    );
}

// Notifications.

pub async fn notifications_are_listed_newest_first(store: &dyn Store) {
    let fx = seed(store, "notifications").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let first = store
        .create_notification(new_notification(fx.agent.id, "one", T0 + 1))
        .await
        .unwrap();
    let linked = NewNotification {
        kind: NotificationKind::Assignment,
        conversation_id: Some(conversation.id),
        actor_user_id: Some(fx.admin.id),
        ..new_notification(fx.agent.id, "two", T0 + 2)
    };
    let second = store.create_notification(linked).await.unwrap();
    assert_eq!(
        (second.user_id, second.kind, second.text.as_str()),
        (fx.agent.id, NotificationKind::Assignment, "two")
    );
    assert_eq!(
        (second.conversation_id, second.entry_id),
        (Some(conversation.id), None)
    );
    assert_eq!(
        (second.actor_user_id, second.read, second.created_at),
        (Some(fx.admin.id), false, T0 + 2)
    );
    let third = store
        .create_notification(new_notification(fx.agent.id, "three", T0 + 3))
        .await
        .unwrap();
    store
        .create_notification(new_notification(fx.admin.id, "for admin", T0 + 4))
        .await
        .unwrap();

    let listed = store.notifications(fx.agent.id, 10).await.unwrap();
    assert_eq!(listed, vec![third.clone(), second.clone(), first]);
    assert_eq!(
        store.notifications(fx.agent.id, 2).await.unwrap(),
        vec![third, second]
    );
    assert_eq!(store.notifications(fx.admin.id, 10).await.unwrap().len(), 1);
}

pub async fn marking_a_notification_read_sets_read(store: &dyn Store) {
    let fx = seed(store, "notification-read").await;
    let unread = store
        .create_notification(new_notification(fx.agent.id, "one", T0))
        .await
        .unwrap();
    let read = store
        .create_notification(new_notification(fx.agent.id, "two", T0 + 1))
        .await
        .unwrap();
    store
        .mark_notification_read(fx.agent.id, read.id, T0 + 10)
        .await
        .unwrap();
    // Marking twice is harmless.
    store
        .mark_notification_read(fx.agent.id, read.id, T0 + 20)
        .await
        .unwrap();
    let listed = store.notifications(fx.agent.id, 10).await.unwrap();
    let flags: Vec<_> = listed.iter().map(|n| (n.id, n.read)).collect();
    assert_eq!(flags, vec![(read.id, true), (unread.id, false)]);
}

pub async fn marking_another_users_notification_is_not_found(store: &dyn Store) {
    let fx = seed(store, "notification-other").await;
    let theirs = store
        .create_notification(new_notification(fx.agent.id, "one", T0))
        .await
        .unwrap();
    assert_err!(
        store
            .mark_notification_read(fx.admin.id, theirs.id, T0)
            .await,
        StoreError::NotFound
    );
    let unknown = NotificationId(theirs.id.0 + 1_000);
    assert_err!(
        store.mark_notification_read(fx.agent.id, unknown, T0).await,
        StoreError::NotFound
    );
    assert!(!store.notifications(fx.agent.id, 10).await.unwrap()[0].read);
}

#[cfg(test)]
mod tests {
    /// Every behaviour must be in `conformance_tests!`, or no backend would run it.
    #[test]
    fn every_behaviour_is_listed_in_the_runner_macro() {
        let source = include_str!("mod.rs");
        let names: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub async fn "))
            .filter_map(|l| l.split('(').next())
            .collect();
        assert!(names.len() > 50, "found only {} behaviours", names.len());
        for name in names {
            assert!(
                source.contains(&format!("            {name},\n")),
                "{name} is not in conformance_tests!"
            );
        }
    }
}
