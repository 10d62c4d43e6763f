//! Image previews: sizes, rendering (`render`), and the on-disk thumbnail cache (`thumbs`).
//! The `/preview/{id}` route itself is in `api/preview.rs`; preview tokens in `auth::tokens`.

pub mod budget;
mod jpeg;
pub mod render;
pub mod thumbs;
#[cfg(feature = "jpeg-turbo")]
mod turbo;

pub use render::is_previewable;
pub use thumbs::{Thumb, Thumbnailer};

use crate::error::{AppError, FieldErrors};

/// A preview size: thumbnails by their longest side, or the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Size {
    Sm,
    Md,
    Lg,
    Orig,
}

impl Size {
    /// `sm` (the default), `md`, `lg` or `orig`.
    pub fn parse(raw: Option<&str>) -> Result<Size, AppError> {
        match raw {
            None | Some("") | Some("sm") => Ok(Size::Sm),
            Some("md") => Ok(Size::Md),
            Some("lg") => Ok(Size::Lg),
            Some("orig") => Ok(Size::Orig),
            Some(_) => {
                Err(AppError::Validation(FieldErrors::single("size", "must be sm, md, lg or orig")))
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Size::Sm => "sm",
            Size::Md => "md",
            Size::Lg => "lg",
            Size::Orig => "orig",
        }
    }

    /// The longest side in pixels; `None` for the original.
    pub fn max_side(self) -> Option<u32> {
        match self {
            Size::Sm => Some(256),
            Size::Md => Some(1024),
            Size::Lg => Some(2048),
            Size::Orig => None,
        }
    }
}
