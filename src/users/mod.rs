//! User accounts: validation, registration, login and password change; admin actions.

pub mod accounts;
pub mod admin;
pub mod validate;

pub use accounts::*;
