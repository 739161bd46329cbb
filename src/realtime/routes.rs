//! The two WebSockets: `GET /collab/{section_id}` (y-websocket protocol) and
//! `GET /events` (JSON events). Both authorise at the handshake, so a refused
//! caller gets a plain 401/403/404 and never an upgraded socket.
use std::time::Duration;

use axum::{
    body::Bytes,
    extract::{
        State,
        ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
    },
    http::{HeaderMap, header},
    response::Response,
};
use futures_util::{Sink, SinkExt, StreamExt, stream::SplitSink};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::{mpsc, watch};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    collab::{self, CLOSE_GOING_AWAY, ConnHandle, FrameResult, Outgoing, SectionMeta},
    events::rooms_of,
    room::Peer,
};
use crate::{
    app::AppState,
    auth::CurrentUser,
    entities::membership,
    error::{AppError, AppResult},
    http::ApiPath,
    policy, sections,
    stages::locks,
};

/// Collab frames over this size close the socket with 1009 (DESIGN §7).
pub const MAX_FRAME: usize = 1024 * 1024;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_UNSUPPORTED: u16 = 1003;
const CLOSE_NORMAL: u16 = 1000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(collab_socket))
        .routes(routes!(events_socket))
}

/// WebSockets carry the browser's `Origin`; it must be our own site.
fn ensure_same_origin(state: &AppState, headers: &HeaderMap) -> AppResult<()> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let expected = state.public_url.origin().ascii_serialization();
    if origin.to_str().ok().map(|o| o.trim_end_matches('/')) == Some(expected.as_str()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "The request's Origin is not this site.".into(),
        ))
    }
}

/// Live co-editing of one section: the y-websocket protocol (sync step 1/2,
/// updates, awareness). Read-only roles and locked sections receive but
/// cannot write (a permission-denied message, updates dropped).
#[utoipa::path(get, path = "/collab/{id}", tag = "plans", params(("id" = Uuid, Path)),
    responses((status = 101, description = "Switching to the y-websocket protocol"),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
async fn collab_socket(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> AppResult<Response> {
    ensure_same_origin(&state, &headers)?;
    let (section, plan, city) = sections::find_visible(&state.db, &user, id).await?;
    let writable = policy::can_edit_plan(&user, &city)
        && !locks::is_final(&plan)
        && !locks::section_is_locked(&state.db, plan.id, &section.key).await?;
    let meta = SectionMeta {
        section_id: section.id,
        plan_id: plan.id,
        city_id: city.id,
        network_id: city.network_id,
    };
    // Small buffers: an idle editor must cost little memory (tungstenite's
    // default read buffer alone is 128 KiB); they grow for big frames.
    Ok(ws
        .read_buffer_size(4 * 1024)
        .write_buffer_size(8 * 1024)
        .max_message_size(MAX_FRAME * 2)
        .max_frame_size(MAX_FRAME * 2)
        .on_upgrade(move |socket| run_collab(state, socket, meta, user, writable)))
}

async fn run_collab(
    state: AppState,
    socket: WebSocket,
    meta: SectionMeta,
    user: CurrentUser,
    writable: bool,
) {
    let _open = state.metrics.socket_opened("collab");
    let (handle, out, lifeline) = ConnHandle::new(user.id(), user.user.name.clone());
    let (room, conn) = state.hub.collab().connect(meta, handle);
    let mut peer = Peer::new(writable);
    let (sink, mut stream) = socket.split();
    let writer = tokio::spawn(write_frames(sink, out, lifeline.watch()));
    if let Err(e) = collab::open(&state, &room, conn).await {
        tracing::warn!(error = %e, "opening a section failed");
        lifeline.close(collab::CLOSE_SERVER_ERROR);
    }
    // Silence is found by the heartbeat (`collab::run_heartbeat`): no timer
    // per socket and read.
    let mut closed = lifeline.watch();
    let mut closing = std::pin::pin!(closed.changed());
    loop {
        let next = tokio::select! {
            biased;
            _ = &mut closing => break,
            next = stream.next() => next,
        };
        lifeline.heard();
        let code = match next {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => Some(CLOSE_NORMAL),
            Some(Ok(Message::Binary(frame))) if frame.len() > MAX_FRAME => Some(CLOSE_TOO_BIG),
            Some(Ok(Message::Binary(frame))) => {
                match collab::handle_frame(&state, &room, conn, &mut peer, user.id(), &frame).await
                {
                    FrameResult::Ok => None,
                    FrameResult::Close(code, why) => {
                        tracing::info!(code, reason = %why, "closing a collab socket");
                        Some(code)
                    }
                }
            }
            Some(Ok(Message::Text(_))) => Some(CLOSE_UNSUPPORTED),
            Some(Ok(_)) => None, // ping/pong: axum answers pings itself
        };
        if let Some(code) = code {
            lifeline.close(code);
            break;
        }
    }
    collab::leave(&state, &room, conn, &mut peer).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
}

/// Sends queued frames and pings (coalescing a burst into one flush), and
/// the close frame when ordered.
async fn write_frames<S>(
    mut sink: SplitSink<S, Message>,
    mut out: mpsc::Receiver<Outgoing>,
    mut close: watch::Receiver<Option<u16>>,
) where
    SplitSink<S, Message>: Sink<Message> + Unpin,
{
    let message = |item| match item {
        Outgoing::Frame(frame) => Message::Binary(frame),
        Outgoing::Ping => Message::Ping(Bytes::new()),
    };
    {
        // One wait for the close order for the socket's whole life: a new
        // one per frame cost a waiter list insert and removal each time.
        let mut closing = std::pin::pin!(close.changed());
        loop {
            tokio::select! {
                biased;
                _ = &mut closing => break,
                item = out.recv() => {
                    let Some(item) = item else { break };
                    if sink.feed(message(item)).await.is_err() {
                        return;
                    }
                    while let Ok(item) = out.try_recv() {
                        if sink.feed(message(item)).await.is_err() {
                            return;
                        }
                    }
                    if sink.flush().await.is_err() {
                        return;
                    }
                }
            }
        }
    }
    let code = close.borrow().unwrap_or(CLOSE_NORMAL);
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: "".into(),
        })))
        .await;
}

/// Live JSON events the signed-in user may see (DESIGN §6); the rooms follow
/// the user's memberships as they change.
#[utoipa::path(get, path = "/events", tag = "plans",
    responses((status = 101, description = "Switching to a stream of JSON events"),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
async fn events_socket(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> AppResult<Response> {
    ensure_same_origin(&state, &headers)?;
    Ok(ws
        .read_buffer_size(4 * 1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |socket| run_events(state, socket, user)))
}

async fn run_events(state: AppState, socket: WebSocket, user: CurrentUser) {
    let _open = state.metrics.socket_opened("events");
    let mut user = user;
    let mut subscription = state.hub.join(rooms_of(&user));
    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval(state.config.heartbeat());
    ping.tick().await;
    // Checked at each ping rather than by a timeout around each read, which
    // every event sent would restart.
    let mut heard_at = tokio::time::Instant::now();
    let silent_limit = state.config.silent_limit();
    let code = loop {
        tokio::select! {
            event = subscription.rx.recv() => {
                // `None`: the hub dropped us for being too slow.
                let Some(json) = event else { break collab::CLOSE_TRY_AGAIN };
                if concerns_membership_of(&json, user.id()) {
                    if let Ok(memberships) = membership::Entity::find()
                        .filter(membership::Column::UserId.eq(user.id()))
                        .all(&state.db)
                        .await
                    {
                        user.memberships = memberships;
                    }
                    if !subscription.rejoin(rooms_of(&user)) {
                        break collab::CLOSE_TRY_AGAIN;
                    }
                }
                if !send_within(&mut sink, Message::Text(json.as_ref().into()), silent_limit).await {
                    break CLOSE_NORMAL;
                }
            }
            incoming = stream.next() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break CLOSE_NORMAL,
                Some(Ok(_)) => heard_at = tokio::time::Instant::now(),
            },
            _ = ping.tick() => {
                if heard_at.elapsed() > silent_limit {
                    break CLOSE_GOING_AWAY;
                }
                if !send_within(&mut sink, Message::Ping(Bytes::new()), silent_limit).await {
                    break CLOSE_NORMAL;
                }
            }
        }
    };
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: "".into(),
        })))
        .await;
}

/// Sends one message; false when the socket failed or its peer has not taken
/// it within `limit` (a dead peer whose buffers are full would block forever).
async fn send_within(
    sink: &mut SplitSink<WebSocket, Message>,
    message: Message,
    limit: Duration,
) -> bool {
    matches!(
        tokio::time::timeout(limit, sink.send(message)).await,
        Ok(Ok(()))
    )
}

/// A membership event about this very user: what they may see changed.
fn concerns_membership_of(json: &str, user: Uuid) -> bool {
    if !json.contains("\"type\":\"member") {
        return false;
    }
    serde_json::from_str::<super::Event>(json)
        .ok()
        .and_then(|e| e.member_user())
        == Some(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_events_are_recognised_for_their_user_only() {
        let me = Uuid::now_v7();
        let event = super::super::Event::new(
            "member.joined",
            None,
            None,
            serde_json::json!({ "user_id": me }),
        );
        let json = serde_json::to_string(&event).unwrap_or_default();
        assert!(concerns_membership_of(&json, me));
        assert!(!concerns_membership_of(&json, Uuid::now_v7()));
    }
}
