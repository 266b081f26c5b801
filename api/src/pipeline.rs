//! The one request pipeline: what every GraphQL operation carries, whatever brought it.
//!
//! `POST /graphql`, the WebSocket (`/graphql/ws`) and the offline import command all run
//! operations through [`attach`] and [`finish`], so each operation is authenticated on its own,
//! gets its own request id, loaders and read log, and has its confidential reads audited before
//! its answer leaves (access.md rule 6). A transport never builds this data by hand.

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::Request;

use crate::AppState;
use crate::audit::ReadLog;
use crate::error::{ApiError, RequestId};
use crate::graphql::loaders::Loaders;
use crate::graphql::{Authn, ClientAddr};

/// One operation's context: who asks (as the database says now), under which request id.
pub struct Operation {
    pub request_id: String,
    pub authn: Authn,
    pub read_log: Arc<ReadLog>,
}

impl Operation {
    /// A new operation for a viewer (or anonymous caller) authenticated for it.
    pub fn new(request_id: String, authn: Authn) -> Self {
        Self { request_id, authn, read_log: Arc::new(ReadLog::default()) }
    }

    /// Puts the per-operation data into a request: request id, client address, and for a viewer
    /// its own loaders (never shared between operations) and the read log.
    pub fn attach(&self, state: &Arc<AppState>, request: &mut Request, client: Option<IpAddr>) {
        request.data.insert(RequestId(self.request_id.clone()));
        request.data.insert(ClientAddr(client));
        if let Authn::Viewer(viewer) = &self.authn {
            request.data.insert(Loaders::new(state.clone(), viewer.clone()));
            request.data.insert(self.read_log.clone());
        }
        request.data.insert(self.authn.clone());
    }

    /// Writes the read audit of what was resolved so far. Call it before any part of the answer
    /// leaves: no entry, no answer.
    pub async fn finish(&self, state: &AppState) -> Result<(), ApiError> {
        match &self.authn {
            Authn::Viewer(viewer) => self.read_log.flush(&state.db, viewer, &self.request_id).await,
            _ => Ok(()),
        }
    }
}
