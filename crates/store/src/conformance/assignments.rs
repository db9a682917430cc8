//! Conformance behaviours: round-robin turns and the notifications an assignment
//! creates with its event.

use super::*;

/// A round-robin assignment of `user` as the pick after `previous`.
fn round_robin(
    conversation: ConversationId,
    user: UserId,
    team: TeamId,
    previous: Option<UserId>,
    actor: UserId,
    now: Millis,
) -> AssigneeChange {
    AssigneeChange {
        round_robin: Some(RoundRobinPick {
            team_id: team,
            previous,
        }),
        ..assign(conversation, Some(Assignee::User(user)), actor, now)
    }
}

pub async fn round_robin_assignment_moves_the_teams_turn(store: &dyn Store) {
    let fx = seed(store, "round-robin").await;
    let first = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let second = start(store, &fx, "b@customer.example", "Hi", "hello", T0).await;
    assert_eq!(
        store
            .round_robin_last_pick(fx.account.id, fx.team.id)
            .await
            .unwrap(),
        None
    );
    let written = store
        .set_assignee(round_robin(
            first.id,
            fx.agent.id,
            fx.team.id,
            None,
            fx.admin.id,
            T0 + 1,
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(written.entry.meta["round_robin_team_id"], fx.team.id.0);
    assert_eq!(
        written.entry.meta["assignee"],
        serde_json::json!({"type": "user", "id": fx.agent.id})
    );
    assert_eq!(
        store
            .round_robin_last_pick(fx.account.id, fx.team.id)
            .await
            .unwrap(),
        Some(fx.agent.id)
    );
    store
        .set_assignee(round_robin(
            second.id,
            fx.admin.id,
            fx.team.id,
            Some(fx.agent.id),
            fx.admin.id,
            T0 + 2,
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .round_robin_last_pick(fx.account.id, fx.team.id)
            .await
            .unwrap(),
        Some(fx.admin.id)
    );
}

pub async fn round_robin_assignment_with_a_stale_turn_is_a_conflict(store: &dyn Store) {
    let fx = seed(store, "round-robin-stale").await;
    let first = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let second = start(store, &fx, "b@customer.example", "Hi", "hello", T0).await;
    store
        .set_assignee(round_robin(
            first.id,
            fx.agent.id,
            fx.team.id,
            None,
            fx.admin.id,
            T0 + 1,
        ))
        .await
        .unwrap();
    // Another assignment took the turn after this one read it: nothing is written.
    assert_err!(
        store
            .set_assignee(round_robin(
                second.id,
                fx.admin.id,
                fx.team.id,
                None,
                fx.admin.id,
                T0 + 2,
            ))
            .await,
        StoreError::Conflict(_)
    );
    let read = store.conversation(fx.account.id, second.id).await.unwrap();
    assert_eq!(read.assignee, None);
    assert_eq!(store.timeline(second.id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .round_robin_last_pick(fx.account.id, fx.team.id)
            .await
            .unwrap(),
        Some(fx.agent.id)
    );
}

pub async fn round_robin_turn_of_another_accounts_team_is_not_found(store: &dyn Store) {
    let fx = seed(store, "round-robin-foreign").await;
    let other = seed(store, "round-robin-foreign-b").await;
    assert_err!(
        store
            .round_robin_last_pick(other.account.id, fx.team.id)
            .await,
        StoreError::NotFound
    );
}

pub async fn set_assignee_creates_its_notifications_with_the_event(store: &dyn Store) {
    let fx = seed(store, "assign-notify").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let change = AssigneeChange {
        notify: vec![NotificationDraft {
            user_id: fx.agent.id,
            kind: NotificationKind::Assignment,
            actor_user_id: Some(fx.admin.id),
            text: "Admin assigned you “Hi”".to_owned(),
            email: Some(
                switchboard_domain::notification::NotificationEmail::assignment(
                    "Admin assigned you “Hi”",
                    "Hi",
                ),
            ),
        }],
        ..assign(
            conversation.id,
            Some(Assignee::User(fx.agent.id)),
            fx.admin.id,
            T0 + 1,
        )
    };
    let written = store.set_assignee(change).await.unwrap().unwrap();
    let [n] = written.notifications.as_slice() else {
        panic!("one notification expected: {:?}", written.notifications);
    };
    assert_eq!(
        (n.kind, n.entry_id, n.inbox_id),
        (
            NotificationKind::Assignment,
            Some(written.entry.id),
            Some(fx.inbox.id)
        )
    );
    assert_eq!(
        store.notifications(fx.agent.id, 10).await.unwrap(),
        vec![n.clone()]
    );
    let outbox = store.outbox(fx.account.id, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].subject, "Assigned to you: Hi");
    // A no-op assignment notifies nobody again.
    let again = AssigneeChange {
        notify: vec![mention(fx.agent.id, fx.admin.id, true)],
        ..assign(
            conversation.id,
            Some(Assignee::User(fx.agent.id)),
            fx.admin.id,
            T0 + 2,
        )
    };
    assert_eq!(store.set_assignee(again).await.unwrap(), None);
    assert_eq!(store.notifications(fx.agent.id, 10).await.unwrap().len(), 1);
}
