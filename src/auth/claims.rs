//! What homedisk's tokens say: the claims of access and preview tokens, their `typ`, `cli` and
//! `sz` values, and how new claims are made. Signing and verifying them is `auth::tokens`.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::ids::{FileId, SessionId, UserId};

/// `iss` and `aud` of every token homedisk signs.
pub const ISSUER: &str = "homedisk";
pub const AUDIENCE: &str = "homedisk";

/// The kind of client a session belongs to (`cli` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    Web,
    App,
    Api,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Web => "web",
            ClientKind::App => "app",
            ClientKind::Api => "api",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "web" => Some(ClientKind::Web),
            "app" => Some(ClientKind::App),
            "api" => Some(ClientKind::Api),
            _ => None,
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: UserId,
    pub sid: SessionId,
    pub typ: TokenType,
    pub cli: ClientKind,
    /// Space-separated: `files:read files:write admin`.
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl AccessClaims {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|s| s == scope)
    }
}

/// What a preview token may fetch (`sz` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreviewSizes {
    /// `sm`, `md`, `lg` thumbnails only.
    Thumbs,
    /// The thumbnails and the original.
    All,
}

/// The claims of a preview token: one file, some sizes, one session, a short life.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewClaims {
    pub iss: String,
    pub aud: String,
    pub sub: UserId,
    pub sid: SessionId,
    pub typ: TokenType,
    /// The one file this token opens.
    pub fid: FileId,
    pub sz: PreviewSizes,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// The two kinds of token homedisk signs (the `typ` claim: `access`, `preview`); any other
/// value fails to deserialize, so the claims of a token of an unknown kind never exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Preview,
}

/// Claims for a new preview token of file `fid`, minted by session `sid`.
pub fn preview_claims(
    user: &UserId,
    sid: &SessionId,
    fid: &FileId,
    sizes: PreviewSizes,
    issued: NaiveDateTime,
    expires: NaiveDateTime,
    jti: String,
) -> PreviewClaims {
    PreviewClaims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: user.clone(),
        sid: sid.clone(),
        typ: TokenType::Preview,
        fid: fid.clone(),
        sz: sizes,
        iat: issued.and_utc().timestamp(),
        exp: expires.and_utc().timestamp(),
        jti,
    }
}

/// Claims for a new access token of session `sid`.
pub fn access_claims(
    user: &UserId,
    sid: &SessionId,
    client: ClientKind,
    scope: String,
    issued: NaiveDateTime,
    expires: NaiveDateTime,
) -> AccessClaims {
    AccessClaims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: user.clone(),
        sid: sid.clone(),
        typ: TokenType::Access,
        cli: client,
        scope,
        iat: issued.and_utc().timestamp(),
        exp: expires.and_utc().timestamp(),
        jti: uuid::Uuid::new_v4().to_string(),
    }
}
