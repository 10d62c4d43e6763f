//! User accounts: validation, registration, login and password change.

pub mod accounts;
pub mod validate;

pub use accounts::*;
