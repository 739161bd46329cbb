//! The y-websocket wire protocol (as spoken by `WebsocketProvider` from y-websocket 3.x and the
//! y-protocols `sync`/`awareness`/`auth` modules), on top of yrs' encoders.
//!
//! One WebSocket binary frame carries exactly ONE message (the browser reads one per frame), as
//! `varUint(type)` followed by the payload:
//! * `0` sync: `varUint(0)` step 1 + `varBuf(state vector)` | `varUint(1)` step 2 + `varBuf(update)`
//!   | `varUint(2)` update + `varBuf(update)` (updates are lib0 v1 encoded);
//! * `1` awareness: `varBuf(varUint(n) × [varUint(clientID), varUint(clock), varString(json)])`;
//! * `2` auth: `varUint(0)` permission denied + `varString(reason)` (the only kind the stock
//!   client understands: it logs the reason and keeps the connection);
//! * `3` query awareness: no payload.
//!
//! [`decode_frame`] validates everything a frame carries (an update is fully decoded with
//! `Update::decode_v1`, awareness states must be JSON) before anything is applied, so a bad frame
//! can be refused (close code 1003) with the document untouched.

use yrs::encoding::read::{Cursor, Read};
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::protocol::{
    MSG_AUTH, MSG_AWARENESS, MSG_QUERY_AWARENESS, MSG_SYNC, MSG_SYNC_STEP_1, MSG_SYNC_STEP_2,
    MSG_SYNC_UPDATE, PERMISSION_DENIED,
};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{StateVector, Update};

/// WebSocket close code for a frame we cannot accept ("unsupported data").
pub const CLOSE_UNSUPPORTED_DATA: u16 = 1003;

/// A decoded, validated client frame.
#[derive(Debug)]
pub enum ClientMessage {
    /// The client's state vector: answer with step 2 (what it is missing).
    SyncStep1(StateVector),
    /// The client's answer to our step 1 (what we are missing).
    SyncStep2(ValidUpdate),
    /// An incremental edit.
    Update(ValidUpdate),
    /// Presence (cursor, user name/colour) of one or more clients.
    Awareness(AwarenessUpdate),
    /// The client asks for all known awareness states.
    QueryAwareness,
    /// Auth message (`None` = permission granted); clients do not normally send these.
    Auth(Option<String>),
}

/// A document update that decoded successfully; `raw` is the lib0 v1 payload as received.
#[derive(Debug)]
pub struct ValidUpdate {
    pub update: Update,
    pub raw: Vec<u8>,
}

/// Why a frame was refused. Every variant means: close with [`CLOSE_UNSUPPORTED_DATA`].
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("empty frame")]
    Empty,
    #[error("malformed frame: {0}")]
    Malformed(#[from] yrs::encoding::read::Error),
    #[error("unknown message type {0}")]
    UnknownMessage(u64),
    #[error("unknown sync message type {0}")]
    UnknownSyncMessage(u64),
    #[error("unknown auth message type {0}")]
    UnknownAuthMessage(u64),
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    #[error("awareness state of client {0} is not valid JSON")]
    AwarenessJson(u64),
}

impl ProtocolError {
    /// The WebSocket close code to use.
    pub fn close_code(&self) -> u16 {
        CLOSE_UNSUPPORTED_DATA
    }
}

/// Decodes and validates one client frame.
pub fn decode_frame(frame: &[u8]) -> Result<ClientMessage, ProtocolError> {
    if frame.is_empty() {
        return Err(ProtocolError::Empty);
    }
    let mut cursor = Cursor::new(frame);
    let kind: u64 = cursor.read_var()?;
    let message = match kind {
        k if k == u64::from(MSG_SYNC) => {
            let sync_kind: u64 = cursor.read_var()?;
            let payload = cursor.read_buf()?;
            match sync_kind {
                k if k == u64::from(MSG_SYNC_STEP_1) => {
                    ClientMessage::SyncStep1(StateVector::decode_v1(payload)?)
                }
                k if k == u64::from(MSG_SYNC_STEP_2) => {
                    ClientMessage::SyncStep2(validate_update(payload)?)
                }
                k if k == u64::from(MSG_SYNC_UPDATE) => {
                    ClientMessage::Update(validate_update(payload)?)
                }
                other => return Err(ProtocolError::UnknownSyncMessage(other)),
            }
        }
        k if k == u64::from(MSG_AWARENESS) => {
            let payload = cursor.read_buf()?;
            let update = AwarenessUpdate::decode_v1(payload)?;
            for (client, entry) in &update.clients {
                // Other browsers JSON.parse these; a bad one would break their presence.
                if serde_json::from_str::<serde_json::Value>(&entry.json).is_err() {
                    return Err(ProtocolError::AwarenessJson(client.get()));
                }
            }
            ClientMessage::Awareness(update)
        }
        k if k == u64::from(MSG_AUTH) => {
            let auth_kind: u64 = cursor.read_var()?;
            if auth_kind == u64::from(PERMISSION_DENIED) {
                ClientMessage::Auth(Some(cursor.read_string()?.to_owned()))
            } else if auth_kind == u64::from(yrs::sync::protocol::PERMISSION_GRANTED) {
                ClientMessage::Auth(None)
            } else {
                return Err(ProtocolError::UnknownAuthMessage(auth_kind));
            }
        }
        k if k == u64::from(MSG_QUERY_AWARENESS) => ClientMessage::QueryAwareness,
        other => return Err(ProtocolError::UnknownMessage(other)),
    };
    let rest = frame.len() - cursor.next;
    if rest > 0 {
        return Err(ProtocolError::TrailingBytes(rest));
    }
    Ok(message)
}

fn validate_update(payload: &[u8]) -> Result<ValidUpdate, ProtocolError> {
    let update = Update::decode_v1(payload)?;
    Ok(ValidUpdate {
        update,
        raw: payload.to_vec(),
    })
}

/// `sync step 1`: our state vector, asking the peer for what we miss.
pub fn encode_sync_step1(state_vector: &StateVector) -> Vec<u8> {
    Message::Sync(SyncMessage::SyncStep1(state_vector.clone())).encode_v1()
}

/// `sync step 2`: the update (v1) the peer misses, answering its step 1.
pub fn encode_sync_step2(update: &[u8]) -> Vec<u8> {
    Message::Sync(SyncMessage::SyncStep2(update.to_vec())).encode_v1()
}

/// `sync update`: an incremental update (v1) to broadcast.
pub fn encode_update(update: &[u8]) -> Vec<u8> {
    Message::Sync(SyncMessage::Update(update.to_vec())).encode_v1()
}

/// Awareness states to send.
pub fn encode_awareness(update: &AwarenessUpdate) -> Vec<u8> {
    Message::Awareness(update.clone()).encode_v1()
}

/// Ask the peer for its awareness states.
pub fn encode_query_awareness() -> Vec<u8> {
    Message::AwarenessQuery.encode_v1()
}

/// `auth / permission denied`: y-websocket's client calls its permission-denied handler with
/// `reason` (by default a console warning); the connection stays open.
pub fn encode_permission_denied(reason: &str) -> Vec<u8> {
    Message::Auth(Some(reason.to_owned())).encode_v1()
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::{Doc, GetString, ReadTxn, Text, Transact};

    #[test]
    fn permission_denied_is_what_y_websocket_reads() {
        // messageAuth = 2, messagePermissionDenied = 0, varString(reason)
        assert_eq!(encode_permission_denied("no"), vec![2, 0, 2, b'n', b'o']);
        assert!(matches!(
            decode_frame(&encode_permission_denied("no")),
            Ok(ClientMessage::Auth(Some(r))) if r == "no"
        ));
    }

    #[test]
    fn every_kind_decodes() {
        let doc = Doc::with_client_id(1);
        let text = doc.get_or_insert_text("t");
        let update = {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 0, "hi");
            txn.encode_update_v1()
        };
        let sv = doc.transact().state_vector();
        assert!(matches!(
            decode_frame(&encode_sync_step1(&sv)),
            Ok(ClientMessage::SyncStep1(s)) if s == sv
        ));
        assert!(matches!(
            decode_frame(&encode_sync_step2(&update)),
            Ok(ClientMessage::SyncStep2(u)) if u.raw == update
        ));
        let Ok(ClientMessage::Update(valid)) = decode_frame(&encode_update(&update)) else {
            panic!()
        };
        let other = Doc::new();
        other.transact_mut().apply_update(valid.update).unwrap();
        assert_eq!(
            other.get_or_insert_text("t").get_string(&other.transact()),
            "hi"
        );
        assert!(matches!(
            decode_frame(&encode_query_awareness()),
            Ok(ClientMessage::QueryAwareness)
        ));
        let mut awareness = yrs::sync::Awareness::new(doc);
        awareness.set_local_state_raw("{\"user\":{\"name\":\"A\"}}");
        let frame = encode_awareness(&awareness.update().unwrap());
        assert_eq!(frame[0], 1);
        assert!(matches!(
            decode_frame(&frame),
            Ok(ClientMessage::Awareness(_))
        ));
    }

    #[test]
    fn errors_close_with_1003() {
        for frame in [
            &[][..],
            &[0][..],
            &[0, 3, 0][..],
            &[4][..],
            &[3, 0][..],
            &[2, 5][..],
        ] {
            let err = decode_frame(frame).unwrap_err();
            assert_eq!(err.close_code(), 1003, "{frame:?}: {err}");
        }
    }
}
