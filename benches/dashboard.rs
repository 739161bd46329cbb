//! How fast the lead partner's dashboard answers for a network of 50 cities
//! with full plans (every section written, stages moved along, actions).
//!
//! `cargo bench --bench dashboard` (SQLite in a temp folder), or with
//! `BENCH_DATABASE_URL=postgres://…/db` for PostgreSQL. Prints figures; never fails on timing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use iap_studio::{
    Application, Config,
    auth::{CurrentUser, passwords},
    cities::{self, NewCity},
    members::{Role, grant, invitations::create_user},
    networks::{self, NewNetwork},
    sections,
};
use sea_orm::{ActiveModelTrait, Set};

const CITIES: usize = 50;
const REQUESTS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let mut config = Config::for_database(&url);
    config.clock_secs = 3600;
    let app = Application::build(config).await.unwrap();
    let state = app.state();
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));

    let seeding = Instant::now();
    let hash = passwords::hash("benchmark password").await.unwrap();
    let admin = create_user(&state.db, "admin@bench.example", "Admin", &hash, true)
        .await
        .unwrap();
    let lead = create_user(&state.db, "lead@bench.example", "Lead", &hash, false)
        .await
        .unwrap();
    let admin = CurrentUser {
        user: admin,
        memberships: vec![],
    };
    let network = networks::create(
        &state.db,
        NewNetwork {
            name: "Benchmark network".into(),
            description: String::new(),
            starts_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            duration_months: 13,
        },
        &state.config.planning_months,
        &admin,
    )
    .await
    .unwrap();
    grant(
        &state.db,
        lead.id,
        network.id,
        None,
        Role::LeadCoordinator,
        None,
    )
    .await
    .unwrap();
    let text =
        "## Heading\n\n".to_owned() + &"A paragraph of plan text with **bold** words. ".repeat(60);
    for i in 0..CITIES {
        let (_, plan) = cities::create(
            &state.db,
            &network,
            NewCity {
                name: format!("City {i:02}"),
                country: "PT".into(),
                is_lead_partner: i == 0,
            },
            &admin,
        )
        .await
        .unwrap();
        // Óbidos' four demo actions give every plan a realistic action table.
        iap_studio::demo::write_demo_actions(&state.db, plan.id, "Óbidos", lead.id)
            .await
            .unwrap();
        for spec in iap_studio::stages::section_template::SECTION_TEMPLATE {
            sections::replace_markdown(&state.db, plan.id, spec.key, &text, lead.id)
                .await
                .unwrap();
        }
        // Move each city a different distance along the timeline.
        for s in iap_studio::plans::stages(&state.db, plan.id)
            .await
            .unwrap()
            .into_iter()
            .take(i % 7)
        {
            let mut active: iap_studio::entities::stage::ActiveModel = s.into();
            active.status = Set("approved".into());
            active.update(&state.db).await.unwrap();
        }
    }
    println!(
        "seeded {CITIES} cities with full plans in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    client
        .post(format!("{address}/api/v1/auth/login"))
        .json(
            &serde_json::json!({ "email": "lead@bench.example", "password": "benchmark password" }),
        )
        .send()
        .await
        .unwrap();
    let path = format!("{address}/api/v1/networks/{}/dashboard", network.id);
    let warm = client.get(&path).send().await.unwrap();
    assert!(warm.status().is_success());
    let bytes = warm.bytes().await.unwrap().len();
    let mut times = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let started = Instant::now();
        let response = client.get(&path).send().await.unwrap();
        response.bytes().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "dashboard, {CITIES} cities, {backend}: {REQUESTS} requests, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms, {} KiB",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        bytes / 1024
    );
}
