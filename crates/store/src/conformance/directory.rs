//! Conformance behaviours: teams, inboxes (with membership) and contacts.

use super::*;

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
