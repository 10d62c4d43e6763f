//! The strings of folder organising in the file list (see `table.rs`): the per-item menu, the
//! rename/move page, paging of large folders, and what `static/folders.js` shows (drag to
//! move, the context menu, the rename dialog).

use super::table::table;

table! {
    /// The file list's organising strings on the pages.
    FolderUi {
        actions: "Actions", "操作";
        actions_for: "Actions for “{}”", "“{}”的操作";
        open: "Open", "打开";
        rename: "Rename", "重命名";
        move_: "Move", "移动";
        rename_folder: "Rename folder", "重命名文件夹";
        move_folder: "Move folder", "移动文件夹";
        organize_title: "Rename or move “{}”", "重命名或移动“{}”";
        new_name: "New name", "新名称";
        move_to: "Move to", "移动到";
        current_place: "(where it is now)", "（当前位置）";
        back: "Back", "返回";
        show_more: "Show more", "显示更多";
        showing_n: "Showing {} items from here on.", "从这里起显示 {} 项。";
        first_page: "Back to the start of this folder", "回到此文件夹开头";
        drop_hint: "Drag items onto a folder or a breadcrumb to move them.", "把项目拖到文件夹或路径导航上即可移动。";
    }
}

table! {
    /// What `static/folders.js` shows, handed to it as JSON in `data-i18n` of the list.
    FolderJs {
        moved_n: "Moved {} items.", "已移动 {} 个项目。";
        moved_one: "Moved “{}”.", "已移动“{}”。";
        move_failed: "Not moved: {}", "未能移动：{}";
        request_failed: "The server did not answer. Try again.", "服务器没有响应，请重试。";
        loading: "Loading…", "正在加载…";
        open: "Open", "打开";
        download: "Download", "下载";
        rename: "Rename", "重命名";
        move_: "Move", "移动";
        delete: "Delete", "删除";
    }
}

#[cfg(test)]
mod tests {
    use super::{FolderJs, FolderUi};

    #[test]
    fn both_languages_fill_every_key_with_the_same_placeholders() {
        crate::web::i18n::assert_translated(FolderUi::EN.entries(), FolderUi::ZH_CN.entries());
        crate::web::i18n::assert_translated(FolderJs::EN.entries(), FolderJs::ZH_CN.entries());
    }
}
