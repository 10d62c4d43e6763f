//! The files API (written next).
