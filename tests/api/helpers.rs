//! Test fixtures: `TestApp::spawn`, a signed-in client per person, and
//! factories for networks, cities and members.
#![allow(dead_code)]

use std::sync::OnceLock;

use iap_studio::{
    AppState, Application, Config,
    auth::{CurrentUser, passwords},
    cities::{self, NewCity},
    entities::{city, network, user},
    members::{Role, grant, invitations::create_user},
    networks::{self, NewNetwork},
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    /// Admin's client, signed in.
    pub admin: Client,
    pub admin_user: user::Model,
    _db: TestDatabase,
    _server: tokio::task::JoinHandle<()>,
}

enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(db) = sea_orm::Database::connect(&admin_url).await {
                            use sea_orm::ConnectionTrait;
                            let _ = db
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) => {
            use sea_orm::ConnectionTrait;
            let name = format!("iapt_{}", Uuid::now_v7().simple());
            let admin = sea_orm::Database::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            (url.to_string(), TestDatabase::Postgres { admin_url, name })
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
            (url, TestDatabase::Sqlite(dir))
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL")
        .map(|u| !u.is_empty())
        .unwrap_or(false)
}

/// One password hash for every test user: argon2 is slow on purpose.
async fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(h) = HASH.get() {
        return h.clone();
    }
    let h = passwords::hash(PASSWORD).await.expect("hash");
    HASH.get_or_init(|| h).clone()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_full(
            configure,
            std::sync::Arc::new(iap_studio::time_source::SystemTime),
        )
        .await
    }

    /// An app whose clock only moves when the test sets it.
    pub async fn spawn_at(time: iap_studio::time_source::FixedTime) -> TestApp {
        Self::spawn_full(|_| {}, std::sync::Arc::new(time)).await
    }

    pub async fn spawn_full(
        configure: impl FnOnce(&mut Config),
        time: std::sync::Arc<dyn iap_studio::time_source::TimeSource>,
    ) -> TestApp {
        let (url, db) = fresh_database().await;
        let mut config = Config::for_database(&url);
        // Tests drive the stage clock themselves.
        config.clock_secs = 3600;
        configure(&mut config);
        let app = Application::build_with_time(config, time)
            .await
            .expect("build app");
        let address = format!("http://{}", app.local_addr());
        let state = app.state();
        let server = tokio::spawn(async move {
            let _ = app.run_until(std::future::pending()).await;
        });
        let admin_user = create_user(
            &state.db,
            "admin@example.org",
            "Admin",
            &password_hash().await,
            true,
        )
        .await
        .expect("admin");
        let mut test_app = TestApp {
            address,
            state,
            admin: Client::new(),
            admin_user,
            _db: db,
            _server: server,
        };
        test_app.admin = test_app.signed_in("admin@example.org").await;
        test_app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn client() -> Client {
        Client::builder()
            .cookie_store(true)
            .build()
            .expect("client")
    }

    /// A client signed in as `email` (password [`PASSWORD`]).
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = Self::client();
        let response = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), StatusCode::OK, "signing in as {email}");
        client
    }

    pub async fn user(&self, email: &str, name: &str) -> user::Model {
        create_user(&self.state.db, email, name, &password_hash().await, false)
            .await
            .expect("user")
    }

    /// A network created the way an admin would, with the default template.
    pub async fn network(&self) -> network::Model {
        let admin = CurrentUser {
            user: self.admin_user.clone(),
            memberships: vec![],
        };
        networks::create(
            &self.state.db,
            NewNetwork {
                name: "Creative Clusters in Low Density Urban Areas".into(),
                description: "Creativity for small towns".into(),
                starts_on: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
                duration_months: 13,
            },
            &self.state.config.planning_months,
            &admin,
        )
        .await
        .expect("network")
    }

    pub async fn city(&self, network: &network::Model, name: &str, country: &str) -> city::Model {
        let admin = CurrentUser {
            user: self.admin_user.clone(),
            memberships: vec![],
        };
        cities::create(
            &self.state.db,
            network,
            NewCity {
                name: name.into(),
                country: country.into(),
                is_lead_partner: false,
            },
            &admin,
        )
        .await
        .expect("city")
        .0
    }

    /// A new person holding `role` in `city` (or in the network for network roles).
    pub async fn member(
        &self,
        network: &network::Model,
        city: Option<&city::Model>,
        role: Role,
    ) -> (user::Model, Client) {
        let email = format!(
            "{}-{}@example.org",
            role.as_str().replace('_', "-"),
            &Uuid::now_v7().simple().to_string()[20..]
        );
        let u = self.user(&email, &format!("{} person", role.label())).await;
        grant(
            &self.state.db,
            u.id,
            network.id,
            city.map(|c| c.id),
            role,
            None,
        )
        .await
        .expect("grant");
        let client = self.signed_in(&email).await;
        (u, client)
    }

    /// A network with two cities (Óbidos, Reggio Emilia) and people in every role.
    pub async fn world(&self) -> World {
        let network = self.network().await;
        let obidos = self.city(&network, "Óbidos", "PT").await;
        let reggio = self.city(&network, "Reggio Emilia", "IT").await;
        let lead = self.member(&network, None, Role::LeadCoordinator).await;
        let expert = self.member(&network, None, Role::Expert).await;
        let coordinator = self
            .member(&network, Some(&obidos), Role::CityCoordinator)
            .await;
        let ulg = self.member(&network, Some(&obidos), Role::UlgMember).await;
        let observer = self.member(&network, Some(&obidos), Role::Observer).await;
        let other_city = self
            .member(&network, Some(&reggio), Role::CityCoordinator)
            .await;
        let stranger_user = self.user("stranger@example.org", "Stranger").await;
        let stranger = self.signed_in(&stranger_user.email).await;
        World {
            network,
            obidos,
            reggio,
            lead,
            expert,
            coordinator,
            ulg,
            observer,
            other_city,
            stranger,
        }
    }
}

pub struct World {
    pub network: network::Model,
    pub obidos: city::Model,
    pub reggio: city::Model,
    pub lead: (user::Model, Client),
    pub expert: (user::Model, Client),
    pub coordinator: (user::Model, Client),
    pub ulg: (user::Model, Client),
    pub observer: (user::Model, Client),
    /// A city coordinator of Reggio Emilia: sees the network, not Óbidos.
    pub other_city: (user::Model, Client),
    /// Signed in, member of nothing.
    pub stranger: Client,
}

/// Asserts status and problem+json shape; returns the body.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// The fields named by a problem's `errors`.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn json_ok(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Mail settings of an app under test: SMTP to the sink, a grace delay, fast retries.
pub fn mail_to(sink: &crate::smtp_sink::SmtpSink, delay_secs: f64) -> impl FnOnce(&mut Config) {
    let url = sink.url();
    move |config: &mut Config| {
        config.smtp_url = Some(iap_studio::config::Secret::from(url.as_str()));
        config.mail_delay_secs = delay_secs;
        config.mail_retry_base_ms = 100;
    }
}

/// Another server (with its own mail worker) on the same database as an app.
pub struct Instance {
    pub state: AppState,
    pub address: String,
    server: tokio::task::JoinHandle<()>,
}

impl Instance {
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// Stops this app's server and mail worker, as a crash or a restart would.
    pub fn stop(&self) {
        self._server.abort();
    }

    /// A second instance on this app's database (a restart, or a second worker).
    pub async fn another_instance(&self, configure: impl FnOnce(&mut Config)) -> Instance {
        let mut config = self.state.config.clone();
        config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        configure(&mut config);
        let app = Application::build(config).await.expect("build app");
        let address = format!("http://{}", app.local_addr());
        let state = app.state();
        let server = tokio::spawn(async move {
            let _ = app.run_until(std::future::pending()).await;
        });
        Instance {
            state,
            address,
            server,
        }
    }

    /// Waits until `check` holds, polling; panics after 10 s with `what`.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !check().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting: {what}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The id of a plan's stage by key.
pub async fn stage_id(app: &TestApp, city: &city::Model, key: &str) -> Uuid {
    let plan = iap_studio::plans::of_city(&app.state.db, city.id)
        .await
        .expect("plan");
    iap_studio::plans::stages(&app.state.db, plan.id)
        .await
        .expect("stages")
        .into_iter()
        .find(|s| s.key == key)
        .expect("stage")
        .id
}

/// Sets stage statuses directly, to start a test further along the timeline.
pub async fn set_stage_status(app: &TestApp, city: &city::Model, keys: &[&str], status: &str) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    for key in keys {
        let id = stage_id(app, city, key).await;
        let s = iap_studio::entities::stage::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut active: iap_studio::entities::stage::ActiveModel = s.into();
        active.status = Set(status.to_owned());
        active.update(&app.state.db).await.unwrap();
    }
}

/// Writes a section's text as a ULG member would.
pub async fn write_section(app: &TestApp, city: &city::Model, key: &str, markdown: &str, by: Uuid) {
    let plan = iap_studio::plans::of_city(&app.state.db, city.id)
        .await
        .expect("plan");
    iap_studio::sections::replace_markdown(&app.state.db, plan.id, key, markdown, by)
        .await
        .expect("write");
}

pub async fn plan_id(app: &TestApp, city: &city::Model) -> Uuid {
    iap_studio::plans::of_city(&app.state.db, city.id)
        .await
        .expect("plan")
        .id
}
