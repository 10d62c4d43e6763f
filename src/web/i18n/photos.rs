//! What a photo says about itself, on the file page and in the lightbox (see `table.rs`).

use super::table::table;

table! {
    /// The strings of the photo details (issue #17).
    PhotoUi {
        details: "Photo details", "照片信息";
        dimensions: "Dimensions", "尺寸";
        dimensions_value: "{} × {} pixels", "{} × {} 像素";
        taken: "Taken", "拍摄时间";
        taken_no_zone: "camera clock, time zone unknown", "相机时钟，时区未知";
        camera: "Camera", "相机";
        lens: "Lens", "镜头";
        location: "Location", "拍摄地点";
        location_private: "Only you see this: shared links never show where a photo was taken.", "只有你能看到：分享链接不会显示照片的拍摄地点。";
        open_map: "Open in OpenStreetMap", "在 OpenStreetMap 中打开";
        zoom_in: "Zoom in", "放大";
        zoom_out: "Zoom out", "缩小";
        sort_taken: "Date taken", "拍摄日期";
    }
}

#[cfg(test)]
mod tests {
    use super::PhotoUi;

    #[test]
    fn both_languages_fill_every_key() {
        crate::web::i18n::assert_translated(PhotoUi::EN.entries(), PhotoUi::ZH_CN.entries());
    }
}
