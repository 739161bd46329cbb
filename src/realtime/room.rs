//! One live section document on the server, as plain data (no I/O, no locks, no awaits): the
//! caller owns a `Room` per open section (behind its own mutex), feeds it client frames and
//! does what the returned [`Outcome`] says — persist, then broadcast, then reply.
//!
//! Rules implemented here:
//! * on connect the server sends its sync step 1 (and the known awareness states);
//! * a client's step 1 is answered with step 2; step 2 and updates are applied if the client
//!   may write, otherwise dropped, with ONE permission-denied message per connection;
//! * awareness changes are re-broadcast to everybody INCLUDING the sender (the stock provider
//!   closes a connection that received nothing for 30 s; the reference server echoes too);
//! * updates that would make the encoded document exceed the size limit are refused;
//! * an update that fails while being applied poisons the room: the in-memory doc may be half
//!   changed, so the caller must drop the room and reload it from storage.

use std::collections::HashSet;

use yrs::sync::Awareness;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::updates::decoder::Decode;
use yrs::{ClientID, Doc, ReadTxn, StateVector, Transact, Update};

use super::protocol::{self, ClientMessage, ProtocolError, ValidUpdate};
use crate::sections::document;

/// Largest encoded document a room accepts (DESIGN §7).
pub const MAX_DOC_BYTES: usize = 5 * 1024 * 1024;

/// What the server must do after handling one client frame. Order: persist `update`, then
/// broadcast it (as [`Outcome::update_frame`]) to the other connections, send `awareness` to
/// every connection including the sender, and send `reply` frames to the sender.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Frames for the sender only, in order (one message per frame).
    pub reply: Vec<Vec<u8>>,
    /// The change this frame made to the document (lib0 v1, one merged update): persist it,
    /// then broadcast it. `None` when nothing changed (duplicate, or read-only sender).
    pub update: Option<Vec<u8>>,
    /// Awareness frame for every connection, the sender included.
    pub awareness: Option<Vec<u8>>,
    /// The sender tried to write without permission (its change was dropped).
    pub denied: bool,
}

impl Outcome {
    /// The `sync update` frame to broadcast for [`Outcome::update`].
    pub fn update_frame(&self) -> Option<Vec<u8>> {
        self.update.as_deref().map(protocol::encode_update)
    }
}

/// Per-connection state the room needs; the caller keeps one per WebSocket.
#[derive(Debug)]
pub struct Peer {
    can_write: bool,
    denied_sent: bool,
    /// Awareness client ids announced over this connection, removed when it closes.
    awareness_ids: HashSet<u64>,
}

impl Peer {
    pub fn new(can_write: bool) -> Self {
        Self {
            can_write,
            denied_sent: false,
            awareness_ids: HashSet::new(),
        }
    }

    pub fn can_write(&self) -> bool {
        self.can_write
    }

    /// Role changes while connected (e.g. membership edited) take effect on the next frame.
    pub fn set_can_write(&mut self, can_write: bool) {
        self.can_write = can_write;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error("the update could not be applied: {0}")]
    Apply(String),
    #[error("the section would be {size} bytes, over the {limit} byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("the room is inconsistent after a failed update and must be reloaded")]
    Poisoned,
    #[error("stored document data is invalid: {0}")]
    Storage(String),
}

impl RoomError {
    /// WebSocket close code: 1003 for bad data, 1009 for a too large document, 1011 when the
    /// room must be reloaded.
    pub fn close_code(&self) -> u16 {
        match self {
            RoomError::Protocol(_) | RoomError::Apply(_) => protocol::CLOSE_UNSUPPORTED_DATA,
            RoomError::TooLarge { .. } => 1009,
            RoomError::Poisoned | RoomError::Storage(_) => 1011,
        }
    }
}

/// Reason sent to read-only clients (shown in the browser console by the stock provider).
const READ_ONLY_REASON: &str = "read-only: your role cannot edit this section";

pub struct Room {
    awareness: Awareness,
    max_doc_bytes: usize,
    /// Encoded size at the last exact measurement plus the size of updates applied since:
    /// an upper bound in practice, so the exact (costly) measurement runs only near the limit.
    size_estimate: usize,
    poisoned: bool,
}

impl std::fmt::Debug for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Room")
            .field("size_estimate", &self.size_estimate)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl Room {
    /// A room over an already loaded document (see [`load`]).
    pub fn new(doc: Doc) -> Self {
        let size_estimate = encode_state(&doc).len();
        Self {
            awareness: Awareness::new(doc),
            max_doc_bytes: MAX_DOC_BYTES,
            size_estimate,
            poisoned: false,
        }
    }

    /// Loads a room from a snapshot and the update log after it.
    pub fn load(snapshot: Option<&[u8]>, tail: &[Vec<u8>]) -> Result<Self, RoomError> {
        Ok(Self::new(load(snapshot, tail)?))
    }

    pub fn with_max_doc_bytes(mut self, max: usize) -> Self {
        self.max_doc_bytes = max;
        self
    }

    pub fn doc(&self) -> &Doc {
        self.awareness.doc()
    }

    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Full document state (lib0 v1), e.g. to write a compacted snapshot.
    pub fn encode_state(&self) -> Vec<u8> {
        encode_state(self.doc())
    }

    /// Markdown of the current content.
    pub fn markdown(&self) -> String {
        document::fragment_to_markdown(self.doc())
    }

    /// Frames to send on a new connection: our sync step 1, then the awareness states.
    pub fn on_connect(&self) -> Vec<Vec<u8>> {
        let sv = self.doc().transact().state_vector();
        let mut frames = vec![protocol::encode_sync_step1(&sv)];
        if let Some(frame) = self.all_awareness_frame() {
            frames.push(frame);
        }
        frames
    }

    /// Forgets the presence a closing connection announced; the returned frame goes to the
    /// remaining connections.
    pub fn on_disconnect(&mut self, peer: &mut Peer) -> Option<Vec<u8>> {
        let ids: Vec<ClientID> = peer.awareness_ids.drain().map(ClientID::new).collect();
        if ids.is_empty() {
            return None;
        }
        for id in &ids {
            self.awareness.remove_state(*id);
        }
        let update = self.awareness.update_with_clients(ids).ok()?;
        Some(protocol::encode_awareness(&update))
    }

    /// Handles one binary frame from a client. On `Err`, close the socket with
    /// [`RoomError::close_code`]; the document is unchanged (or the room is poisoned).
    pub fn handle_client_frame(
        &mut self,
        peer: &mut Peer,
        frame: &[u8],
    ) -> Result<Outcome, RoomError> {
        if self.poisoned {
            return Err(RoomError::Poisoned);
        }
        let message = protocol::decode_frame(frame)?;
        let mut outcome = Outcome::default();
        match message {
            ClientMessage::SyncStep1(sv) => {
                let diff = self.doc().transact().encode_diff_v1(&sv);
                outcome.reply.push(protocol::encode_sync_step2(&diff));
            }
            ClientMessage::SyncStep2(update) | ClientMessage::Update(update) => {
                if !peer.can_write {
                    if !peer.denied_sent && self.would_change(&update.update) {
                        peer.denied_sent = true;
                        outcome.denied = true;
                        outcome
                            .reply
                            .push(protocol::encode_permission_denied(READ_ONLY_REASON));
                    }
                    return Ok(outcome);
                }
                outcome.update = self.apply_checked(update)?;
            }
            ClientMessage::Awareness(update) => {
                outcome.awareness = self.apply_awareness(peer, update);
            }
            ClientMessage::QueryAwareness => {
                if let Some(frame) = self.all_awareness_frame() {
                    outcome.reply.push(frame);
                }
            }
            ClientMessage::Auth(_) => {}
        }
        Ok(outcome)
    }

    /// Applies an update that is already persisted (e.g. relayed from another instance through
    /// LISTEN/NOTIFY). No size check: storage is the source of truth. Returns the frame to
    /// broadcast to local connections, if it changed anything here.
    pub fn apply_persisted_update(&mut self, update: &[u8]) -> Result<Option<Vec<u8>>, RoomError> {
        if self.poisoned {
            return Err(RoomError::Poisoned);
        }
        let decoded = Update::decode_v1(update).map_err(ProtocolError::from)?;
        let delta = self.apply(decoded)?;
        self.size_estimate = self.size_estimate.saturating_add(update.len());
        Ok(delta.map(|d| protocol::encode_update(&d)))
    }

    /// Replaces the content with Markdown (`PUT /sections/{id}/content`) as one update, with
    /// the same size rule as client edits. Returns the update to persist and broadcast, `None`
    /// when the content is already equal.
    pub fn apply_markdown(&mut self, markdown: &str) -> Result<Option<Vec<u8>>, RoomError> {
        if self.poisoned {
            return Err(RoomError::Poisoned);
        }
        // Build the change on a copy with our client id, so the room's doc is only touched
        // once the change passed the size check (same path as a client update).
        let scratch = Doc::with_client_id(self.doc().client_id().get());
        {
            let state = self.encode_state();
            let update = Update::decode_v1(&state).map_err(|e| RoomError::Apply(e.to_string()))?;
            scratch
                .transact_mut()
                .apply_update(update)
                .map_err(|e| RoomError::Apply(e.to_string()))?;
        }
        let raw = document::replace_with_markdown(&scratch, markdown);
        let update = Update::decode_v1(&raw).map_err(|e| RoomError::Apply(e.to_string()))?;
        if update.is_empty() {
            return Ok(None);
        }
        self.apply_checked(ValidUpdate { update, raw })
    }

    fn apply_checked(&mut self, update: ValidUpdate) -> Result<Option<Vec<u8>>, RoomError> {
        self.check_size(&update.raw)?;
        let delta = self.apply(update.update)?;
        if let Some(delta) = &delta {
            self.size_estimate = self.size_estimate.saturating_add(delta.len());
        }
        Ok(delta)
    }

    /// Applies in one transaction and returns exactly what changed (v1), which is what gets
    /// persisted and broadcast: duplicates produce nothing, and out-of-order updates held back
    /// by yrs appear once their dependencies arrive.
    fn apply(&mut self, update: Update) -> Result<Option<Vec<u8>>, RoomError> {
        let doc = self.awareness.doc();
        let mut txn = doc.transact_mut();
        if let Err(e) = txn.apply_update(update) {
            self.poisoned = true;
            return Err(RoomError::Apply(e.to_string()));
        }
        let delta = txn.encode_update_v1();
        drop(txn);
        let empty = Update::decode_v1(&delta)
            .map(|u| u.is_empty())
            .unwrap_or(false);
        Ok(if empty { None } else { Some(delta) })
    }

    fn check_size(&mut self, raw: &[u8]) -> Result<(), RoomError> {
        let limit = self.max_doc_bytes;
        if self.size_estimate.saturating_add(raw.len()) <= limit {
            return Ok(());
        }
        let state = self.encode_state();
        self.size_estimate = state.len();
        if state.len().saturating_add(raw.len()) <= limit {
            return Ok(());
        }
        let merged = yrs::merge_updates_v1([state.as_slice(), raw])
            .map_err(|e| RoomError::Apply(e.to_string()))?;
        if merged.len() > limit {
            return Err(RoomError::TooLarge {
                size: merged.len(),
                limit,
            });
        }
        Ok(())
    }

    /// Whether an update carries anything the document does not have yet (new blocks, or
    /// deletions of content not yet deleted). Used only to decide whether a read-only client
    /// deserves a permission-denied message; its reconnect step 2 repeats the delete set.
    fn would_change(&self, update: &Update) -> bool {
        let txn = self.doc().transact();
        if update.extends(&txn.state_vector()) {
            return true;
        }
        let known = txn.snapshot().delete_set;
        update.delete_set().iter().any(|(client, ranges)| {
            ranges.iter().any(|range| {
                let start = yrs::ID::new(*client, range.start);
                let last = yrs::ID::new(*client, range.end.saturating_sub(1));
                !known.contains(&start) || !known.contains(&last)
            })
        })
    }

    fn apply_awareness(&mut self, peer: &mut Peer, update: AwarenessUpdate) -> Option<Vec<u8>> {
        let own = self.doc().client_id();
        let mut update = update;
        update.clients.remove(&own);
        let summary = self.awareness.apply_update_summary(update).ok()??;
        for id in summary.added.iter().chain(&summary.updated) {
            peer.awareness_ids.insert(id.get());
        }
        for id in &summary.removed {
            peer.awareness_ids.remove(&id.get());
        }
        let changed = summary.all_changes();
        let update = self.awareness.update_with_clients(changed).ok()?;
        Some(protocol::encode_awareness(&update))
    }

    fn all_awareness_frame(&self) -> Option<Vec<u8>> {
        let update = self.awareness.update().ok()?;
        if update.clients.is_empty() {
            None
        } else {
            Some(protocol::encode_awareness(&update))
        }
    }
}

/// Full state of a document as one update (lib0 v1).
pub fn encode_state(doc: &Doc) -> Vec<u8> {
    doc.transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// Rebuilds a document from a compacted snapshot plus the updates logged after it. Compaction:
/// `encode_state(&load(snapshot, tail)?)` becomes the new snapshot and the tail rows it covered
/// are deleted (same DB transaction). Re-encoding a loaded doc is far cheaper and smaller than
/// merging thousands of raw updates.
pub fn load(snapshot: Option<&[u8]>, tail: &[Vec<u8>]) -> Result<Doc, RoomError> {
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        for bytes in snapshot.into_iter().chain(tail.iter().map(Vec::as_slice)) {
            let update = Update::decode_v1(bytes).map_err(|e| RoomError::Storage(e.to_string()))?;
            txn.apply_update(update)
                .map_err(|e| RoomError::Storage(e.to_string()))?;
        }
    }
    Ok(doc)
}

/// Merges several v1 updates into one without a document (e.g. to batch a broadcast).
pub fn merge_updates(updates: Vec<Vec<u8>>) -> Result<Vec<u8>, RoomError> {
    yrs::merge_updates_v1(updates).map_err(|e| RoomError::Storage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sections::document::{FRAGMENT_NAME, fragment_to_markdown, replace_with_markdown};
    use std::time::Instant;
    use yrs::sync::{Message, SyncMessage};
    use yrs::{
        Array, ArrayPrelim, Map, MapPrelim, Text, WriteTxn, XmlFragment, XmlOut, XmlTextPrelim,
    };

    /// A browser stand-in: a yrs doc plus its awareness, speaking frames with the room.
    struct Client {
        doc: Doc,
        awareness: Awareness,
        peer: Peer,
    }

    impl Client {
        fn new(id: u64, can_write: bool) -> Self {
            let doc = Doc::with_client_id(id);
            Self {
                awareness: Awareness::new(doc.clone()),
                doc,
                peer: Peer::new(can_write),
            }
        }

        /// What WebsocketProvider does on open, answered by the room.
        fn connect(&mut self, room: &mut Room) {
            for frame in room.on_connect() {
                if let Some(answer) = self.receive(&frame) {
                    room.handle_client_frame(&mut self.peer, &answer).unwrap();
                }
            }
            let sv = self.doc.transact().state_vector();
            let out = room
                .handle_client_frame(&mut self.peer, &protocol::encode_sync_step1(&sv))
                .unwrap();
            for frame in out.reply {
                self.receive(&frame);
            }
        }

        /// Applies one server frame; returns the answer frame, if any (step 1 -> step 2).
        fn receive(&mut self, frame: &[u8]) -> Option<Vec<u8>> {
            match Message::decode_v1(frame).unwrap() {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let diff = self.doc.transact().encode_diff_v1(&sv);
                    Some(protocol::encode_sync_step2(&diff))
                }
                Message::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => {
                    self.doc
                        .transact_mut()
                        .apply_update(Update::decode_v1(&u).unwrap())
                        .unwrap();
                    None
                }
                Message::Awareness(u) => {
                    self.awareness.apply_update(u).unwrap();
                    None
                }
                _ => None,
            }
        }

        /// Types `text` at the start of the first paragraph; returns the update frame.
        fn type_text(&self, text: &str) -> Vec<u8> {
            let mut txn = self.doc.transact_mut();
            let frag = txn.get_or_insert_xml_fragment(FRAGMENT_NAME);
            let p = match frag.get(&txn, 0) {
                Some(XmlOut::Element(p)) => p,
                _ => frag.insert(&mut txn, 0, yrs::XmlElementPrelim::empty("paragraph")),
            };
            let t = match p.get(&txn, 0) {
                Some(XmlOut::Text(t)) => t,
                _ => p.insert(&mut txn, 0, XmlTextPrelim::new("")),
            };
            t.insert(&mut txn, 0, text);
            protocol::encode_update(&txn.encode_update_v1())
        }

        fn presence(&mut self, name: &str) -> Vec<u8> {
            self.awareness
                .set_local_state_raw(format!("{{\"user\":{{\"name\":\"{name}\"}}}}"));
            protocol::encode_awareness(&self.awareness.update().unwrap())
        }

        fn markdown(&self) -> String {
            fragment_to_markdown(&self.doc)
        }
    }

    fn seeded_room(markdown: &str) -> Room {
        let doc = Doc::new();
        replace_with_markdown(&doc, markdown);
        Room::new(doc)
    }

    /// Sends a frame and fans the outcome out to `others` the way the server must.
    fn send(
        room: &mut Room,
        from: &mut Client,
        others: &mut [&mut Client],
        frame: &[u8],
    ) -> Outcome {
        let out = room.handle_client_frame(&mut from.peer, frame).unwrap();
        for frame in &out.reply {
            from.receive(frame);
        }
        if let Some(frame) = out.update_frame() {
            for other in others.iter_mut() {
                other.receive(&frame);
            }
        }
        if let Some(frame) = &out.awareness {
            from.receive(frame);
            for other in others.iter_mut() {
                other.receive(frame);
            }
        }
        out
    }

    #[test]
    fn clients_converge() {
        let mut room = seeded_room("Shared start.\n");
        let mut a = Client::new(1, true);
        let mut b = Client::new(2, true);
        a.connect(&mut room);
        b.connect(&mut room);
        assert_eq!(a.markdown(), "Shared start.\n");
        assert_eq!(b.markdown(), "Shared start.\n");

        let fa = a.type_text("A says hi. ");
        let fb = b.type_text("B says hi. ");
        let out = send(&mut room, &mut a, &mut [&mut b], &fa);
        assert!(out.update.is_some());
        send(&mut room, &mut b, &mut [&mut a], &fb);

        let server = room.markdown();
        assert!(
            server.contains("A says hi.") && server.contains("B says hi."),
            "{server}"
        );
        assert_eq!(a.markdown(), server);
        assert_eq!(b.markdown(), server);

        // A late joiner gets everything through step 1 / step 2.
        let mut c = Client::new(3, true);
        c.connect(&mut room);
        assert_eq!(c.markdown(), server);

        // A duplicate update changes nothing and broadcasts nothing.
        let out = room.handle_client_frame(&mut a.peer, &fa).unwrap();
        assert!(out.update.is_none());
    }

    #[test]
    fn offline_edits_upload_through_step2() {
        let mut room = seeded_room("Base.\n");
        let mut a = Client::new(1, true);
        a.connect(&mut room);
        let _ = a.type_text("Offline. "); // never sent
        let mut reconnect_peer = Peer::new(true);
        std::mem::swap(&mut a.peer, &mut reconnect_peer);
        a.connect(&mut room);
        assert_eq!(room.markdown(), "Offline. Base.\n");
    }

    #[test]
    fn awareness_reaches_others_and_echoes_to_sender() {
        let mut room = seeded_room("x");
        let mut a = Client::new(1, true);
        let mut b = Client::new(2, false); // read-only users still show presence
        a.connect(&mut room);
        b.connect(&mut room);

        let frame = a.presence("Ana");
        let out = send(&mut room, &mut a, &mut [&mut b], &frame);
        assert!(out.awareness.is_some(), "sender must get an echo too");
        let seen: Option<String> = b
            .awareness
            .state::<serde_json::Value>(ClientID::new(1))
            .map(|v| v["user"]["name"].to_string());
        assert_eq!(seen.as_deref(), Some("\"Ana\""));

        // A renewal with the same state (what the provider sends every 15 s) is echoed as well.
        let renewal = a.presence("Ana");
        let out = send(&mut room, &mut a, &mut [&mut b], &renewal);
        assert!(out.awareness.is_some());

        // Newcomers get current presence on connect; query-awareness is answered.
        let mut c = Client::new(3, true);
        c.connect(&mut room);
        assert!(
            c.awareness
                .state::<serde_json::Value>(ClientID::new(1))
                .is_some()
        );
        let out = room
            .handle_client_frame(&mut c.peer, &protocol::encode_query_awareness())
            .unwrap();
        assert_eq!(out.reply.len(), 1);

        // Closing A's socket removes its presence for the others.
        let gone = room.on_disconnect(&mut a.peer).unwrap();
        b.receive(&gone);
        assert!(
            b.awareness
                .state::<serde_json::Value>(ClientID::new(1))
                .is_none()
        );
        assert!(room.on_disconnect(&mut b.peer).is_none());
    }

    #[test]
    fn read_only_client_is_refused_once() {
        let mut room = seeded_room("Original.\n");
        let mut r = Client::new(5, false);
        // Connecting (including its step 2 answer with the delete set) is not a write attempt.
        for frame in room.on_connect() {
            if let Some(answer) = r.receive(&frame) {
                let out = room.handle_client_frame(&mut r.peer, &answer).unwrap();
                assert!(!out.denied);
            }
        }
        let sv = r.doc.transact().state_vector();
        let out = room
            .handle_client_frame(&mut r.peer, &protocol::encode_sync_step1(&sv))
            .unwrap();
        for f in &out.reply {
            r.receive(f);
        }
        // Make the server doc contain deletions, then resync: still not a write attempt.
        room.apply_markdown("Changed.\n").unwrap();
        let diff = r
            .doc
            .transact()
            .encode_diff_v1(&room.doc().transact().state_vector());
        let out = room
            .handle_client_frame(&mut r.peer, &protocol::encode_sync_step2(&diff))
            .unwrap();
        assert!(!out.denied);

        let before = room.encode_state();
        let out = {
            let f = r.type_text("Hack. ");
            room.handle_client_frame(&mut r.peer, &f)
        }
        .unwrap();
        assert!(out.denied);
        assert!(out.update.is_none());
        assert_eq!(
            out.reply,
            vec![protocol::encode_permission_denied(READ_ONLY_REASON)]
        );
        assert_eq!(out.reply[0][..2], [2, 0], "messageAuth, permissionDenied");
        let out = {
            let f = r.type_text("Again. ");
            room.handle_client_frame(&mut r.peer, &f)
        }
        .unwrap();
        assert!(!out.denied && out.reply.is_empty() && out.update.is_none());
        assert_eq!(room.encode_state(), before);
        assert_eq!(room.markdown(), "Changed.\n");
    }

    #[test]
    fn malformed_frames_are_rejected_without_touching_the_doc() {
        let mut room = seeded_room("Keep me.\n");
        let mut a = Client::new(1, true);
        a.connect(&mut room);
        let good = a.type_text("ok ");
        let payload_start = 3; // [0, 2, varUint(len)] for short updates
        let mut truncated = good.clone();
        truncated.truncate(good.len() - 3);
        let mut bad_len = good.clone();
        bad_len[2] = 0x7f;
        let mut trailing = good.clone();
        trailing.push(0);
        let mut garbage_update = vec![0, 2, 6];
        garbage_update.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        let mut corrupted = good.clone();
        for b in corrupted.iter_mut().skip(payload_start + 1) {
            *b = 0xff;
        }
        let bad_awareness = {
            let mut update = a.awareness.update().unwrap();
            update.clients.insert(
                ClientID::new(1),
                yrs::sync::awareness::AwarenessUpdateEntry {
                    clock: 9,
                    json: "{not json".into(),
                },
            );
            protocol::encode_awareness(&update)
        };
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("sync without body", vec![0]),
            ("unknown sync kind", vec![0, 7, 0]),
            ("unknown message", vec![9, 0]),
            ("truncated update", truncated),
            ("length past end", bad_len),
            ("trailing bytes", trailing),
            ("garbage update", garbage_update),
            ("corrupted update", corrupted),
            ("bad awareness json", bad_awareness),
        ];
        let before = room.encode_state();
        for (name, frame) in cases {
            let err = room.handle_client_frame(&mut a.peer, &frame);
            match err {
                Err(e) => assert_eq!(e.close_code(), 1003, "{name}: {e}"),
                Ok(out) => panic!("{name}: accepted: {out:?}"),
            }
            assert_eq!(room.encode_state(), before, "{name}");
            assert!(!room.is_poisoned(), "{name}");
        }
        // The connection's good frames still work (the caller closes on error anyway).
        assert!(
            room.handle_client_frame(&mut a.peer, &good)
                .unwrap()
                .update
                .is_some()
        );
    }

    #[test]
    fn failure_during_apply_poisons_the_room() {
        // Two replicas reusing one client id (a broken client): the second one's update
        // points at a parent that is plain content in the room's doc.
        let mut room = Room::new(Doc::new());
        let x = Doc::with_client_id(7);
        let ux = {
            let mut txn = x.transact_mut();
            let m = txn.get_or_insert_map("m");
            m.insert(&mut txn, "k", "plain string");
            txn.encode_update_v1()
        };
        let mut peer = Peer::new(true);
        room.handle_client_frame(&mut peer, &protocol::encode_update(&ux))
            .unwrap();
        let y = Doc::with_client_id(7);
        let uy = {
            let mut txn = y.transact_mut();
            let arr = txn.get_or_insert_array("a");
            let inner = arr.push_back(&mut txn, MapPrelim::default());
            inner.insert(&mut txn, "child", ArrayPrelim::default());
            txn.encode_diff_v1(&StateVector::from_iter([(ClientID::new(7), 1)]))
        };
        let err = room
            .handle_client_frame(&mut peer, &protocol::encode_update(&uy))
            .unwrap_err();
        assert!(matches!(err, RoomError::Apply(_)), "{err}");
        assert_eq!(err.close_code(), 1003);
        assert!(room.is_poisoned());
        // Storage never saw the bad update; the caller reloads the room from it.
        assert!(matches!(
            room.handle_client_frame(&mut peer, &protocol::encode_update(&ux)),
            Err(RoomError::Poisoned)
        ));
    }

    #[test]
    fn oversize_updates_are_refused() {
        let mut room = seeded_room("Small.\n").with_max_doc_bytes(4096);
        let mut a = Client::new(1, true);
        a.connect(&mut room);
        let before = room.encode_state();
        let big = "x".repeat(5000);
        let err = {
            let f = a.type_text(&big);
            room.handle_client_frame(&mut a.peer, &f)
        }
        .unwrap_err();
        assert!(
            matches!(err, RoomError::TooLarge { limit: 4096, .. }),
            "{err}"
        );
        assert_eq!(err.close_code(), 1009);
        assert_eq!(room.encode_state(), before);
        // Markdown writes obey the same limit.
        let err = room.apply_markdown(&"word ".repeat(2000)).unwrap_err();
        assert!(matches!(err, RoomError::TooLarge { .. }));
        assert_eq!(room.encode_state(), before);
        // Small edits near the limit still pass.
        let mut b = Client::new(2, true);
        b.connect(&mut room);
        assert!(
            {
                let f = b.type_text("ok ");
                room.handle_client_frame(&mut b.peer, &f)
            }
            .unwrap()
            .update
            .is_some()
        );
    }

    #[test]
    fn markdown_write_merges_with_concurrent_client_edit() {
        let mut room = seeded_room("Intro.\n\nBody.\n\nOutro.\n");
        let mut a = Client::new(1, true);
        a.connect(&mut room);
        // A types while the API request is being handled.
        let in_flight = a.type_text("Typing ");
        let api = room
            .apply_markdown("Intro.\n\nBody.\n\nNew outro from the API.\n")
            .unwrap();
        let api = api.expect("content changed");
        a.receive(&protocol::encode_update(&api));
        send(&mut room, &mut a, &mut [], &in_flight);
        let expected = "Typing Intro.\n\nBody.\n\nNew outro from the API.\n";
        assert_eq!(room.markdown(), expected);
        assert_eq!(a.markdown(), expected);
        // Same content again: nothing to persist.
        assert!(room.apply_markdown(expected).unwrap().is_none());
    }

    #[test]
    fn load_and_compaction() {
        let mut room = seeded_room("One.\n");
        let mut a = Client::new(1, true);
        a.connect(&mut room);
        let snapshot = room.encode_state();
        let mut tail = Vec::new();
        for word in ["a ", "b ", "c "] {
            let out = {
                let f = a.type_text(word);
                room.handle_client_frame(&mut a.peer, &f)
            }
            .unwrap();
            tail.push(out.update.unwrap());
        }
        let loaded = load(Some(&snapshot), &tail).unwrap();
        assert_eq!(fragment_to_markdown(&loaded), "c b a One.\n");
        let compacted = encode_state(&loaded);
        let again = load(Some(&compacted), &[]).unwrap();
        assert_eq!(fragment_to_markdown(&again), room.markdown());
        let merged = merge_updates(tail.clone()).unwrap();
        let via_merge = load(Some(&snapshot), &[merged]).unwrap();
        assert_eq!(fragment_to_markdown(&via_merge), room.markdown());
        assert!(load(Some(&[1, 2, 3]), &[]).is_err());
        // Relay from another instance: applied once, broadcast once.
        let mut other = Room::load(Some(&snapshot), &[]).unwrap();
        assert!(other.apply_persisted_update(&tail[0]).unwrap().is_some());
        assert!(other.apply_persisted_update(&tail[0]).unwrap().is_none());
    }

    #[test]
    fn step1_is_answered_with_step2() {
        let mut room = seeded_room("Hello.\n");
        let mut peer = Peer::new(false);
        let frame = protocol::encode_sync_step1(&StateVector::default());
        let out = room.handle_client_frame(&mut peer, &frame).unwrap();
        assert_eq!(out.reply.len(), 1);
        let Message::Sync(SyncMessage::SyncStep2(update)) =
            Message::decode_v1(&out.reply[0]).unwrap()
        else {
            panic!("expected step 2")
        };
        let doc = Doc::new();
        doc.transact_mut()
            .apply_update(Update::decode_v1(&update).unwrap())
            .unwrap();
        assert_eq!(fragment_to_markdown(&doc), "Hello.\n");
    }

    /// `cargo test --release -- --ignored --nocapture keystroke`
    #[test]
    #[ignore]
    fn keystroke_benchmark() {
        let text: String = (0..40)
            .map(|i| format!("Paragraph {i} with **some** text about the *action plan*.\n\n"))
            .collect();
        let mut room = seeded_room(&text);
        let mut a = Client::new(1, true);
        let mut b = Client::new(2, true);
        a.connect(&mut room);
        b.connect(&mut room);
        let frames: Vec<Vec<u8>> = (0..2000).map(|_| a.type_text("k")).collect();
        let start = Instant::now();
        for frame in &frames {
            let out = room.handle_client_frame(&mut a.peer, frame).unwrap();
            assert!(out.update.is_some());
        }
        let per = start.elapsed() / frames.len() as u32;
        let size = room.encode_state().len();
        println!(
            "handle_client_frame: {per:?} per keystroke ({} frames, doc {size} bytes, frame {} bytes)",
            frames.len(),
            frames[0].len()
        );
        let mut awareness_frames = Vec::new();
        for i in 0..2000 {
            awareness_frames.push(b.presence(&format!("B{i}")));
        }
        let start = Instant::now();
        for frame in &awareness_frames {
            room.handle_client_frame(&mut b.peer, frame).unwrap();
        }
        println!(
            "awareness: {:?} per frame",
            start.elapsed() / awareness_frames.len() as u32
        );
        let start = Instant::now();
        let md = room.markdown();
        println!(
            "markdown render: {:?} ({} bytes)",
            start.elapsed(),
            md.len()
        );
    }
}
