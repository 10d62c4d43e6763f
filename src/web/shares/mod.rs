//! The visitor's side of share links, no account needed: `/s/{token}` (the page),
//! `/s/{token}/unlock`, `/s/{token}/file/{id}`, `/s/{token}/thumb/{id}`, `/s/{token}/zip`,
//! `/s/{token}/upload` (upload links, [`drop`]).
//! The owner's pages (`/shares`, `/shares/new`) are in [`owner`]. Every visitor handler asks the one gate, [`shares::authorize`], through [`gate`]; nothing here
//! decides who may see what.
//!
//! Every answer of the scope (errors included) says `Referrer-Policy: no-referrer`,
//! `X-Robots-Tag: noindex` and `Cache-Control: private`; the bytes routes add nosniff and the
//! sandbox CSP through `http::download` and `http::thumb`.

mod bytes;
mod drop;
mod edit;
mod owner;
mod page;
mod unlock;

use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, web};
use chrono::NaiveDateTime;

use crate::db;
use crate::db::ids::FileId;
use crate::error::AppError;
use crate::shares::unlock::{self as unlocks, Unlock};
use crate::shares::{self, Grant, Operation};
use crate::state::AppState;

/// The cookie holding a visitor's unlock, limited to the link's path.
pub const UNLOCK_COOKIE: &str = "homedisk_share";
/// The header apps send their `unlock_token` in.
pub const UNLOCK_HEADER: &str = "x-share-unlock";

pub fn configure(cfg: &mut web::ServiceConfig) {
    owner::configure(cfg);
    cfg.service(
        web::scope("/s/{token}")
            .wrap(
                DefaultHeaders::new()
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("X-Robots-Tag", "noindex, nofollow"))
                    .add(("Cache-Control", "private, no-store")),
            )
            .configure(page::configure)
            .configure(unlock::configure)
            .configure(bytes::configure)
            .configure(drop::configure),
    );
}

/// The visitor's unlock: the `X-Share-Unlock` header, else the cookie; only one this server
/// signed counts (which link and version it is for is the gate's to judge).
fn presented_unlock(req: &HttpRequest, state: &AppState) -> Option<Unlock> {
    let header = req.headers().get(UNLOCK_HEADER).and_then(|v| v.to_str().ok());
    let cookie = req.cookie(UNLOCK_COOKIE);
    let value = header.map(str::to_owned).or_else(|| cookie.map(|c| c.value().to_owned()))?;
    unlocks::read(&state.keys, &value)
}

/// Asks the gate about `token`, the visitor's unlock, `file` and `op`, now.
pub(crate) async fn gate(
    req: &HttpRequest,
    state: &AppState,
    token: String,
    file: Option<FileId>,
    op: Operation,
) -> Result<(Grant, NaiveDateTime), AppError> {
    let unlock = presented_unlock(req, state);
    let now = chrono::Utc::now().naive_utc();
    let grant = db::run(&state.db, move |conn| {
        shares::authorize(conn, &token, unlock.as_ref(), file.as_ref(), op, now)
    })
    .await?;
    Ok((grant, now))
}
