//! The share link pages' part of the translation table (see `table.rs`): what a visitor
//! without an account sees at `/s/{token}`, and the owner's `/shares` page.

use super::table::table;

table! {
    /// The strings of the share link pages.
    ShareUi {
        shared_with_you: "Shared with you", "分享给你的";
        download: "Download", "下载";
        download_all: "Download all (ZIP)", "全部下载（ZIP）";
        no_downloads: "The owner allows viewing only: no downloads.", "分享者只允许查看，不能下载。";
        empty_folder: "This folder is empty.", "此文件夹为空。";
        name: "Name", "名称";
        size: "Size", "大小";
        locked_title: "This link is protected", "此链接受密码保护";
        locked_lead: "Enter the password you were given with the link.", "请输入随链接一起提供给你的密码。";
        password: "Password", "密码";
        unlock: "Open", "打开";
        wrong_password: "That password is not right.", "密码不正确。";
        gone_title: "This link does not work", "此链接无效";
        gone_text: "It may have expired or been revoked, or the address is not complete. Ask the person who sent it for a new link.", "它可能已过期或已被撤销，或者地址不完整。请向发送者索取新的链接。";
        exhausted_title: "This link has reached its download limit", "此链接已达到下载次数上限";
        exhausted_text: "The owner allowed a limited number of downloads, and they have all been used. Ask the person who sent it for a new link.", "分享者限制了下载次数，现已用完。请向发送者索取新的链接。";
        shares_title: "Share links", "分享链接";
        shares_lead: "Links you have made. Anyone with an active link can open it, no account needed.", "你创建的链接。任何持有有效链接的人都能打开，无需账户。";
        no_shares: "You have not shared anything yet. Open a file or folder and choose Share.", "你还没有分享任何内容。打开文件或文件夹并选择“分享”。";
        target: "Shared item", "分享的项目";
        label: "Label", "标签";
        views: "Views", "查看次数";
        downloads: "Downloads", "下载次数";
        state: "State", "状态";
        expires: "Expires", "过期时间";
        never: "never", "永不";
        state_active: "active", "有效";
        state_expired: "expired", "已过期";
        state_exhausted: "download limit reached", "已达下载上限";
        state_revoked: "revoked", "已撤销";
        revoke: "Revoke", "撤销";
        share: "Share", "分享";
        share_lead: "Make a link that anyone can open without an account.", "创建一个无需账户即可打开的链接。";
        password_optional: "Password (optional)", "密码（可选）";
        expires_optional: "Expires on (optional)", "过期日期（可选）";
        max_downloads_optional: "Download limit (optional)", "下载次数上限（可选）";
        allow_download: "Allow downloads (off: thumbnails and viewer only)", "允许下载（关闭后只能查看缩略图和图片）";
        create_link: "Create link", "创建链接";
        created_title: "Link created", "链接已创建";
        created_lead: "Send it to the people you want to share with. You can copy it again from your share links.", "把它发送给你想分享的人。你之后也可以在“分享链接”中再次复制。";
        copy: "Copy link", "复制链接";
        password_set: "password", "有密码";
        drop_title: "Send files", "发送文件";
        drop_lead: "Choose files or drop them on this page. They go straight to the person who sent you this link.", "选择文件或将其拖放到此页面，它们会直接发送给分享此链接的人。";
        drop_your_name: "Your name (your files go in a folder with this name)", "你的名字（你的文件会放在以此命名的文件夹中）";
        drop_choose: "Choose files, or drop them here", "选择文件，或将其拖放到这里";
        drop_send: "Send", "发送";
        drop_sent: "sent", "已发送";
        drop_failed: "not sent", "未发送";
        drop_too_many: "This address has sent as many files through upload links as the server accepts for now. Try again in {min} min.", "此网络地址通过上传链接发送的文件已达到服务器目前接受的上限，请 {min} 分钟后再试。";
        drop_thanks: "Thank you, these files arrived:", "谢谢，以下文件已收到：";
        drop_private: "You can only send files here; you cannot see what is in the folder.", "你只能在此发送文件，无法看到文件夹中的内容。";
        kind_label: "Kind of link", "链接类型";
        kind_view: "View and download", "查看和下载";
        kind_upload: "Upload only (people send you files; they see nothing)", "仅上传（他人向你发送文件，但看不到任何内容）";
        hide_location: "Hide photo locations (GPS data removed from downloads)", "隐藏照片位置（下载时移除 GPS 数据）";
        max_uploads_optional: "File limit (optional, upload links)", "文件数量上限（可选，上传链接）";
        max_upload_mb_optional: "Size limit in MB (optional, upload links)", "大小上限，单位 MB（可选，上传链接）";
        uploader_folders: "Ask for the sender's name and put their files in a folder of that name", "询问发送者的名字，并把其文件放入以该名字命名的文件夹";
        uploads: "Received", "已收到";
        edit: "Edit", "编辑";
        edit_title: "Edit link", "编辑链接";
        new_password_optional: "New password (empty: keep the current one)", "新密码（留空则保留当前密码）";
        remove_password: "Remove the password", "移除密码";
        save: "Save", "保存";
        copied: "Link copied", "链接已复制";
        not_copyable: "made before a key change: make a new link to copy it", "在密钥更换前创建：请新建链接以复制";
        kind_upload_short: "upload", "上传";
    }
}

#[cfg(test)]
mod tests {
    use super::ShareUi;

    #[test]
    fn both_languages_fill_every_key_with_the_same_placeholders() {
        crate::web::i18n::assert_translated(ShareUi::EN.entries(), ShareUi::ZH_CN.entries());
    }
}
