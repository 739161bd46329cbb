//! Networks and partner cities: who may create, see and change them, and bad input.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn network_body() -> serde_json::Value {
    json!({ "name": "Creative Clusters in Low Density Urban Areas", "description": "Small towns, creative economies",
            "starts_on": "2026-06-01", "duration_months": 13 })
}

#[tokio::test]
async fn an_admin_creates_a_network_with_the_default_stage_template() {
    let app = TestApp::spawn().await;

    let created = json_ok(
        app.admin
            .post(app.url("/api/v1/networks"))
            .json(&network_body())
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;

    assert_eq!(created["duration_months"], 13);
    assert_eq!(created["ends_on"], "2027-06-30");
    let id = created["id"].as_str().unwrap();
    let template = iap_studio::networks::template(&app.state.db, id.parse().unwrap())
        .await
        .unwrap();
    let keys: Vec<_> = template.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "setup",
            "understand",
            "vision",
            "actions",
            "implementation",
            "review",
            "final"
        ]
    );
    let listed = json_ok(
        app.admin
            .get(app.url("/api/v1/networks"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_admins_create_networks() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    for client in [&w.lead.1, &w.coordinator.1, &w.stranger] {
        let r = client
            .post(app.url("/api/v1/networks"))
            .json(&network_body())
            .send()
            .await
            .unwrap();
        problem(r, StatusCode::FORBIDDEN).await;
    }
    let anonymous = TestApp::client()
        .post(app.url("/api/v1/networks"))
        .json(&network_body())
        .send()
        .await
        .unwrap();
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn network_bad_inputs_name_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({ "name": "", "starts_on": "2026-06-01", "duration_months": 13 }),
            "name",
        ),
        (
            json!({ "name": "N", "starts_on": "2026-06-01", "duration_months": 11 }),
            "duration_months",
        ),
        (
            json!({ "name": "N", "starts_on": "2026-06-01", "duration_months": 15 }),
            "duration_months",
        ),
        (
            json!({ "name": "N", "starts_on": "2026-02-30", "duration_months": 13 }),
            "starts_on",
        ),
        (
            json!({ "name": "N", "starts_on": "next monday", "duration_months": 13 }),
            "starts_on",
        ),
        (json!({ "name": "N", "duration_months": 13 }), "starts_on"),
        (
            json!({ "name": "N", "starts_on": "2026-06-01", "duration_months": 13, "colour": "red" }),
            "colour",
        ),
        (
            json!({ "name": "x".repeat(201), "starts_on": "2026-06-01", "duration_months": 13 }),
            "name",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .admin
            .post(app.url("/api/v1/networks"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&p), [field], "{body}");
    }
    let listed = json_ok(
        app.admin
            .get(app.url("/api/v1/networks"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn the_planning_period_is_a_setting_of_the_installation() {
    let app = TestApp::spawn_with(|c| c.planning_months = "6..=8".parse().unwrap()).await;
    let mut body = network_body();
    body["duration_months"] = json!(13);
    let r = app
        .admin
        .post(app.url("/api/v1/networks"))
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    body["duration_months"] = json!(8);
    let r = app
        .admin
        .post(app.url("/api/v1/networks"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn network_members_see_it_with_its_cities_and_strangers_get_404() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let path = app.url(&format!("/api/v1/networks/{}", w.network.id));

    for client in [
        &w.lead.1,
        &w.expert.1,
        &w.coordinator.1,
        &w.ulg.1,
        &w.other_city.1,
    ] {
        let body = json_ok(client.get(&path).send().await.unwrap(), StatusCode::OK).await;
        let names: Vec<_> = body["cities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Óbidos", "Reggio Emilia"]);
    }
    problem(
        w.stranger.get(&path).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let listed = json_ok(
        w.stranger
            .get(app.url("/api/v1/networks"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed, json!([]));
    let malformed = w
        .lead
        .1
        .get(app.url("/api/v1/networks/not-a-uuid"))
        .send()
        .await
        .unwrap();
    problem(malformed, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn lead_coordinators_change_the_network_and_city_people_may_not() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let path = app.url(&format!("/api/v1/networks/{}", w.network.id));

    let changed = json_ok(
        w.lead
            .1
            .patch(&path)
            .json(&json!({ "description": "Creative small towns" }))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["description"], "Creative small towns");
    let r = w
        .coordinator
        .1
        .patch(&path)
        .json(&json!({ "name": "Mine" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    let r = w
        .stranger
        .patch(&path)
        .json(&json!({ "name": "Mine" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND).await;
    let r = w
        .lead
        .1
        .patch(&path)
        .json(&json!({ "duration_months": 20 }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["duration_months"]
    );
    // Shortening below the template's last due month would strand the final stage.
    let r = w
        .lead
        .1
        .patch(&path)
        .json(&json!({ "duration_months": 12 }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["duration_months"]
    );
}

#[tokio::test]
async fn adding_a_city_creates_its_plan_with_nine_sections_and_seven_stages() {
    let app = TestApp::spawn().await;
    let w = app.world().await;

    let city = json_ok(
        w.lead
            .1
            .post(app.url(&format!("/api/v1/networks/{}/cities", w.network.id)))
            .json(&json!({ "name": "Mizil", "country": "ro" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;

    assert_eq!(city["country"], "RO");
    assert_eq!(city["country_name"], "Romania");
    let plan = json_ok(
        w.lead
            .1
            .get(app.url(&format!(
                "/api/v1/cities/{}/plan",
                city["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let sections: Vec<_> = plan["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        [
            "summary",
            "ulg",
            "context",
            "problems",
            "vision",
            "actions",
            "small_scale",
            "implementation",
            "transnational"
        ]
    );
    let stages = plan["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 7);
    assert_eq!(stages[0]["key"], "setup");
    assert_eq!(stages[0]["status"], "open");
    assert_eq!(stages[6]["due_on"], "2027-06-30");
}

#[tokio::test]
async fn city_bad_inputs_and_conflicts_name_the_field() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let path = app.url(&format!("/api/v1/networks/{}/cities", w.network.id));
    for (body, field, status) in [
        (
            json!({ "name": "Mizil", "country": "XX" }),
            "country",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "name": "Mizil", "country": "ROU" }),
            "country",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "name": "  ", "country": "RO" }),
            "name",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "name": "Mizil" }),
            "country",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "name": "óbidos", "country": "PT" }),
            "name",
            StatusCode::CONFLICT,
        ),
    ] {
        let r = w.lead.1.post(&path).json(&body).send().await.unwrap();
        assert_eq!(fields(&problem(r, status).await), [field], "{body}");
    }
    let first_lead = w
        .lead
        .1
        .post(&path)
        .json(&json!({ "name": "Mizil", "country": "RO", "is_lead_partner": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(first_lead.status(), StatusCode::CREATED);
    let second_lead = w
        .lead
        .1
        .post(&path)
        .json(&json!({ "name": "Enguera", "country": "ES", "is_lead_partner": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(second_lead, StatusCode::CONFLICT).await),
        ["is_lead_partner"]
    );
    let cities = iap_studio::networks::cities(&app.state.db, w.network.id)
        .await
        .unwrap();
    assert_eq!(cities.len(), 3, "refused writes left nothing behind");
}

#[tokio::test]
async fn only_lead_coordinators_and_admins_add_cities() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let path = app.url(&format!("/api/v1/networks/{}/cities", w.network.id));
    let body = json!({ "name": "Mizil", "country": "RO" });
    for client in [&w.expert.1, &w.coordinator.1, &w.ulg.1] {
        problem(
            client.post(&path).json(&body).send().await.unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    problem(
        w.stranger.post(&path).json(&body).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.admin
            .post(&path)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_city_is_visible_to_its_people_and_the_lead_partner_only() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let path = app.url(&format!("/api/v1/cities/{}", w.obidos.id));
    for client in [
        &w.lead.1,
        &w.expert.1,
        &w.coordinator.1,
        &w.ulg.1,
        &w.observer.1,
        &app.admin,
    ] {
        let body = json_ok(client.get(&path).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(body["name"], "Óbidos");
    }
    let observer = json_ok(
        w.observer.1.get(&path).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(observer["can_edit"], false);
    let ulg = json_ok(w.ulg.1.get(&path).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(ulg["can_edit"], true);
    assert_eq!(ulg["can_manage_members"], false);
    for client in [&w.other_city.1, &w.stranger] {
        problem(
            client.get(&path).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        let plan = client
            .get(app.url(&format!("/api/v1/cities/{}/plan", w.obidos.id)))
            .send()
            .await
            .unwrap();
        problem(plan, StatusCode::NOT_FOUND).await;
    }
}
