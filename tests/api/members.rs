//! Memberships and invitations.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn token_of(invitation: &Value) -> String {
    invitation["accept_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_city_coordinator_invites_a_ulg_member_who_accepts_and_is_signed_in() {
    let app = TestApp::spawn().await;
    let w = app.world().await;

    let invitation = json_ok(
        w.coordinator
            .1
            .post(app.url(&format!("/api/v1/cities/{}/invitations", w.obidos.id)))
            .json(&json!({ "email": " Joana@Obidos.PT ", "role": "ulg_member" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(invitation["email"], "joana@obidos.pt");
    assert!(
        invitation["accept_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/invitations/", app.address))
    );
    let token = token_of(&invitation);

    let anonymous = TestApp::client();
    let info = json_ok(
        anonymous
            .get(app.url(&format!("/api/v1/invitations/{token}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(info["city_name"], "Óbidos");
    assert_eq!(info["role"], "ulg_member");
    assert_eq!(info["account_exists"], false);
    let accepted = anonymous
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({ "name": "Joana Reis", "password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::CREATED);

    let me = json_ok(
        anonymous.get(app.url("/api/v1/me")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["memberships"][0]["role"], "ulg_member");
    assert_eq!(me["memberships"][0]["city_name"], "Óbidos");
    let plan = anonymous
        .get(app.url(&format!("/api/v1/cities/{}/plan", w.obidos.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.status(), StatusCode::OK);
    // Single use.
    let again = anonymous
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({ "name": "Joana Reis", "password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn an_existing_account_accepts_with_its_own_password() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let (other, _) = &w.other_city;
    let invitation = json_ok(
        w.coordinator
            .1
            .post(app.url(&format!("/api/v1/cities/{}/invitations", w.obidos.id)))
            .json(&json!({ "email": other.email, "role": "observer" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let token = token_of(&invitation);
    let client = TestApp::client();
    let wrong = client
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({ "password": "not my password at all" }))
        .send()
        .await
        .unwrap();
    problem(wrong, StatusCode::UNAUTHORIZED).await;
    let right = client
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::CREATED);
    let city = client
        .get(app.url(&format!("/api/v1/cities/{}", w.obidos.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(city.status(), StatusCode::OK);
}

#[tokio::test]
async fn invitation_bad_inputs_name_the_field() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let city_path = app.url(&format!("/api/v1/cities/{}/invitations", w.obidos.id));
    for (body, field) in [
        (
            json!({ "email": "not-an-email", "role": "ulg_member" }),
            "email",
        ),
        (
            json!({ "email": "a@b.org", "role": "lead_coordinator" }),
            "role",
        ),
        (json!({ "email": "a@b.org", "role": "mayor" }), "role"),
        (json!({ "role": "ulg_member" }), "email"),
    ] {
        let r = w
            .coordinator
            .1
            .post(&city_path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
            [field],
            "{body}"
        );
    }
    let network_path = app.url(&format!("/api/v1/networks/{}/invitations", w.network.id));
    let r = w
        .lead
        .1
        .post(&network_path)
        .json(&json!({ "email": "a@b.org", "role": "ulg_member" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["role"]
    );
    let r = w
        .coordinator
        .1
        .post(&city_path)
        .json(&json!({ "email": w.ulg.0.email, "role": "ulg_member" }))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(r, StatusCode::CONFLICT).await), ["email"]);

    let invitation = json_ok(
        w.coordinator
            .1
            .post(&city_path)
            .json(&json!({ "email": "new@b.org", "role": "ulg_member" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let accept = app.url(&format!(
        "/api/v1/invitations/{}/accept",
        token_of(&invitation)
    ));
    let client = TestApp::client();
    let r = client
        .post(&accept)
        .json(&json!({ "name": "New", "password": "short" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["password"]
    );
    let r = client
        .post(&accept)
        .json(&json!({ "password": "long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["name"]
    );
    // The refused attempts used nothing up.
    let r = client
        .post(&accept)
        .json(&json!({ "name": "New", "password": "long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let unknown = client
        .get(app.url("/api/v1/invitations/not-a-token"))
        .send()
        .await
        .unwrap();
    problem(unknown, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn expired_invitations_are_gone() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let invitation = json_ok(
        w.coordinator
            .1
            .post(app.url(&format!("/api/v1/cities/{}/invitations", w.obidos.id)))
            .json(&json!({ "email": "late@b.org", "role": "observer" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let id: uuid::Uuid = invitation["id"].as_str().unwrap().parse().unwrap();
    let stored = iap_studio::entities::invitation::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: iap_studio::entities::invitation::ActiveModel = stored.into();
    active.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
    active.update(&app.state.db).await.unwrap();

    let r = TestApp::client()
        .get(app.url(&format!("/api/v1/invitations/{}", token_of(&invitation))))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::GONE).await;
}

#[tokio::test]
async fn who_may_invite() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let city_path = app.url(&format!("/api/v1/cities/{}/invitations", w.obidos.id));
    let body = json!({ "email": "x@b.org", "role": "observer" });
    for client in [&w.ulg.1, &w.observer.1, &w.expert.1] {
        problem(
            client.post(&city_path).json(&body).send().await.unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    for client in [&w.other_city.1, &w.stranger] {
        problem(
            client.post(&city_path).json(&body).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    assert_eq!(
        w.lead
            .1
            .post(&city_path)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    let network_path = app.url(&format!("/api/v1/networks/{}/invitations", w.network.id));
    let body = json!({ "email": "expert2@b.org", "role": "expert" });
    problem(
        w.coordinator
            .1
            .post(&network_path)
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        w.lead
            .1
            .post(&network_path)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    let pending = json_ok(
        w.coordinator.1.get(&city_path).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    problem(
        w.ulg.1.get(&city_path).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn members_are_listed_and_coordinators_change_roles_but_never_drop_the_last_coordinator() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let members = json_ok(
        w.observer
            .1
            .get(app.url(&format!("/api/v1/cities/{}/members", w.obidos.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let members = members.as_array().unwrap();
    assert_eq!(members.len(), 3);
    let find = |role: &str| {
        members.iter().find(|m| m["role"] == role).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let observer_membership = find("observer");
    let coordinator_membership = find("city_coordinator");

    let promoted = json_ok(
        w.coordinator
            .1
            .patch(app.url(&format!("/api/v1/memberships/{observer_membership}")))
            .json(&json!({ "role": "ulg_member" }))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(promoted["role"], "ulg_member");

    let r = w
        .ulg
        .1
        .patch(app.url(&format!("/api/v1/memberships/{observer_membership}")))
        .json(&json!({ "role": "observer" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    let r = w
        .other_city
        .1
        .patch(app.url(&format!("/api/v1/memberships/{observer_membership}")))
        .json(&json!({ "role": "observer" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND).await;
    let r = w
        .coordinator
        .1
        .patch(app.url(&format!("/api/v1/memberships/{observer_membership}")))
        .json(&json!({ "role": "expert" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["role"]
    );
    let r = w
        .coordinator
        .1
        .delete(app.url(&format!("/api/v1/memberships/{coordinator_membership}")))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(r, StatusCode::CONFLICT).await), ["role"]);
    let r = w
        .coordinator
        .1
        .delete(app.url(&format!("/api/v1/memberships/{observer_membership}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let audit = iap_studio::entities::audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "membership.role_changed"));
    assert!(audit.iter().any(|e| e.action == "membership.removed"));
}

use sea_orm::EntityTrait;
