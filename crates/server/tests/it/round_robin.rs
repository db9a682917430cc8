//! Round-robin teams over HTTP: a conversation assigned to such a team goes to its next
//! available member in turn; `away` members (`PATCH /api/v1/users/me`) are skipped.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_domain::*;

/// Ana (admin), Ben and Cleo (agents) with a round-robin team of Ben and Cleo.
struct RoundRobin {
    f: Fixture,
    ana: Session,
    ben: Session,
    cleo: Session,
    cleo_id: UserId,
    team: Value,
}

async fn setup(app: &TestApp) -> RoundRobin {
    let f = app.fixture("Acme", "acme.test").await;
    let cleo = app
        .user(
            f.account.id,
            "Cleo Agent",
            "cleo@acme.test",
            Role::Agent,
            Seat::Service,
        )
        .await;
    let ana = app.login(&f.admin.email).await;
    let res = ana
        .post(
            "/api/v1/teams",
            json!({"name": "Tier 2", "member_ids": [f.member.id, cleo.id], "round_robin": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let team: Value = res.json().await.unwrap();
    RoundRobin {
        ben: app.login(&f.member.email).await,
        cleo: app.login("cleo@acme.test").await,
        cleo_id: cleo.id,
        ana,
        team,
        f,
    }
}

/// Opens a conversation and assigns it to the team; answers the conversation.
async fn assign_to_team(rr: &RoundRobin, email: &str) -> Value {
    let c = rr
        .ana
        .create_conversation(rr.f.inbox.id, email, "Help", "Please")
        .await;
    let res = rr
        .ana
        .send(
            Method::PUT,
            &format!("/api/v1/conversations/{}/assignee", c["id"]),
            json!({"team_id": rr.team["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn set_availability(s: &Session, availability: &str) {
    let res = s
        .send(
            Method::PATCH,
            "/api/v1/users/me",
            json!({"availability": availability}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["availability"], availability);
}

async fn last_event(s: &Session, c: &Value) -> String {
    let body: Value = s
        .get(&format!("/api/v1/conversations/{}/timeline", c["id"]))
        .await
        .json()
        .await
        .unwrap();
    body["items"].as_array().unwrap().last().unwrap()["body"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn round_robin_hands_conversations_to_members_in_turn() {
    let app = spawn_app().await;
    let rr = setup(&app).await;
    let ben = json!({"type": "user", "id": rr.f.member.id.0});
    let cleo = json!({"type": "user", "id": rr.cleo_id.0});
    let mut assigned = Vec::new();
    for i in 0..3 {
        let c = assign_to_team(&rr, &format!("c{i}@x.test")).await;
        assigned.push(c["assignee"].clone());
        if i == 0 {
            assert_eq!(
                last_event(&rr.ana, &c).await,
                "Ana Admin assigned this to Tier 2 (round-robin: Ben Member)"
            );
        }
    }
    assert_eq!(assigned, [ben.clone(), cleo, ben]);
    // The picked member is notified, as for any assignment.
    let list: Value = rr
        .ben
        .get("/api/v1/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["items"][0]["kind"], "assignment");
}

#[tokio::test]
async fn round_robin_skips_away_members() {
    let app = spawn_app().await;
    let rr = setup(&app).await;
    set_availability(&rr.cleo, "away").await;
    let ben = json!({"type": "user", "id": rr.f.member.id.0});
    for i in 0..2 {
        let c = assign_to_team(&rr, &format!("c{i}@x.test")).await;
        assert_eq!(c["assignee"], ben, "conversation {i}");
    }
    // Cleo is back: the turn goes on from Ben to her.
    set_availability(&rr.cleo, "available").await;
    let c = assign_to_team(&rr, "c3@x.test").await;
    assert_eq!(c["assignee"], json!({"type": "user", "id": rr.cleo_id.0}));
}

#[tokio::test]
async fn round_robin_with_everyone_away_leaves_it_with_the_team() {
    let app = spawn_app().await;
    let rr = setup(&app).await;
    set_availability(&rr.cleo, "away").await;
    set_availability(&rr.ben, "away").await;
    let c = assign_to_team(&rr, "c@x.test").await;
    assert_eq!(c["assignee"], json!({"type": "team", "id": rr.team["id"]}));
    assert_eq!(
        last_event(&rr.ana, &c).await,
        "Ana Admin assigned this to Tier 2 (round-robin: nobody is available)"
    );
}

#[tokio::test]
async fn a_team_without_round_robin_keeps_the_conversation_in_its_queue() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let team: Value = ana
        .post(
            "/api/v1/teams",
            json!({"name": "Queue", "member_ids": [f.member.id]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Help", "Please")
        .await;
    let res: Value = ana
        .send(
            Method::PUT,
            &format!("/api/v1/conversations/{}/assignee", c["id"]),
            json!({"team_id": team["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["assignee"], json!({"type": "team", "id": team["id"]}));
}

#[tokio::test]
async fn users_change_only_their_own_settings() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let me: Value = ben.get("/api/v1/users/me").await.json().await.unwrap();
    assert_eq!(
        (me["id"].as_i64(), &me["availability"], &me["notify_email"]),
        (Some(f.member.id.0), &json!("available"), &json!(true))
    );
    for bad in [
        json!({"availability": "asleep"}),
        json!({"notify_email": "yes"}),
        json!({"user_id": f.admin.id, "availability": "away"}),
    ] {
        let res = ben
            .send(Method::PATCH, "/api/v1/users/me", bad.clone())
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    ben.send(
        Method::PATCH,
        "/api/v1/users/me",
        json!({"availability": "away"}),
    )
    .await;
    let users: Value = ben.get("/api/v1/users").await.json().await.unwrap();
    let availability = |id: UserId| {
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id.0)
            .unwrap()["availability"]
            .clone()
    };
    assert_eq!(availability(f.member.id), "away");
    assert_eq!(availability(f.admin.id), "available");
}
