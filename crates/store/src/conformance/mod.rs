//! The store conformance suite: one async fn per behaviour of [`Store`], written once
//! against `&dyn Store` so every backend is held to the same contract. This file holds
//! the runner macro and the shared fixtures; the behaviours live in one file per area
//! (`accounts.rs`, `directory.rs`, `conversations.rs`, `lists.rs`, `timelines.rs`,
//! `assignments.rs`, `tickets.rs`, `notifications.rs`, `comments.rs`, `attachments.rs`,
//! `library.rs`, `moves.rs`, `email.rs`, `imap.rs`).
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
            instance_secret_is_set_once_and_then_kept,
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
            update_user_changes_availability_and_notify_email,
            round_robin_assignment_moves_the_teams_turn,
            round_robin_assignment_with_a_stale_turn_is_a_conflict,
            round_robin_turn_of_another_accounts_team_is_not_found,
            set_assignee_creates_its_notifications_with_the_event,
            outbox_lists_only_the_accounts_mail_oldest_first,
            comment_is_appended_with_its_meta_and_leaves_preview_alone,
            comment_notifications_point_at_the_entry_and_queue_mail_for_who_wants_it,
            comment_drafts_without_email_queue_no_mail,
            comment_on_unknown_conversation_is_not_found,
            comment_links_its_attachments,
            comment_with_another_users_or_accounts_file_writes_nothing,
            comment_notifying_a_user_of_another_account_writes_nothing,
            deleting_a_comment_hides_it_and_records_who_did_it,
            deleting_what_is_not_a_live_comment_is_not_found,
            attachment_is_created_and_read_within_its_account,
            attachment_uploader_of_another_account_is_invalid_reference,
            attachment_uses_name_inboxes_of_comments_and_the_library,
            library_item_is_created_and_read_within_its_account,
            library_items_filter_by_kind_and_text_by_title,
            library_document_needs_the_creators_own_file,
            ticket_update_changes_given_fields_and_clears_the_owner,
            ticket_update_outside_the_account_writes_nothing,
            move_changes_inbox_assignee_and_activity_and_tickets_follow,
            move_writes_event_comment_and_notifications_in_the_target,
            move_leaves_a_stub_in_the_origin_list_only,
            stubs_follow_the_list_filters_and_not_search,
            list_pages_through_stubs_and_conversations_of_equal_times,
            move_from_a_stale_origin_or_when_closed_is_a_conflict,
            move_to_same_or_foreign_inbox_or_assignee_writes_nothing,
            moving_back_replaces_the_old_stub,
            move_round_robin_takes_the_target_inboxs_turn,
            inbound_email_opens_a_conversation_with_its_contact_and_name,
            email_reply_threads_by_in_reply_to_and_by_references,
            email_threads_by_a_verified_token_of_its_account_only,
            duplicate_message_id_writes_nothing,
            a_batch_of_mails_is_filed_like_the_same_mails_one_by_one,
            a_failing_mail_in_a_batch_fails_only_itself,
            email_threading_never_crosses_accounts,
            email_reply_follows_a_moved_conversation,
            email_reply_reopens_a_closed_conversation,
            inbox_for_address_matches_case_and_plus_addresses,
            inbox_account_names_the_owner_of_an_inbox,
            inbox_address_is_unique_across_the_installation,
            email_attachments_are_recorded_with_their_entry,
            outbound_email_is_queued_leased_and_marked_sent_with_its_entry,
            lease_skips_leased_and_not_yet_due_mail,
            transient_failure_backs_off_until_the_next_attempt,
            permanent_failure_keeps_the_error_until_an_agent_retries,
            retry_of_an_entry_without_mail_or_of_another_conversation_is_not_found,
            outbound_email_with_a_known_message_id_writes_nothing,
            notification_mail_is_leased_and_leaves_its_entry_alone,
            imap_source_is_set_read_and_listed_by_inbox,
            imap_source_of_an_unknown_inbox_is_not_found,
            imap_progress_and_poll_results_are_recorded,
            imap_source_set_again_keeps_progress_only_for_the_same_mailbox,
            imap_writes_of_a_stale_revision_change_nothing,
            removed_imap_source_is_gone,
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
        round_robin: None,
        notify: Vec::new(),
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

/// A list row as the tests compare it: `c<id>` for a conversation, `m<id>` for a stub.
fn item_key(item: &ListItem) -> String {
    match item {
        ListItem::Conversation(c) => format!("c{}", c.id),
        ListItem::Moved(m) => format!("m{}", m.id),
    }
}

/// The conversation ids of one page of `query`.
async fn list(store: &dyn Store, query: ListQuery) -> Vec<ConversationId> {
    let page = store.list_conversations(&query).await.unwrap();
    page.items
        .iter()
        .filter_map(|item| match item {
            ListItem::Conversation(c) => Some(c.id),
            ListItem::Moved(_) => None,
        })
        .collect()
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
        pages.push(
            page.items
                .iter()
                .filter_map(|item| match item {
                    ListItem::Conversation(c) => Some(c.id),
                    ListItem::Moved(_) => None,
                })
                .collect(),
        );
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

/// A file's row as the server writes it after storing the bytes.
fn new_attachment(account: AccountId, uploader: UserId, filename: &str) -> NewAttachment {
    NewAttachment {
        account_id: account,
        uploaded_by: uploader,
        filename: filename.to_owned(),
        content_type: "application/pdf".to_owned(),
        size: 1234,
        sha256: "ab".repeat(32),
        now: T0,
    }
}

async fn upload(
    store: &dyn Store,
    account: AccountId,
    uploader: UserId,
    filename: &str,
) -> Attachment {
    store
        .create_attachment(new_attachment(account, uploader, filename))
        .await
        .unwrap()
}

/// A comment by `author` with no attachments and nobody notified.
fn comment(conversation: ConversationId, author: UserId, body: &str, now: Millis) -> NewComment {
    NewComment {
        conversation_id: conversation,
        author,
        body: body.to_owned(),
        meta: serde_json::json!({"html": format!("<p>{body}</p>")}),
        attachment_ids: Vec::new(),
        notify: Vec::new(),
        now,
    }
}

/// A mention of `user`, with its email when `email` is set.
fn mention(user: UserId, actor: UserId, email: bool) -> NotificationDraft {
    NotificationDraft {
        user_id: user,
        kind: NotificationKind::Mention,
        actor_user_id: Some(actor),
        text: "Ana mentioned you in “Hi”".to_owned(),
        email: email.then(|| {
            switchboard_domain::notification::NotificationEmail::mention("Ana", "Hi", "look")
        }),
    }
}

// The behaviours, one file per area; the macro above names each one.
mod accounts;
mod assignments;
mod attachments;
mod comments;
mod conversations;
mod directory;
mod email;
mod imap;
mod library;
mod lists;
mod moves;
mod notifications;
mod outbox;
mod tickets;
mod timelines;

pub use accounts::*;
pub use assignments::*;
pub use attachments::*;
pub use comments::*;
pub use conversations::*;
pub use directory::*;
pub use email::*;
pub use imap::*;
pub use library::*;
pub use lists::*;
pub use moves::*;
pub use notifications::*;
pub use outbox::*;
pub use tickets::*;
pub use timelines::*;

#[cfg(test)]
mod tests {
    /// Every file of behaviours, so none is forgotten by the check below.
    const FILES: &[&str] = &[
        include_str!("accounts.rs"),
        include_str!("assignments.rs"),
        include_str!("attachments.rs"),
        include_str!("comments.rs"),
        include_str!("conversations.rs"),
        include_str!("directory.rs"),
        include_str!("email.rs"),
        include_str!("imap.rs"),
        include_str!("library.rs"),
        include_str!("lists.rs"),
        include_str!("moves.rs"),
        include_str!("notifications.rs"),
        include_str!("outbox.rs"),
        include_str!("tickets.rs"),
        include_str!("timelines.rs"),
    ];

    /// Every behaviour must be in `conformance_tests!`, or no backend would run it.
    #[test]
    fn every_behaviour_is_listed_in_the_runner_macro() {
        let runner = include_str!("mod.rs");
        let names: Vec<&str> = FILES
            .iter()
            .flat_map(|f| f.lines())
            .filter_map(|l| l.strip_prefix("pub async fn "))
            .filter_map(|l| l.split('(').next())
            .collect();
        assert!(names.len() > 50, "found only {} behaviours", names.len());
        for name in names {
            assert!(
                runner.contains(&format!("            {name},\n")),
                "{name} is not in conformance_tests!"
            );
        }
    }

    /// Every file in this folder is one of [`FILES`] (or this runner).
    #[test]
    fn every_file_of_the_folder_is_checked() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/conformance");
        let count = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().ends_with(".rs") && name != "mod.rs"
            })
            .count();
        assert_eq!(count, FILES.len());
    }
}
