//! Authentication: passwords, tokens, sessions, CSRF, login rate limits, and the extractors
//! that bring them to handlers.

pub mod app_passwords;
pub mod claims;
pub mod csrf;
pub mod device;
pub mod device_flow;
pub mod device_name;
pub mod end_reason;
pub mod grants;
pub mod method;
pub mod mfa;
pub mod password;
pub mod preview;
pub mod rate_limit;
pub mod recent;
pub mod refresh;
pub mod secret;
pub mod sessions;
pub mod sliding;
pub mod tokens;
pub mod totp;
pub mod verified;
