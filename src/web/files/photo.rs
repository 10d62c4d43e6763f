//! What a photo says about itself, as the pages show it: the "Photo details" block of the
//! file page (`templates/files/photo_details.html`) and the data attributes the lightbox
//! reads. Only the owner's pages build these; the location is in them for the owner alone
//! (share pages never use this module).

use crate::db::models::photo_meta::PhotoMeta;
use crate::files::photo;
use crate::web::i18n::{Lang, fill};

/// One photo's facts, ready to print.
pub(super) struct PhotoView {
    /// "4000 × 3000 pixels".
    pub dimensions: Option<String>,
    /// The camera's wall clock ("2024-07-14 15:30") and its zone ("UTC+02:00", or a note that
    /// the camera wrote none), and the RFC 3339 form for `<time datetime>`.
    pub taken: Option<String>,
    pub taken_zone: Option<String>,
    pub taken_iso: Option<String>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub place: Option<Place>,
}

/// Where the photo was taken, for its owner.
pub(super) struct Place {
    /// "48.85840, 2.29450".
    pub coordinates: String,
    /// An OpenStreetMap link (a link only: no map tiles are fetched by the page).
    pub map_url: String,
}

impl PhotoView {
    /// The view of `meta`, or `None` when it says nothing worth a block.
    pub(super) fn of(meta: &PhotoMeta, lang: Lang) -> Option<PhotoView> {
        let t = lang.photos();
        let dimensions = match (meta.width, meta.height) {
            (Some(w), Some(h)) => Some(fill(t.dimensions_value, &[&w, &h])),
            _ => None,
        };
        let local = photo::taken_local(meta);
        let view = PhotoView {
            dimensions,
            taken: local.map(|(at, _)| at.format("%Y-%m-%d %H:%M").to_string()),
            taken_zone: local.map(|(_, zone)| match zone {
                Some(o) => format!("UTC{o}"),
                None => t.taken_no_zone.to_owned(),
            }),
            taken_iso: photo::taken_rfc3339(meta),
            camera: photo::camera(meta),
            lens: meta.lens.clone(),
            place: match (meta.latitude, meta.longitude) {
                (Some(lat), Some(lon)) => Some(Place {
                    coordinates: format!("{lat:.5}, {lon:.5}"),
                    map_url: format!(
                        "https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=16/{lat:.5}/{lon:.5}"
                    ),
                }),
                _ => None,
            },
        };
        let says_something = view.dimensions.is_some()
            || view.taken.is_some()
            || view.camera.is_some()
            || view.lens.is_some()
            || view.place.is_some();
        says_something.then_some(view)
    }

    /// The taken time with its zone, as one line ("2024-07-14 15:30 (UTC+02:00)").
    pub(super) fn taken_line(&self) -> Option<String> {
        let at = self.taken.as_deref()?;
        Some(match &self.taken_zone {
            Some(zone) => format!("{at} ({zone})"),
            None => at.to_owned(),
        })
    }
}
