//! How a session was verified: stored with it (`sessions.method`) and shown in the list of
//! devices and apps, so a user can tell a password login from one confirmed by a TOTP code,
//! an app approved through `/device`, or an app password.

/// How a session's user proved who they are when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// The account password alone.
    Password,
    /// The password and a TOTP or recovery code.
    PasswordTotp,
    /// Approved at `/device` by a logged-in browser (RFC 8628 device login).
    Device,
    /// An app password (`hdk_…`): the session row is the app password.
    AppPassword,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::PasswordTotp => "password+totp",
            AuthMethod::Device => "device",
            AuthMethod::AppPassword => "app_password",
        }
    }

    /// The stored text; anything unknown reads as a password login.
    pub fn parse(s: &str) -> Self {
        match s {
            "password+totp" => AuthMethod::PasswordTotp,
            "device" => AuthMethod::Device,
            "app_password" => AuthMethod::AppPassword,
            _ => AuthMethod::Password,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_reads_back_as_itself() {
        for m in [
            AuthMethod::Password,
            AuthMethod::PasswordTotp,
            AuthMethod::Device,
            AuthMethod::AppPassword,
        ] {
            assert_eq!(AuthMethod::parse(m.as_str()), m);
        }
    }
}
