//! The action table over HTTP: validation, unique codes, optimistic concurrency, totals, locks,
//! events, audit and who may do what.
use iap_studio::entities::{audit_event, stage};
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

pub async fn plan_of(app: &TestApp, city: &iap_studio::entities::city::Model) -> Uuid {
    iap_studio::plans::of_city(&app.state.db, city.id)
        .await
        .expect("plan")
        .id
}

/// A complete, valid action body.
pub fn action_body(code: &str) -> Value {
    json!({
        "code": code,
        "title": "Creative hub in the old market hall",
        "description": "Refurbish the **old market hall** as a shared workspace.",
        "objective": "Keep young creative people in Óbidos.",
        "action_type": "Infrastructure",
        "lead_organisation": "Óbidos Municipality",
        "lead_person": "Ana Sousa",
        "partners": ["Óbidos Technology Park", "Escola Josefa de Óbidos"],
        "start_date": "2027-03-01",
        "end_date": "2028-06-30",
        "estimated_cost_eur": "480000.00",
        "funding": [
            {"source": "ERDF", "amount_eur": "240000.00", "status": "secured"},
            {"source": "municipal", "amount_eur": 120000, "status": "secured"},
            {"source": "private", "amount_eur": "90000", "status": "potential"}
        ],
        "indicators": [{"name": "Studios let", "kind": "output", "baseline": "0", "target": "18",
                        "unit": "studios", "source": "Hub reports", "frequency": "Quarterly"}],
        "risks": [{"description": "Works run late", "likelihood": "M", "impact": "H",
                   "mitigation": "Phased opening", "owner": "Ana Sousa"}],
        "status": "drafted"
    })
}

pub async fn create(app: &TestApp, client: &Client, plan_id: Uuid, body: &Value) -> Value {
    json_ok(
        client
            .post(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
            .json(body)
            .send()
            .await
            .expect("request"),
        StatusCode::CREATED,
    )
    .await
}

async fn list(app: &TestApp, client: &Client, plan_id: Uuid) -> Value {
    json_ok(
        client
            .get(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
            .send()
            .await
            .expect("request"),
        StatusCode::OK,
    )
    .await
}

fn action_url(app: &TestApp, id: &Value) -> String {
    app.url(&format!("/api/v1/actions/{}", id.as_str().expect("an id")))
}

#[tokio::test]
async fn a_ulg_member_creates_an_action_and_everyone_in_the_city_reads_it_with_an_etag() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;

    // Act
    let response = w
        .ulg
        .1
        .post(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
        .json(&action_body(" a1.1 "))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created = json_ok(response, StatusCode::CREATED).await;
    assert_eq!(created["code"], "A1.1");
    assert_eq!(created["version"], 1);
    assert_eq!(created["estimated_cost_eur"], "480000.00");
    assert_eq!(created["funding"][1]["amount_eur"], "120000.00");
    assert_eq!(created["funding"][0]["source"], "ERDF");
    assert_eq!(created["risks"][0]["likelihood"], "M");
    assert_eq!(created["updated_by"], w.ulg.0.id.to_string());
    for key in [
        "id",
        "code",
        "title",
        "description",
        "objective",
        "action_type",
        "lead_organisation",
        "lead_person",
        "partners",
        "start_date",
        "end_date",
        "estimated_cost_eur",
        "funding",
        "indicators",
        "risks",
        "status",
        "version",
        "created_at",
        "updated_at",
        "updated_by",
    ] {
        assert!(created.get(key).is_some(), "missing {key}");
    }
    for reader in [
        &w.coordinator.1,
        &w.observer.1,
        &w.expert.1,
        &w.lead.1,
        &app.admin,
    ] {
        let response = reader
            .get(action_url(&app, &created["id"]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["etag"], "\"1\"");
        let read = json_ok(response, StatusCode::OK).await;
        assert_eq!(read, created);
        let listed = list(&app, reader, plan_id).await;
        assert_eq!(listed["items"][0]["id"], created["id"]);
    }
}

#[tokio::test]
async fn city_coordinators_write_actions_too() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let created = create(&app, &w.coordinator.1, plan_id, &action_body("A1")).await;
    let response = w
        .coordinator
        .1
        .patch(action_url(&app, &created["id"]))
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "validated"}))
        .send()
        .await
        .unwrap();
    let patched = json_ok(response, StatusCode::OK).await;
    assert_eq!(patched["status"], "validated");
    assert_eq!(patched["version"], 2);
}

#[tokio::test]
async fn observers_experts_and_lead_coordinators_may_read_but_not_write_actions() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let created = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;

    for (who, client) in [
        ("observer", &w.observer.1),
        ("expert", &w.expert.1),
        ("lead", &w.lead.1),
    ] {
        // Act
        let post = client
            .post(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
            .json(&action_body("A2"))
            .send()
            .await
            .unwrap();
        let patch = client
            .patch(action_url(&app, &created["id"]))
            .json(&json!({"title": "Hijacked"}))
            .send()
            .await
            .unwrap();
        let delete = client
            .delete(action_url(&app, &created["id"]))
            .send()
            .await
            .unwrap();

        // Assert
        problem(post, StatusCode::FORBIDDEN).await;
        problem(patch, StatusCode::FORBIDDEN).await;
        problem(delete, StatusCode::FORBIDDEN).await;
        let listed = list(&app, client, plan_id).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{who}");
        assert_eq!(listed["items"][0]["title"], created["title"], "{who}");
        assert_eq!(listed["items"][0]["version"], 1, "{who}");
    }
}

#[tokio::test]
async fn other_cities_people_and_strangers_get_404_for_everything() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let created = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    let anonymous = TestApp::client();

    for client in [&w.other_city.1, &w.stranger] {
        let url = app.url(&format!("/api/v1/plans/{plan_id}/actions"));
        problem(
            client.get(&url).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(
            client
                .post(&url)
                .json(&action_body("A2"))
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        let one = action_url(&app, &created["id"]);
        problem(
            client.get(&one).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(
            client
                .patch(&one)
                .json(&json!({"title": "x"}))
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(
            client.delete(&one).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    problem(
        anonymous
            .get(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    problem(
        w.ulg
            .1
            .get(app.url("/api/v1/actions/not-a-uuid"))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let listed = list(&app, &w.ulg.1, plan_id).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["title"], created["title"]);
}

/// Each case: a change to the valid body and the field the 422 must name.
fn broken_bodies() -> Vec<(Value, &'static str)> {
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = action_body("A1");
        f(&mut b);
        b
    };
    vec![
        (with(&|b| b["end_date"] = json!("2027-01-01")), "end_date"),
        (
            with(&|b| b["funding"][0]["amount_eur"] = json!("-5.00")),
            "funding[0].amount_eur",
        ),
        (
            with(&|b| b["funding"][0]["amount_eur"] = json!(0.125)),
            "funding[0].amount_eur",
        ),
        (
            with(&|b| b["funding"][0]["amount_eur"] = json!("12,50")),
            "funding[0].amount_eur",
        ),
        (
            with(&|b| b["funding"][0]["source"] = json!("lottery")),
            "funding[0].source",
        ),
        (
            with(&|b| b["funding"][1]["status"] = json!("promised")),
            "funding[1].status",
        ),
        (
            with(&|b| b["estimated_cost_eur"] = json!("-1")),
            "estimated_cost_eur",
        ),
        (with(&|b| b["title"] = json!("   ")), "title"),
        (with(&|b| b["title"] = json!("x".repeat(201))), "title"),
        (with(&|b| b["code"] = json!("Action one")), "code"),
        (with(&|b| b["code"] = json!("")), "code"),
        (with(&|b| b["status"] = json!("done")), "status"),
        (
            with(&|b| b["risks"][0]["likelihood"] = json!("X")),
            "risks[0].likelihood",
        ),
        (
            with(&|b| b["risks"][0]["description"] = json!("")),
            "risks[0].description",
        ),
        (
            with(&|b| b["indicators"][0]["kind"] = json!("impact")),
            "indicators[0].kind",
        ),
        (
            with(&|b| b["indicators"][0]["name"] = json!("")),
            "indicators[0].name",
        ),
        (with(&|b| b["partners"] = json!([""])), "partners[0]"),
        (
            with(&|b| b["start_date"] = json!("2027-02-30")),
            "start_date",
        ),
        (
            with(&|b| b["start_date"] = json!("1999-12-31")),
            "start_date",
        ),
        (with(&|b| b["colour"] = json!("red")), "colour"),
        (
            with(&|b| b["funding"][0]["note"] = json!("x")),
            "funding[0].note",
        ),
    ]
}

#[tokio::test]
async fn every_broken_rule_is_refused_with_422_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let url = app.url(&format!("/api/v1/plans/{plan_id}/actions"));

    for (body, field) in broken_bodies() {
        let response = w.ulg.1.post(&url).json(&body).send().await.unwrap();
        let p = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            fields(&p).contains(&field.to_owned()),
            "expected {field} in {p}"
        );
    }
    let malformed = w
        .ulg
        .1
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    problem(malformed, StatusCode::BAD_REQUEST).await;
    let not_json = w.ulg.1.post(&url).body("code=A1").send().await.unwrap();
    problem(not_json, StatusCode::BAD_REQUEST).await;

    let listed = list(&app, &w.ulg.1, plan_id).await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn a_body_missing_several_fields_names_each_of_them() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let response = w
        .ulg
        .1
        .post(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let p = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let named = fields(&p);
    assert!(
        named.contains(&"code".into()) && named.contains(&"title".into()),
        "{p}"
    );
}

#[tokio::test]
async fn a_patch_is_checked_against_the_stored_action_and_a_refused_patch_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let created = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    let url = action_url(&app, &created["id"]);

    // The stored start is 2027-03-01; an end before it is refused.
    let response = w
        .ulg
        .1
        .patch(&url)
        .json(&json!({"end_date": "2027-01-01", "funding": [{"source": "ERDF", "amount_eur": "-1", "status": "secured"}]}))
        .send()
        .await
        .unwrap();
    let p = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), ["end_date", "funding[0].amount_eur"]);
    let null_title = w
        .ulg
        .1
        .patch(&url)
        .json(&json!({"title": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(null_title, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["title"]
    );
    let unknown = w
        .ulg
        .1
        .patch(&url)
        .json(&json!({"funding": [{"source": "bank", "amount_eur": 1, "status": "secured"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["funding[0].source"]
    );

    let read = json_ok(w.ulg.1.get(&url).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(read, created);

    // null clears optional fields
    let cleared = json_ok(
        w.ulg
            .1
            .patch(&url)
            .json(&json!({"end_date": null, "estimated_cost_eur": null, "partners": null}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["end_date"], Value::Null);
    assert_eq!(cleared["estimated_cost_eur"], Value::Null);
    assert_eq!(cleared["partners"], json!([]));
    assert_eq!(cleared["title"], created["title"]);
}

#[tokio::test]
async fn codes_are_unique_within_a_plan_whatever_their_case_but_may_repeat_across_plans() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let first = create(&app, &w.ulg.1, plan_id, &action_body("A1.1")).await;
    let second = create(&app, &w.ulg.1, plan_id, &action_body("A1.2")).await;

    let duplicate = w
        .ulg
        .1
        .post(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
        .json(&action_body("a1.1"))
        .send()
        .await
        .unwrap();
    let p = problem(duplicate, StatusCode::CONFLICT).await;
    assert_eq!(fields(&p), ["code"]);

    let renamed = w
        .ulg
        .1
        .patch(action_url(&app, &second["id"]))
        .json(&json!({"code": "A1.1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(renamed, StatusCode::CONFLICT).await),
        ["code"]
    );

    // Keeping its own code is no conflict.
    json_ok(
        w.ulg
            .1
            .patch(action_url(&app, &first["id"]))
            .json(&json!({"code": "A1.1", "title": "Renamed"}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let reggio_plan = plan_of(&app, &w.reggio).await;
    create(&app, &w.other_city.1, reggio_plan, &action_body("A1.1")).await;

    let listed = list(&app, &w.ulg.1, plan_id).await;
    let codes: Vec<_> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].clone())
        .collect();
    assert_eq!(codes, [json!("A1.1"), json!("A1.2")]);
}

#[tokio::test]
async fn of_two_writers_the_one_with_a_stale_etag_gets_412_and_the_first_change_is_kept() {
    // Arrange: both browsers read version 1.
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let created = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    let url = action_url(&app, &created["id"]);
    let etag_a = w.ulg.1.get(&url).send().await.unwrap().headers()["etag"].clone();
    let etag_b = w.coordinator.1.get(&url).send().await.unwrap().headers()["etag"].clone();
    assert_eq!(etag_a, etag_b);

    // Act
    let first = w
        .ulg
        .1
        .patch(&url)
        .header("If-Match", etag_a)
        .json(&json!({"title": "First writer's title"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["etag"], "\"2\"");
    json_ok(first, StatusCode::OK).await;
    let second = w
        .coordinator
        .1
        .patch(&url)
        .header("If-Match", etag_b.clone())
        .json(&json!({"title": "Second writer's title", "lead_person": "Someone else"}))
        .send()
        .await
        .unwrap();
    let stale_delete = w
        .coordinator
        .1
        .delete(&url)
        .header("If-Match", etag_b)
        .send()
        .await
        .unwrap();

    // Assert
    problem(second, StatusCode::PRECONDITION_FAILED).await;
    problem(stale_delete, StatusCode::PRECONDITION_FAILED).await;
    let read = json_ok(
        w.coordinator.1.get(&url).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["title"], "First writer's title");
    assert_eq!(read["lead_person"], "Ana Sousa");
    assert_eq!(read["version"], 2);

    let delete = w
        .coordinator
        .1
        .delete(&url)
        .header("If-Match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    problem(
        w.ulg.1.get(&url).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn concurrent_patches_with_the_same_etag_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let created = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    let url = action_url(&app, &created["id"]);

    let send = |client: Client, title: &'static str| {
        let url = url.clone();
        async move {
            client
                .patch(&url)
                .header("If-Match", "\"1\"")
                .json(&json!({ "title": title }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let (a, b) = tokio::join!(
        send(w.ulg.1.clone(), "From A"),
        send(w.coordinator.1.clone(), "From B")
    );
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PRECONDITION_FAILED]);
    let read = json_ok(w.ulg.1.get(&url).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(read["version"], 2);
    let winner = if a == StatusCode::OK {
        "From A"
    } else {
        "From B"
    };
    assert_eq!(read["title"], winner);
}

#[tokio::test]
async fn totals_add_awkward_amounts_exactly_and_the_timeline_lists_every_action() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let mut a = action_body("A1");
    a["estimated_cost_eur"] = json!(0.1);
    a["funding"] = json!([
        {"source": "ERDF", "amount_eur": 0.1, "status": "secured"},
        {"source": "ERDF", "amount_eur": "0.20", "status": "applied"},
        {"source": "ESF+", "amount_eur": "33.33", "status": "potential"}
    ]);
    let mut b = action_body("A2");
    b["estimated_cost_eur"] = json!("0.2");
    b["start_date"] = json!("2026-12-01");
    b["funding"] = json!([
        {"source": "municipal", "amount_eur": "33.33", "status": "secured"},
        {"source": "municipal", "amount_eur": "33.34", "status": "secured"}
    ]);
    let mut c = action_body("A1.10");
    c["estimated_cost_eur"] = Value::Null;
    c["start_date"] = Value::Null;
    c["end_date"] = Value::Null;
    c["funding"] = json!([]);
    for body in [&a, &b, &c] {
        create(&app, &w.ulg.1, plan_id, body).await;
    }

    let listed = list(&app, &w.observer.1, plan_id).await;

    let t = &listed["totals"];
    assert_eq!(t["estimated_cost_eur"], "0.30");
    assert_eq!(
        t["by_source"],
        json!({"municipal": "66.67", "ERDF": "0.30", "ESF+": "33.33"})
    );
    assert_eq!(
        t["by_status"],
        json!({"secured": "66.77", "applied": "0.20", "potential": "33.33"})
    );
    // 66.77 / 100.30 = 66.570…%
    assert_eq!(t["secured_pct"], "66.6");
    let codes: Vec<_> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["A1", "A1.10", "A2"]);
    let timeline: Vec<_> = listed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(timeline, ["A2", "A1", "A1.10"]);
    assert_eq!(listed["timeline"][0]["start_date"], "2026-12-01");
    assert_eq!(listed["timeline"][2]["start_date"], Value::Null);
    let totals = iap_studio::actions::totals_of(&app.state.db, plan_id)
        .await
        .unwrap();
    assert_eq!(totals.estimated_cost_eur.to_string(), "0.30");
}

async fn set_actions_stage(app: &TestApp, plan_id: Uuid, status: &str) {
    stage::Entity::update_many()
        .col_expr(stage::Column::Status, Expr::value(status))
        .filter(stage::Column::PlanId.eq(plan_id))
        .filter(stage::Column::Key.eq("actions"))
        .exec(&app.state.db)
        .await
        .expect("database");
}

#[tokio::test]
async fn a_submitted_actions_stage_locks_the_table_with_423_until_it_is_returned() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let created = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    set_actions_stage(&app, plan_id, "submitted").await;
    let url = action_url(&app, &created["id"]);

    // Act
    let post = w
        .ulg
        .1
        .post(app.url(&format!("/api/v1/plans/{plan_id}/actions")))
        .json(&action_body("A2"))
        .send()
        .await
        .unwrap();
    let patch = w
        .ulg
        .1
        .patch(&url)
        .json(&json!({"title": "Changed"}))
        .send()
        .await
        .unwrap();
    let delete = w.coordinator.1.delete(&url).send().await.unwrap();

    // Assert
    problem(post, StatusCode::LOCKED).await;
    problem(patch, StatusCode::LOCKED).await;
    problem(delete, StatusCode::LOCKED).await;
    let listed = list(&app, &w.ulg.1, plan_id).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["title"], created["title"]);

    set_actions_stage(&app, plan_id, "returned").await;
    let patch = w
        .ulg
        .1
        .patch(&url)
        .json(&json!({"title": "Changed"}))
        .send()
        .await
        .unwrap();
    json_ok(patch, StatusCode::OK).await;
}

#[tokio::test]
async fn writes_publish_action_changed_and_leave_audit_rows() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let mut events = app.state.hub.subscribe();

    let created = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    let url = action_url(&app, &created["id"]);
    json_ok(
        w.ulg
            .1
            .patch(&url)
            .json(&json!({"title": "New"}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let deleted = w.ulg.1.delete(&url).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let mut changes = Vec::new();
    while changes.len() < 3 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .expect("an event in time")
            .expect("hub open");
        if event.kind == "action.changed" {
            assert_eq!(event.city_id, Some(w.obidos.id));
            assert_eq!(event.network_id, Some(w.network.id));
            assert_eq!(event.data["plan_id"], plan_id.to_string());
            assert_eq!(event.data["action_id"], created["id"]);
            changes.push(event.data["change"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(changes, ["created", "updated", "deleted"]);
    for what in ["action.created", "action.updated", "action.deleted"] {
        let n = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(what))
            .filter(audit_event::Column::ActorId.eq(w.ulg.0.id))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{what}");
    }
}

#[tokio::test]
async fn gate_facts_skip_parked_actions() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    let mut parked = action_body("A2");
    parked["status"] = json!("parked");
    create(&app, &w.ulg.1, plan_id, &parked).await;

    let facts = iap_studio::actions::gate_facts(&app.state.db, plan_id)
        .await
        .unwrap();

    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].code, "A1");
    assert!(facts[0].has_estimated_cost);
    assert_eq!(
        (
            facts[0].funding_count,
            facts[0].indicator_count,
            facts[0].risk_count
        ),
        (3, 1, 1)
    );
    assert_eq!(facts[0].lead_person.as_deref(), Some("Ana Sousa"));
}
