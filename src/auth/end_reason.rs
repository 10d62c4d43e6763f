//! Why a session ended: a leaf type (it depends on nothing), so the one error type can carry it
//! and pages can choose what to say from the variant rather than from prose.

/// Why a session ended; stored in `sessions.revoked_reason` and told to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Logout,
    LogoutAll,
    PasswordChanged,
    Revoked,
    SignedInElsewhere,
    Admin,
    /// A refresh token was presented again after it had been rotated (stolen, or a client
    /// bug): the session ends so that neither holder keeps it.
    RefreshReused,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Logout => "logout",
            EndReason::LogoutAll => "logout_all",
            EndReason::PasswordChanged => "password_changed",
            EndReason::Revoked => "revoked",
            EndReason::SignedInElsewhere => "signed_in_elsewhere",
            EndReason::Admin => "admin",
            EndReason::RefreshReused => "refresh_reused",
        }
    }

    /// The reason stored as `stored`; `None` for a value this version does not know.
    pub fn parse(stored: &str) -> Option<Self> {
        [
            EndReason::Logout,
            EndReason::LogoutAll,
            EndReason::PasswordChanged,
            EndReason::Revoked,
            EndReason::SignedInElsewhere,
            EndReason::Admin,
            EndReason::RefreshReused,
        ]
        .into_iter()
        .find(|r| r.as_str() == stored)
    }

    /// What the person holding a token of a session that ended for `reason` is told.
    pub fn message(reason: Option<EndReason>) -> &'static str {
        match reason {
            Some(EndReason::Logout) => "this session was logged out; log in again",
            Some(EndReason::LogoutAll) => "you logged out on all devices; log in again",
            Some(EndReason::PasswordChanged) => "your password was changed; log in again",
            Some(EndReason::Revoked) => "this session was revoked; log in again",
            Some(EndReason::SignedInElsewhere) => {
                "you were signed out because you signed in elsewhere; log in again"
            }
            Some(EndReason::Admin) => "an administrator ended this session; log in again",
            Some(EndReason::RefreshReused) => {
                "a refresh token of this session was used twice, so it was ended; log in again"
            }
            None => "this session has ended; log in again",
        }
    }
}
