//! The WebDAV box of `/account` (see `table.rs`): the address and how to connect.

use super::table::table;

table! {
    /// The strings of the WebDAV box.
    DavUi {
        title: "WebDAV", "WebDAV";
        lead: "Mount your files in rclone, Finder, Windows Explorer, davfs2 or a phone app at this address.", "在 rclone、访达（Finder）、Windows 资源管理器、davfs2 或手机应用中通过此地址挂载你的文件。";
        url_label: "Address", "地址";
        login_hint: "Log in with your user name and an app password that has the WebDAV scope (create one below). Your account password is refused here.", "使用你的用户名和一个带有 WebDAV 权限的应用专用密码登录（可在下方创建）。这里不接受账户密码。";
        help_link: "How to connect each client", "各客户端的连接方法";
    }
}

#[cfg(test)]
mod tests {
    use super::DavUi;

    #[test]
    fn both_languages_fill_every_key() {
        crate::web::i18n::assert_translated(DavUi::EN.entries(), DavUi::ZH_CN.entries());
    }
}
