//! Live co-editing over real WebSockets with real yrs documents, the way a
//! browser's y-websocket `WebsocketProvider` speaks to the server.
#![expect(
    clippy::unwrap_used,
    reason = "a test client: a broken frame or poisoned lock is a test failure"
)]
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt, stream::SplitSink};
use iap_studio::{
    entities::{section, stage},
    realtime::protocol,
    sections::document::{FRAGMENT_NAME, fragment_to_markdown},
};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tokio::{net::TcpStream, sync::Notify};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{self, Message, client::IntoClientRequest},
};
use uuid::Uuid;
use yrs::{
    Doc, GetString, ReadTxn, Text, Transact, Update, WriteTxn, XmlElementPrelim, XmlFragment,
    XmlOut, XmlTextPrelim,
    sync::{Awareness, Message as YMessage, SyncMessage},
    updates::decoder::Decode,
};

use crate::helpers::*;

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;

/// The session cookie of `email`, for WebSocket handshakes.
pub async fn session_cookie(app_url: &str, email: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{app_url}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie");
    cookie.split(';').next().expect("name=value").to_owned()
}

/// Opens a WebSocket on `path` (under the app's base URL) with a cookie.
pub async fn open_socket(
    app_url: &str,
    path: &str,
    cookie: Option<&str>,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, tungstenite::Error> {
    let url = format!("{}{path}", app_url.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request()?;
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("header"));
    }
    request
        .headers_mut()
        .insert("origin", app_url.parse().expect("origin"));
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

/// The HTTP status of a refused handshake.
pub async fn refused_status(app_url: &str, path: &str, cookie: Option<&str>) -> u16 {
    match open_socket(app_url, path, cookie).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Ok(_) => panic!("the socket was upgraded"),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[derive(Default)]
struct Inbox {
    denied: Vec<String>,
    close: Option<u16>,
    frames: usize,
}

/// A browser stand-in: a yrs document and awareness synced over the socket.
pub struct Editor {
    pub doc: Doc,
    awareness: Arc<Mutex<Awareness>>,
    sink: Arc<tokio::sync::Mutex<Sink>>,
    inbox: Arc<Mutex<Inbox>>,
    changed: Arc<Notify>,
}

impl Editor {
    pub async fn connect(app_url: &str, cookie: &str, section: Uuid) -> Editor {
        let ws = open_socket(app_url, &format!("/api/v1/collab/{section}"), Some(cookie))
            .await
            .expect("collab socket");
        let (sink, mut stream) = ws.split();
        let doc = Doc::new();
        let editor = Editor {
            awareness: Arc::new(Mutex::new(Awareness::new(doc.clone()))),
            doc,
            sink: Arc::new(tokio::sync::Mutex::new(sink)),
            inbox: Arc::default(),
            changed: Arc::default(),
        };
        let (doc, awareness, sink, inbox, changed) = (
            editor.doc.clone(),
            editor.awareness.clone(),
            editor.sink.clone(),
            editor.inbox.clone(),
            editor.changed.clone(),
        );
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let mut reply = None;
                match message {
                    Message::Binary(frame) => {
                        inbox.lock().unwrap().frames += 1;
                        match YMessage::decode_v1(&frame).expect("one message per frame") {
                            YMessage::Sync(SyncMessage::SyncStep1(sv)) => {
                                let diff = doc.transact().encode_diff_v1(&sv);
                                reply = Some(protocol::encode_sync_step2(&diff));
                            }
                            YMessage::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => {
                                doc.transact_mut()
                                    .apply_update(Update::decode_v1(&u).unwrap())
                                    .unwrap();
                            }
                            YMessage::Awareness(u) => {
                                awareness.lock().unwrap().apply_update(u).unwrap();
                            }
                            YMessage::Auth(Some(reason)) => {
                                inbox.lock().unwrap().denied.push(reason);
                            }
                            _ => {}
                        }
                    }
                    Message::Close(frame) => {
                        inbox.lock().unwrap().close = Some(frame.map_or(1005, |f| f.code.into()));
                    }
                    _ => {}
                }
                if let Some(reply) = reply {
                    let _ = sink.lock().await.send(Message::binary(reply)).await;
                }
                changed.notify_waiters();
            }
            inbox.lock().unwrap().close.get_or_insert(1006);
            changed.notify_waiters();
        });
        // What the provider sends on open: its step 1.
        let sv = editor.doc.transact().state_vector();
        editor.send(protocol::encode_sync_step1(&sv)).await;
        editor
    }

    pub async fn send(&self, frame: Vec<u8>) {
        let _ = self.sink.lock().await.send(Message::binary(frame)).await;
    }

    /// Closes the socket, as a closing browser tab would.
    pub async fn close(&self) {
        let _ = self.sink.lock().await.close().await;
    }

    pub async fn send_message(&self, message: Message) {
        let _ = self.sink.lock().await.send(message).await;
    }

    /// Types at the start of the first paragraph, as TipTap would, and sends the update.
    pub async fn type_text(&self, text: &str) {
        let frame = self.type_offline(text);
        self.send(frame).await;
    }

    /// Types at the start of the first paragraph without sending: the frame
    /// to send later, as a browser that was briefly offline would.
    pub fn type_offline(&self, text: &str) -> Vec<u8> {
        let update = {
            let mut txn = self.doc.transact_mut();
            let frag = txn.get_or_insert_xml_fragment(FRAGMENT_NAME);
            let p = match frag.get(&txn, 0) {
                Some(XmlOut::Element(p)) => p,
                _ => frag.insert(&mut txn, 0, XmlElementPrelim::empty("paragraph")),
            };
            let t = match p.get(&txn, 0) {
                Some(XmlOut::Text(t)) => t,
                _ => p.insert(&mut txn, 0, XmlTextPrelim::new("")),
            };
            t.insert(&mut txn, 0, text);
            txn.encode_update_v1()
        };
        protocol::encode_update(&update)
    }

    pub async fn set_presence(&self, name: &str) {
        let frame = {
            let mut awareness = self.awareness.lock().unwrap();
            awareness.set_local_state_raw(format!("{{\"user\":{{\"name\":\"{name}\"}}}}"));
            protocol::encode_awareness(&awareness.update().unwrap())
        };
        self.send(frame).await;
    }

    /// Names in the awareness states this editor knows.
    pub fn presence_names(&self) -> Vec<String> {
        let awareness = self.awareness.lock().unwrap();
        let mut names: Vec<String> = awareness
            .iter()
            .filter_map(|(_, state)| {
                let json: Value = serde_json::from_str(state.data.as_deref()?).ok()?;
                json["user"]["name"].as_str().map(str::to_owned)
            })
            .collect();
        names.sort();
        names
    }

    pub fn markdown(&self) -> String {
        fragment_to_markdown(&self.doc)
    }

    pub fn text(&self) -> String {
        let txn = self.doc.transact();
        txn.get_xml_fragment(FRAGMENT_NAME)
            .map(|f| f.get_string(&txn))
            .unwrap_or_default()
    }

    pub fn denied(&self) -> Vec<String> {
        self.inbox.lock().unwrap().denied.clone()
    }

    pub fn close_code(&self) -> Option<u16> {
        self.inbox.lock().unwrap().close
    }

    pub fn frames_received(&self) -> usize {
        self.inbox.lock().unwrap().frames
    }

    /// Waits (up to 10 s) until `condition` holds.
    pub async fn wait_for(&self, what: &str, condition: impl Fn(&Editor) -> bool) {
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let changed = self.changed.notified();
                if condition(self) {
                    return;
                }
                let _ = tokio::time::timeout(Duration::from_millis(200), changed).await;
            }
        })
        .await;
        assert!(
            waited.is_ok(),
            "timed out waiting for {what}; markdown now {:?}",
            self.markdown()
        );
    }
}

/// Waits (up to 10 s) until `condition` holds, polling.
pub async fn eventually<F, Fut>(what: &str, condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

pub async fn section_id(app: &TestApp, city: Uuid, key: &str) -> Uuid {
    let plan = iap_studio::plans::of_city(&app.state.db, city)
        .await
        .unwrap();
    section::Entity::find()
        .filter(section::Column::PlanId.eq(plan.id))
        .filter(section::Column::Key.eq(key))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Appends a log row with the id given, as if the log had grown that far.
async fn log_row_at(app: &TestApp, id: i64, section: Uuid, data: Vec<u8>) {
    app.state
        .db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            app.state.db.get_database_backend(),
            "INSERT INTO section_updates (id, section_id, data, user_id, created_at) \
             VALUES ($1, $2, $3, NULL, $4)",
            [
                id.into(),
                section.into(),
                data.into(),
                chrono::Utc::now().into(),
            ],
        ))
        .await
        .unwrap();
}

async fn stored_markdown(app: &TestApp, id: Uuid) -> String {
    let stored = iap_studio::sections::store::load(&app.state.db, id)
        .await
        .unwrap();
    fragment_to_markdown(&stored.doc().unwrap())
}

async fn get_section(app: &TestApp, client: &reqwest::Client, id: Uuid) -> Value {
    json_ok(
        client
            .get(app.url(&format!("/api/v1/sections/{id}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn two_editors_converge_and_the_section_row_follows_the_document() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "vision").await;
    let a = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.coordinator.0.email).await,
        id,
    )
    .await;
    let b = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.ulg.0.email).await,
        id,
    )
    .await;

    // Act
    a.type_text("Alpha writes. ").await;
    b.type_text("Beta writes. ").await;

    // Assert
    for editor in [&a, &b] {
        editor
            .wait_for("both edits", |e| {
                e.text().contains("Alpha writes.") && e.text().contains("Beta writes.")
            })
            .await;
    }
    assert_eq!(a.markdown(), b.markdown());
    let stored = stored_markdown(&app, id).await;
    assert_eq!(stored, a.markdown(), "what was broadcast is stored");
    eventually("the section row to be rendered", || async {
        get_section(&app, &w.observer.1, id).await["markdown"] == a.markdown()
    })
    .await;
    let view = get_section(&app, &w.observer.1, id).await;
    let mut contributors: Vec<&str> = view["contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    contributors.sort();
    let mut expected = vec![w.coordinator.0.name.as_str(), w.ulg.0.name.as_str()];
    expected.sort();
    assert_eq!(contributors, expected);
    assert!(view["html"].as_str().unwrap().contains("Alpha writes."));
}

#[tokio::test]
async fn a_late_joiner_receives_the_whole_document() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "context").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    let a = Editor::connect(&app.address, &cookie, id).await;
    for i in 0..30 {
        a.type_text(&format!("w{i} ")).await;
    }
    let late = Editor::connect(&app.address, &cookie, id).await;
    late.wait_for("all 30 edits", |e| {
        e.text().contains("w29 w28") && e.text().contains("w0 ")
    })
    .await;
}

#[tokio::test]
async fn awareness_reaches_the_other_editor_and_echoes_to_its_sender() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "vision").await;
    let a = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.coordinator.0.email).await,
        id,
    )
    .await;
    let observer = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.observer.0.email).await,
        id,
    )
    .await;

    a.set_presence("Ana").await;

    observer
        .wait_for("Ana's presence", |e| e.presence_names() == ["Ana"])
        .await;
    let before = a.frames_received();
    a.set_presence("Ana").await; // the provider's 15 s renewal
    a.wait_for("the echo of a renewal", |e| e.frames_received() > before)
        .await;
    observer.set_presence("Olga").await;
    a.wait_for("Olga's presence", |e| e.presence_names() == ["Ana", "Olga"])
        .await;
}

#[tokio::test]
async fn an_observer_reads_live_but_cannot_write() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "vision").await;
    let writer = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.coordinator.0.email).await,
        id,
    )
    .await;
    let observer = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.observer.0.email).await,
        id,
    )
    .await;
    let expert = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.expert.0.email).await,
        id,
    )
    .await;

    writer.type_text("Written by the coordinator. ").await;
    observer
        .wait_for("the coordinator's text", |e| {
            e.text().contains("Written by the coordinator.")
        })
        .await;
    observer.type_text("Observer sneaks in. ").await;
    expert.type_text("Expert sneaks in. ").await;

    observer
        .wait_for("a permission-denied message", |e| !e.denied().is_empty())
        .await;
    expert
        .wait_for("a permission-denied message", |e| !e.denied().is_empty())
        .await;
    writer.type_text("Still writing. ").await;
    observer
        .wait_for("the next edit", |e| e.text().contains("Still writing."))
        .await;
    let stored = stored_markdown(&app, id).await;
    assert!(!stored.contains("sneaks in"), "{stored}");
    assert!(!writer.text().contains("sneaks in"));
    assert_eq!(observer.close_code(), None, "read-only sockets stay open");
}

#[tokio::test]
async fn a_locked_section_is_read_only_live_for_everyone() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "ulg").await;
    // The `setup` stage's gate names `ulg`: submitted, it locks the section.
    let plan = iap_studio::plans::of_city(&app.state.db, w.obidos.id)
        .await
        .unwrap();
    let setup = stage::Entity::find()
        .filter(stage::Column::PlanId.eq(plan.id))
        .filter(stage::Column::Key.eq("setup"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: stage::ActiveModel = setup.into();
    active.status = Set("submitted".into());
    active.update(&app.state.db).await.unwrap();

    let coordinator = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.coordinator.0.email).await,
        id,
    )
    .await;
    coordinator.type_text("Edit under review. ").await;

    coordinator
        .wait_for("a permission-denied message", |e| !e.denied().is_empty())
        .await;
    assert!(!stored_markdown(&app, id).await.contains("under review"));
    let r = w
        .coordinator
        .1
        .put(app.url(&format!("/api/v1/sections/{id}/content")))
        .json(&json!({ "markdown": "Nope." }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::LOCKED).await;
}

#[tokio::test]
async fn a_stage_submitted_mid_session_makes_open_editors_reconnect_read_only() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    write_section(&app, &w.obidos, "ulg", "Who is in the group.\n", w.ulg.0.id).await;
    let id = section_id(&app, w.obidos.id, "ulg").await;
    let other = section_id(&app, w.reggio.id, "ulg").await;
    let cookie = session_cookie(&app.address, &w.coordinator.0.email).await;
    let editor = Editor::connect(&app.address, &cookie, id).await;
    let elsewhere = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.other_city.0.email).await,
        other,
    )
    .await;
    editor.type_text("Before review. ").await;
    eventually("the edit is stored", || async {
        stored_markdown(&app, id).await.contains("Before review.")
    })
    .await;

    // The `setup` stage's gate names `ulg`: submitting it locks the section.
    let setup = stage_id(&app, &w.obidos, "setup").await;
    json_ok(
        w.ulg
            .1
            .post(app.url(&format!("/api/v1/stages/{setup}/submit")))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    editor
        .wait_for("a close with 1013 (reconnect)", |e| {
            e.close_code() == Some(1013)
        })
        .await;
    assert_eq!(
        elsewhere.close_code(),
        None,
        "other plans' sockets stay open"
    );

    // Reconnected, the same person reads live but can no longer write.
    let again = Editor::connect(&app.address, &cookie, id).await;
    again
        .wait_for("the document", |e| e.text().contains("Before review."))
        .await;
    again.type_text("During review. ").await;
    again
        .wait_for("a permission-denied message", |e| !e.denied().is_empty())
        .await;
    assert!(!stored_markdown(&app, id).await.contains("During review."));
}

#[tokio::test]
async fn a_stage_moving_phase_with_the_calendar_leaves_editors_connected() {
    use chrono::TimeZone;
    let at = |m, d| chrono::Utc.with_ymd_and_hms(2026, m, d, 9, 0, 0).unwrap();
    let time = iap_studio::time_source::FixedTime::at(at(5, 20));
    let app = TestApp::spawn_at(time.clone()).await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "ulg").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    iap_studio::stages::clock::tick(&app.state).await.unwrap();
    let editor = Editor::connect(&app.address, &cookie, id).await;
    let mut events = app.state.hub.subscribe();

    // The set-up stage is due on 30 June: by the 23rd its phase has moved.
    time.set(at(6, 23));
    let tick = iap_studio::stages::clock::tick(&app.state).await.unwrap();
    editor.type_text("Still writing. ").await;

    assert!(tick.phases_changed >= 1);
    let phase_moved = loop {
        let event = events.recv().await.unwrap();
        if event.kind == "stage.changed" {
            break event;
        }
    };
    assert!(phase_moved.data.get("phase").is_some());
    eventually("the edit is stored", || async {
        stored_markdown(&app, id).await.contains("Still writing.")
    })
    .await;
    assert_eq!(editor.close_code(), None, "a phase locks nothing");
}

#[tokio::test]
async fn strangers_and_anonymous_callers_are_refused_before_the_upgrade() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "vision").await;
    let path = format!("/api/v1/collab/{id}");

    assert_eq!(refused_status(&app.address, &path, None).await, 401);
    let stranger = session_cookie(&app.address, "stranger@example.org").await;
    assert_eq!(
        refused_status(&app.address, &path, Some(&stranger)).await,
        404
    );
    let other_city = session_cookie(&app.address, &w.other_city.0.email).await;
    assert_eq!(
        refused_status(&app.address, &path, Some(&other_city)).await,
        404
    );
    let unknown = format!("/api/v1/collab/{}", Uuid::now_v7());
    let ulg = session_cookie(&app.address, &w.ulg.0.email).await;
    assert_eq!(
        refused_status(&app.address, &unknown, Some(&ulg)).await,
        404
    );

    // Another site's page may not open a socket with the user's cookie.
    let url = format!("{}{path}", app.address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("cookie", ulg.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 403),
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn malformed_and_text_frames_close_with_1003_and_oversize_with_1009_leaving_the_document() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "vision").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    let keeper = Editor::connect(&app.address, &cookie, id).await;
    keeper.type_text("Keep me. ").await;
    keeper.wait_for("nothing", |_| true).await;
    eventually("the edit to be stored", || async {
        stored_markdown(&app, id).await.contains("Keep me.")
    })
    .await;
    let before = stored_markdown(&app, id).await;

    let cases: Vec<(&str, Message, u16)> = vec![
        (
            "garbage update",
            Message::binary(vec![0, 2, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            1003,
        ),
        ("unknown message", Message::binary(vec![9, 0]), 1003),
        ("text frame", Message::text("hello"), 1003),
        (
            "over 1 MiB",
            Message::binary(vec![0u8; 1024 * 1024 + 1]),
            1009,
        ),
    ];
    for (name, message, code) in cases {
        let bad = Editor::connect(&app.address, &cookie, id).await;
        bad.send_message(message).await;
        bad.wait_for(name, |e| e.close_code().is_some()).await;
        assert_eq!(bad.close_code(), Some(code), "{name}");
    }

    assert_eq!(stored_markdown(&app, id).await, before);
    keeper.type_text("Still fine. ").await;
    eventually("the keeper's next edit to be stored", || async {
        stored_markdown(&app, id).await.contains("Still fine.")
    })
    .await;
    assert_eq!(keeper.close_code(), None, "other clients are unaffected");
}

#[tokio::test]
async fn rest_writes_and_live_edits_merge() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "problems").await;
    let url = app.url(&format!("/api/v1/sections/{id}/content"));
    let first = json_ok(
        w.coordinator
            .1
            .put(&url)
            .json(&json!({ "markdown": "Intro.\n\nOutro.\n" }))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["markdown"], "Intro.\n\nOutro.\n");
    let editor = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.ulg.0.email).await,
        id,
    )
    .await;
    editor
        .wait_for("the REST text", |e| e.markdown() == "Intro.\n\nOutro.\n")
        .await;

    // The edit is made before the REST write but reaches the server after
    // it: a real concurrent change, in a fixed order.
    let held = editor.type_offline("Typing ");
    let put = w
        .coordinator
        .1
        .put(&url)
        .json(&json!({ "markdown": "Intro.\n\nNew outro from the API.\n" }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    editor
        .wait_for("the REST write", |e| e.markdown().contains("New outro"))
        .await;
    editor.send(held).await;

    let expected = "Typing Intro.\n\nNew outro from the API.\n";
    editor
        .wait_for("the merge", |e| e.markdown() == expected)
        .await;
    eventually("the row to show the merge", || async {
        get_section(&app, &w.ulg.1, id).await["markdown"] == expected
    })
    .await;
}

#[tokio::test]
async fn put_content_checks_the_etag_the_role_and_the_body() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "summary").await;
    let url = app.url(&format!("/api/v1/sections/{id}/content"));
    let view = get_section(&app, &w.ulg.1, id).await;
    let stale = view["etag"].as_str().unwrap().to_owned();
    let saved = json_ok(
        w.ulg
            .1
            .put(&url)
            .header("if-match", &stale)
            .json(&json!({ "markdown": "## Summary\n\nFirst text." }))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_ne!(saved["etag"], stale);
    assert_eq!(saved["markdown"], "## Summary\n\nFirst text.\n");

    let r = w
        .coordinator
        .1
        .put(&url)
        .header("if-match", &stale)
        .json(&json!({ "markdown": "Overwrite." }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::PRECONDITION_FAILED).await;
    let refused = [
        (&w.observer.1, StatusCode::FORBIDDEN),
        (&w.expert.1, StatusCode::FORBIDDEN),
        (&w.other_city.1, StatusCode::NOT_FOUND),
        (&w.stranger, StatusCode::NOT_FOUND),
    ];
    for (client, status) in refused {
        let r = client
            .put(&url)
            .json(&json!({ "markdown": "x" }))
            .send()
            .await
            .unwrap();
        problem(r, status).await;
    }
    let r = w
        .ulg
        .1
        .put(&url)
        .json(&json!({ "text": "x" }))
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(!fields(&p).is_empty());
    let r = w
        .ulg
        .1
        .put(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST).await;

    let after = get_section(&app, &w.ulg.1, id).await;
    assert_eq!(
        after["markdown"], "## Summary\n\nFirst text.\n",
        "refused writes changed nothing"
    );
    assert_eq!(after["etag"], saved["etag"]);
}

/// A free port on localhost, for a child server.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_binary(database_url: &str) -> (Child, String) {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_iap-studio"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("IAP_BIND", format!("127.0.0.1:{port}"))
        .env("IAP_LOG", "warn")
        .env_remove("IAP_PUBLIC_URL")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the iap-studio binary");
    let address = format!("http://127.0.0.1:{port}");
    let health = format!("{address}/healthz");
    eventually("the binary to answer", || async {
        reqwest::get(&health)
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    (Child(child), address)
}

#[tokio::test]
async fn nothing_broadcast_is_lost_when_the_server_is_killed_and_restarted() {
    // Arrange: the real binary on this test's database.
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "vision").await;
    let database_url = app.state.config.database_url.expose().to_owned();
    let (mut server, address) = start_binary(&database_url).await;
    let writer = Editor::connect(
        &address,
        &session_cookie(&address, &w.ulg.0.email).await,
        id,
    )
    .await;
    let watcher = Editor::connect(
        &address,
        &session_cookie(&address, &w.observer.0.email).await,
        id,
    )
    .await;

    // Act: edits reach another client, then kill -9.
    for i in 0..40 {
        writer.type_text(&format!("e{i} ")).await;
    }
    watcher
        .wait_for("all 40 edits broadcast", |e| {
            e.text().contains("e39 e38") && e.text().contains(" e0 ")
        })
        .await;
    let seen = watcher.text();
    server.0.kill().expect("kill -9");
    let _ = server.0.wait();

    // Assert: a restarted server serves everything that was broadcast.
    let (_server, address) = start_binary(&database_url).await;
    let fresh = Editor::connect(
        &address,
        &session_cookie(&address, &w.coordinator.0.email).await,
        id,
    )
    .await;
    fresh
        .wait_for("the document after restart", |e| e.text() == seen)
        .await;
}

#[tokio::test]
async fn two_instances_over_one_postgresql_deliver_each_others_edits() {
    if !is_postgres() {
        println!("skipped: two instances need PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "vision").await;
    let second = iap_studio::Application::build(iap_studio::Config::for_database(
        app.state.config.database_url.expose(),
    ))
    .await
    .unwrap();
    let second_address = format!("http://{}", second.local_addr());
    let _server = tokio::spawn(async move {
        let _ = second.run_until(std::future::pending()).await;
    });
    let on_first = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.ulg.0.email).await,
        id,
    )
    .await;
    let on_second = Editor::connect(
        &second_address,
        &session_cookie(&second_address, &w.coordinator.0.email).await,
        id,
    )
    .await;
    on_first.wait_for("nothing", |_| true).await;

    on_first.type_text("From the first instance. ").await;
    on_second
        .wait_for("the first instance's edit", |e| {
            e.text().contains("From the first instance.")
        })
        .await;
    on_second.type_text("From the second instance. ").await;
    on_first
        .wait_for("the second instance's edit", |e| {
            e.text().contains("From the second instance.")
        })
        .await;
    assert_eq!(on_first.markdown(), on_second.markdown());
}

#[tokio::test]
async fn the_log_is_compacted_into_a_snapshot_when_the_last_editor_leaves() {
    use iap_studio::entities::{section_snapshot, section_update};
    use sea_orm::PaginatorTrait;
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "actions").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    let editor = Editor::connect(&app.address, &cookie, id).await;
    for i in 0..25 {
        editor.type_text(&format!("c{i} ")).await;
    }
    eventually("the edits to be stored", || async {
        stored_markdown(&app, id).await.contains("c24")
    })
    .await;
    let text = editor.text();

    editor.close().await;

    let log_rows = || async {
        section_update::Entity::find()
            .filter(section_update::Column::SectionId.eq(id))
            .count(&app.state.db)
            .await
            .unwrap()
    };
    eventually("the log to be folded into the snapshot", || async {
        log_rows().await == 0
    })
    .await;
    assert!(
        section_snapshot::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some()
    );
    let again = Editor::connect(&app.address, &cookie, id).await;
    again
        .wait_for("the compacted document", |e| e.text() == text)
        .await;
}

#[tokio::test]
async fn compacting_one_section_keeps_the_unfolded_rows_of_others_and_the_log_empties_once_all_are_folded()
 {
    use iap_studio::entities::{section_snapshot, section_update};
    use sea_orm::PaginatorTrait;
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let first = section_id(&app, w.obidos.id, "context").await;
    let second = section_id(&app, w.obidos.id, "actions").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    // The second section's rows come first in the log, then the first's.
    let on_second = Editor::connect(&app.address, &cookie, second).await;
    on_second.type_text("Older and still open. ").await;
    eventually("the second section's edit to be stored", || async {
        stored_markdown(&app, second).await.contains("still open")
    })
    .await;
    let on_first = Editor::connect(&app.address, &cookie, first).await;
    on_first.type_text("Newer and folded. ").await;
    eventually("the first section's edit to be stored", || async {
        stored_markdown(&app, first).await.contains("folded")
    })
    .await;
    let first_text = on_first.text();
    let log_rows = |section: Uuid| {
        let db = app.state.db.clone();
        async move {
            section_update::Entity::find()
                .filter(section_update::Column::SectionId.eq(section))
                .count(&db)
                .await
                .unwrap()
        }
    };
    let second_rows = log_rows(second).await;
    assert!(second_rows > 0);

    on_first.close().await;
    eventually("the first section's snapshot", || async {
        section_snapshot::Entity::find_by_id(first)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some()
    })
    .await;
    // The other section's rows are not in any snapshot: none may go.
    assert_eq!(log_rows(second).await, second_rows);
    let again = Editor::connect(&app.address, &cookie, first).await;
    again
        .wait_for("the first section from its snapshot", |e| {
            e.text() == first_text
        })
        .await;
    again.close().await;

    let second_text = on_second.text();
    on_second.close().await;
    eventually("the whole log to be folded away", || async {
        section_update::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
            == 0
    })
    .await;
    let reopened = Editor::connect(&app.address, &cookie, second).await;
    reopened
        .wait_for("the second section from its snapshot", |e| {
            e.text() == second_text
        })
        .await;
}

#[tokio::test]
async fn deleting_a_section_deletes_its_log() {
    // SQLite cascades through the foreign key; PostgreSQL, whose log has no
    // key (it cost a row lock per appended update), through a trigger.
    use iap_studio::sections::store::{self, NewUpdate};
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let gone = section_id(&app, w.obidos.id, "context").await;
    let kept = section_id(&app, w.obidos.id, "actions").await;
    let row = |section| NewUpdate {
        section_id: section,
        data: yrs::Doc::new()
            .transact()
            .encode_state_as_update_v1(&Default::default()),
        user_id: None,
    };
    store::append_rows(&app.state.db, &[row(gone), row(kept), row(gone)])
        .await
        .unwrap();
    app.state
        .db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            app.state.db.get_database_backend(),
            "DELETE FROM sections WHERE id = $1",
            [gone.into()],
        ))
        .await
        .unwrap();
    let rows = |section| {
        let db = app.state.db.clone();
        async move {
            store::updates_between(&db, section, 0, i64::MAX)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(rows(gone).await, 0);
    assert_eq!(rows(kept).await, 1);
}

#[tokio::test]
async fn a_section_whose_old_rows_hold_back_the_log_trim_is_named_for_compaction() {
    use iap_studio::sections::store::{self, NewUpdate, TRIM_LAG};
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let quiet = section_id(&app, w.obidos.id, "context").await;
    let busy = section_id(&app, w.obidos.id, "actions").await;
    let edit = |text: &str| {
        let doc = yrs::Doc::new();
        let mut txn = yrs::Transact::transact_mut(&doc);
        let fragment = txn.get_or_insert_xml_fragment("default");
        let paragraph = yrs::XmlFragment::push_back(
            &fragment,
            &mut txn,
            yrs::XmlElementPrelim::empty("paragraph"),
        );
        yrs::XmlFragment::push_back(&paragraph, &mut txn, yrs::XmlTextPrelim::new(text));
        txn.encode_update_v1()
    };
    let row = |section, text: &str| NewUpdate {
        section_id: section,
        data: edit(text),
        user_id: None,
    };
    // One old unfolded row of the quiet section, then the busy section's
    // rows far beyond it (ids set directly, as if much had been written).
    store::append_rows(&app.state.db, &[row(quiet, "Quiet.")])
        .await
        .unwrap();
    let far = store::append_rows(&app.state.db, &[row(busy, "Busy.")])
        .await
        .unwrap()[0]
        + TRIM_LAG
        + 1;
    log_row_at(&app, far, busy, edit("Much later.")).await;

    let compaction = store::compact(&app.state.db, busy).await.unwrap();
    assert!(compaction.stored);
    if is_postgres() {
        // PostgreSQL deletes exactly the rows folded; nothing is held back.
        assert_eq!(compaction.holding_back, None);
    } else {
        assert_eq!(compaction.holding_back, Some(quiet));
    }
    assert!(stored_markdown(&app, busy).await.contains("Much later."));
    assert!(stored_markdown(&app, quiet).await.contains("Quiet."));
    let compaction = store::compact(&app.state.db, quiet).await.unwrap();
    assert!(compaction.stored);
    assert_eq!(compaction.holding_back, None);
    // Whatever was trimmed, and whatever folded rows are left, both
    // documents read as they were written.
    assert!(stored_markdown(&app, quiet).await.contains("Quiet."));
    let busy_now = stored_markdown(&app, busy).await;
    assert!(busy_now.contains("Busy.") && busy_now.contains("Much later."));
}

#[tokio::test]
async fn when_an_editor_leaves_the_section_holding_back_the_log_trim_is_compacted_too() {
    use iap_studio::{
        entities::section_snapshot,
        sections::store::{self, TRIM_LAG},
    };
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let quiet = section_id(&app, w.obidos.id, "context").await;
    let busy = section_id(&app, w.obidos.id, "actions").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    // The quiet section's one edit is the oldest row of the log...
    let on_quiet = Editor::connect(&app.address, &cookie, quiet).await;
    on_quiet.type_text("Rarely edited. ").await;
    eventually("the quiet section's edit to be stored", || async {
        stored_markdown(&app, quiet)
            .await
            .contains("Rarely edited.")
    })
    .await;
    // ...and the busy section's log has gone far beyond it.
    let far = store::load(&app.state.db, quiet).await.unwrap().last_id() + TRIM_LAG + 1;
    log_row_at(&app, far, busy, yrs::Update::EMPTY_V1.to_vec()).await;
    let on_busy = Editor::connect(&app.address, &cookie, busy).await;
    on_busy.type_text("Written all day. ").await;
    eventually("the busy section's edit to be stored", || async {
        stored_markdown(&app, busy)
            .await
            .contains("Written all day.")
    })
    .await;

    on_busy.close().await;
    let snapshot_of = |section: Uuid| {
        let db = app.state.db.clone();
        async move {
            section_snapshot::Entity::find_by_id(section)
                .one(&db)
                .await
                .unwrap()
        }
    };
    eventually("the busy section's snapshot", || async {
        snapshot_of(busy).await.is_some()
    })
    .await;
    if is_postgres() {
        // PostgreSQL deletes exactly the folded rows: nothing is held back,
        // and the quiet section, still open, is left alone.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(snapshot_of(quiet).await.is_none());
    } else {
        eventually("the quiet section, still open, to be compacted", || async {
            snapshot_of(quiet).await.is_some()
        })
        .await;
    }
    on_quiet.type_text("Still here. ").await;
    eventually("the quiet section's next edit to be stored", || async {
        stored_markdown(&app, quiet)
            .await
            .contains("Still here. Rarely edited.")
    })
    .await;
}

/// Reads `socket` until a message matches (up to 10 s).
async fn read_until(
    socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    what: &str,
    pred: impl Fn(&Message) -> bool,
) -> Message {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                Some(Ok(message)) if pred(&message) => return message,
                Some(Ok(_)) => {}
                other => panic!("the socket ended before {what}: {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test]
async fn the_heartbeat_pings_live_sockets_and_closes_silent_ones() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "context").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    let path = format!("/api/v1/collab/{id}");
    let mut silent = open_socket(&app.address, &path, Some(&cookie))
        .await
        .unwrap();
    let mut talking = open_socket(&app.address, &path, Some(&cookie))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    // The talking peer says something and is answered: the server heard it.
    let step1 = protocol::encode_sync_step1(&yrs::StateVector::default());
    talking.send(Message::binary(step1)).await.unwrap();
    read_until(&mut talking, "the sync step 2", |m| {
        matches!(m, Message::Binary(f)
            if matches!(YMessage::decode_v1(f), Ok(YMessage::Sync(SyncMessage::SyncStep2(_)))))
    })
    .await;

    let (pinged, closed) = app.state.hub.collab().heartbeat(Duration::from_millis(300));
    assert_eq!((pinged, closed), (1, 1));
    read_until(&mut talking, "a ping", |m| matches!(m, Message::Ping(_))).await;
    let close = read_until(&mut silent, "the close frame", |m| {
        matches!(m, Message::Close(_))
    })
    .await;
    let Message::Close(Some(frame)) = close else {
        panic!("a close frame without a code");
    };
    assert_eq!(u16::from(frame.code), 1001);
}

#[tokio::test]
async fn a_room_without_editors_is_dropped_from_memory_and_reloads_from_storage() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let id = section_id(&app, w.obidos.id, "context").await;
    let cookie = session_cookie(&app.address, &w.ulg.0.email).await;
    let collab = app.state.hub.collab();
    let editor = Editor::connect(&app.address, &cookie, id).await;
    editor.type_text("Kept on disk. ").await;
    eventually("the edit to be stored", || async {
        stored_markdown(&app, id).await.contains("Kept on disk.")
    })
    .await;
    // An open room is never dropped, however long it has been idle.
    collab.sweep(Duration::ZERO);
    assert!(collab.loaded(id).is_some());

    editor.close().await;
    eventually("the room to be swept once its last editor left", || async {
        collab.sweep(Duration::ZERO);
        collab.loaded(id).is_none()
    })
    .await;
    let again = Editor::connect(&app.address, &cookie, id).await;
    again
        .wait_for("the document, loaded again from storage", |e| {
            e.text().contains("Kept on disk.")
        })
        .await;
}
