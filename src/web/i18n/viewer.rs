//! The file page's viewers, the file-type icons and the upload panel's buttons (see
//! `table.rs`; the upload script's own strings are in its `Js` table).

use super::table::table;

table! {
    /// The strings of the viewers.
    ViewerUi {
        title: "Preview", "预览";
        pdf_frame: "PDF viewer: {}", "PDF 查看器：{}";
        open_pdf: "Open the PDF in a new tab", "在新标签页中打开 PDF";
        text_label: "Text of {}", "{} 的文本内容";
        truncated: "Showing only the first {}. Download the file for the rest.", "仅显示前 {}。下载文件可查看其余内容。";
        binary: "This file is not text, so there is no preview. Download it to open it.", "此文件不是文本，无法预览。请下载后打开。";
        none: "There is no preview for this type of file. Download it to open it.", "此类文件无法预览。请下载后打开。";
        media_fallback: "Your browser cannot play this file here. Download it instead.", "浏览器无法在此播放此文件，请下载后播放。";
        upload_folder: "Upload a folder", "上传文件夹";
        upload_cancel_all: "Cancel all", "全部取消";
        upload_dismiss: "Dismiss", "关闭";
        icon_folder: "Folder", "文件夹";
        icon_image: "Image", "图片";
        icon_video: "Video", "视频";
        icon_audio: "Audio", "音频";
        icon_pdf: "PDF", "PDF";
        icon_text: "Text", "文本";
        icon_archive: "Archive", "压缩包";
        icon_document: "Document", "文档";
        icon_spreadsheet: "Spreadsheet", "表格";
        icon_file: "File", "文件";
    }
}

impl ViewerUi {
    /// The name of the file type an icon (`Kind::as_str`) stands for.
    pub fn icon_label(&self, icon: &str) -> &'static str {
        match icon {
            "folder" => self.icon_folder,
            "image" => self.icon_image,
            "video" => self.icon_video,
            "audio" => self.icon_audio,
            "pdf" => self.icon_pdf,
            "text" => self.icon_text,
            "archive" => self.icon_archive,
            "document" => self.icon_document,
            "spreadsheet" => self.icon_spreadsheet,
            _ => self.icon_file,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ViewerUi;

    #[test]
    fn both_languages_fill_every_key() {
        crate::web::i18n::assert_translated(ViewerUi::EN.entries(), ViewerUi::ZH_CN.entries());
    }

    #[test]
    fn every_icon_has_a_name() {
        for kind in crate::files::kind::Kind::ALL {
            let icon = kind.as_str();
            let label = ViewerUi::EN.icon_label(icon);
            assert!(icon == "file" || label != ViewerUi::EN.icon_file, "{icon}");
        }
    }
}
