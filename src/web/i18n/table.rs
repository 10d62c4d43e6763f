//! The translation table of the pages (the admin area's part is in `admin.rs`): each key with
//! its English and Simplified Chinese text. `{}` marks a value filled in by `fill`.

/// Declares a table: a struct with one `&'static str` per key, and its `EN` and `ZH_CN`
/// values. Keys and both texts sit on one line so a translation is read next to its source.
macro_rules! table {
    ($(#[$doc:meta])* $name:ident { $($key:ident: $en:literal, $zh:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            $(pub $key: &'static str,)*
        }

        impl $name {
            pub const EN: $name = $name { $($key: $en,)* };
            pub const ZH_CN: $name = $name { $($key: $zh,)* };

            /// Every key with its text, in table order.
            #[allow(dead_code)]
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($key), self.$key),)*]
            }
        }
    };
}
pub(crate) use table;

table! {
    /// The strings of the pages outside the admin area.
    Ui {
        // Layout.
        skip_to_content: "Skip to content", "跳到正文";
        nav_main: "Main", "主导航";
        nav_files: "Files", "文件";
        nav_admin: "Admin", "管理";
        nav_starred: "Starred", "星标";
        nav_recent: "Recent", "最近";
        nav_trash: "Trash", "回收站";
        storage_in_trash: "{} in the trash", "回收站占用 {}";
        nav_account: "Account", "账户";
        user_menu: "Account menu", "账户菜单";
        signed_in_as: "Signed in as {}", "当前用户：{}";
        language: "Language", "语言";
        storage: "Storage", "存储空间";
        storage_used_of: "{} of {} used", "已用 {} / 共 {}";
        log_in: "Log in", "登录";
        log_out: "Log out", "退出登录";
        register: "Register", "注册";
        cancel: "Cancel", "取消";
        delete: "Delete", "删除";
        close: "Close", "关闭";
        none: "none", "无";
        optional: "(optional)", "（选填）";
        // Log in, register, log out.
        login_title: "Log in to homedisk", "登录 homedisk";
        login_lead: "Your files, on your own server.", "你的文件，存在你自己的服务器上。";
        login_name: "User name, email or phone", "用户名、邮箱或手机号";
        device_on: "{browser} on {os}", "{os} 上的 {browser}";
        device_app: "homedisk app", "homedisk 应用";
        device_unknown: "Unknown device", "未知设备";
        keep_signed_in: "Keep me signed in on this device", "在此设备上保持登录";
        keep_signed_in_help: "For 30 days since your last visit. Leave it off on a shared computer: you are then signed out when the browser closes or after a day unused.", "自上次访问起 30 天内有效。在公用电脑上请不要勾选：不勾选时，关闭浏览器或一天未使用即退出登录。";
        password: "Password", "密码";
        password_again: "Password again", "再次输入密码";
        password_help: "At least 8 characters and at most 71 bytes (accented letters and emoji take 2 to 4 bytes each).", "至少 8 个字符，最多 71 个字节（一个汉字占 3 个字节，表情符号占 4 个）。";
        username: "User name", "用户名";
        username_help: "3 to 32 letters, digits, _, . or -.", "3 到 32 个字母、数字、_、. 或 -。";
        email: "Email", "电子邮箱";
        phone: "Phone", "手机号";
        no_account_yet: "No account yet?", "还没有账户？";
        have_account: "Already have an account?", "已有账户？";
        register_title: "Create your account", "创建账户";
        create_account: "Create account", "创建账户";
        registration_closed: "Registration is closed on this instance. Ask the administrator for an account.", "本站已关闭注册，请向管理员申请账户。";
        setup_title: "Create the administrator", "创建管理员";
        setup_lead: "This homedisk has no accounts yet. The account you create now is its administrator: it manages the other accounts and the settings under Admin.", "这个 homedisk 还没有任何账户。现在创建的账户就是管理员：它在“管理”中管理其他账户和设置。";
        setup_keep_open: "Let others create their own accounts (registration stays open; the admin settings change it later)", "允许其他人自行注册账户（保持开放注册；之后可在管理设置中更改）";
        setup_keep_open_help: "Untick to keep this disk to the accounts you create yourself.", "取消勾选后，只有你创建的账户才能使用这个网盘。";
        setup_closed: "Registration is closed on this instance (HOMEDISK_REGISTRATION=closed). Create the administrator on the server:", "本站已关闭注册（HOMEDISK_REGISTRATION=closed）。请在服务器上创建管理员：";
        setup_create: "Create the administrator", "创建管理员";
        logout_title: "Log out?", "退出登录？";
        logout_this_browser: "Log out of this browser", "在此浏览器上退出";
        logout_everywhere_hint: "To end your sessions on every device, use your account page:", "要在所有设备上退出，请前往账户页面：";
        notice_login: "Please log in to continue.", "请先登录。";
        notice_expired: "Your session expired. Please log in again.", "登录已过期，请重新登录。";
        notice_ended: "Your session has ended. Please log in again.", "会话已结束，请重新登录。";
        notice_elsewhere: "You were signed out because you signed in elsewhere.", "你已在其他地方登录，此处已退出。";
        notice_disabled: "This account is disabled. Ask the administrator.", "此账户已被停用，请联系管理员。";
        notice_logged_out: "You are logged out.", "你已退出登录。";
        notice_password_changed: "Your password was changed. Please log in again.", "密码已修改，请重新登录。";
        notice_mfa_expired: "That login attempt has ended. Please log in again.", "本次登录已失效，请重新登录。";
        // Two-factor login and confirming it is you.
        twofa_title: "Two-factor login", "两步验证";
        twofa_lead: "Enter the 6-digit code from your authenticator app.", "请输入身份验证器应用中的 6 位验证码。";
        twofa_verify: "Verify", "验证";
        twofa_use_recovery: "Use a recovery code instead", "改用恢复码";
        twofa_recovery_code: "Recovery code", "恢复码";
        twofa_start_over: "Start over", "重新登录";
        account_security_link: "Security: two-factor login", "安全：两步验证";
        sec_title: "Security", "安全";
        sec_2fa: "Two-factor login", "两步验证";
        sec_on: "On: after your password, logging in asks for a code from your authenticator app.", "已开启：登录时输入密码后，还需输入身份验证器应用中的验证码。";
        sec_off: "Off: your password alone logs you in.", "未开启：仅凭密码即可登录。";
        sec_why: "With two-factor login, a stolen password is not enough to get into your account.", "开启两步验证后，即使密码被盗，他人也无法登录你的账户。";
        sec_recovery_left: "Unused recovery codes: {}", "未使用的恢复码：{} 个";
        sec_set_up: "Set up two-factor login", "设置两步验证";
        sec_scan: "Scan this QR code with your authenticator app (such as Aegis, Google Authenticator or 1Password), or type the key, then enter the code it shows.", "用身份验证器应用（如 Aegis、Google Authenticator 或 1Password）扫描此二维码，或手动输入密钥，然后输入应用显示的验证码。";
        sec_key: "Key", "密钥";
        sec_code: "6-digit code", "6 位验证码";
        sec_confirm: "Turn on", "开启";
        sec_codes_title: "Your recovery codes", "你的恢复码";
        sec_codes_hint: "Save these codes somewhere safe (a password manager, or on paper). If you lose your phone, each one logs you in once instead of a code. They are shown only now.", "请把这些恢复码保存在安全的地方（密码管理器或纸上）。手机丢失时，每个恢复码可代替验证码登录一次。它们只显示这一次。";
        sec_done: "I have saved them", "我已保存";
        sec_regenerate: "New recovery codes", "重新生成恢复码";
        sec_regenerate_hint: "Ten new codes; the old ones stop working.", "生成十个新的恢复码，旧的将失效。";
        sec_disable: "Turn off two-factor login", "关闭两步验证";
        sec_code_or_recovery: "Code from your app, or a recovery code", "应用中的验证码或恢复码";
        notice_totp_on: "Two-factor login is on.", "两步验证已开启。";
        notice_totp_off: "Two-factor login is off.", "两步验证已关闭。";
        confirm_title: "Confirm it is you", "确认是你本人";
        confirm_lead: "This action needs your password again: your last login was more than 10 minutes ago.", "此操作需要再次输入密码：你上次登录已超过 10 分钟。";
        confirm_button: "Confirm", "确认";
        // Files.
        your_files: "Your files", "我的文件";
        breadcrumbs: "Folders", "文件夹路径";
        upload: "Upload", "上传";
        upload_send: "Send", "开始上传";
        upload_hint: "Up to {} per file. You can also drop files anywhere on this page.", "单个文件最大 {}。也可以把文件拖放到页面任意位置。";
        uploads: "Uploads", "上传";
        new_folder: "New folder", "新建文件夹";
        folder_name: "Folder name", "文件夹名称";
        folder_name_placeholder: "Holiday photos", "假期照片";
        create: "Create", "创建";
        view: "View", "视图";
        view_list: "List", "列表";
        view_grid: "Grid", "网格";
        sort_by: "Sort by", "排序";
        sort_name: "Name", "名称";
        sort_size: "Size", "大小";
        sort_date: "Modified", "修改时间";
        empty_title: "This folder is empty", "这个文件夹是空的";
        empty_text: "Upload files or create a folder. You can also drop files here.", "上传文件或新建文件夹，也可以把文件拖放到这里。";
        download: "Download", "下载";
        download_named: "Download {}", "下载 {}";
        delete_named: "Delete {}", "删除 {}";
        drop_here: "Drop files to upload them here", "松开鼠标即可上传到这里";
        image_viewer: "Image viewer", "图片查看器";
        details: "Details", "详情";
        previous: "Previous image", "上一张";
        next: "Next image", "下一张";
        notice_uploaded: "Upload complete.", "上传完成。";
        notice_folder: "Folder created.", "文件夹已创建。";
        notice_deleted: "Moved to the trash.", "已移到回收站。";
        notice_restored: "Restored.", "已恢复。";
        notice_purged: "Deleted for good.", "已永久删除。";
        notice_emptied: "The trash is empty.", "回收站已清空。";
        notice_copied: "Copied.", "已复制。";
        notice_starred: "Starred.", "已加星标。";
        notice_unstarred: "Star removed.", "已取消星标。";
        notice_some_failed: "{} of {} items could not be changed: {}", "{} 项（共 {} 项）未能完成：{}";
        notice_renamed: "Renamed.", "已重命名。";
        notice_moved: "Moved.", "已移动。";
        // Search.
        search: "Search", "搜索";
        search_label: "Search your files by name", "按名称搜索文件";
        search_placeholder: "Search files", "搜索文件";
        search_results_for: "Results for “{}”", "“{}”的搜索结果";
        search_in_folder: "In “{}” and its subfolders.", "范围：“{}”及其子文件夹。";
        search_everywhere: "Search all files", "搜索全部文件";
        search_none: "Nothing found. Try a shorter or different part of the name.", "没有找到。试试名称中更短或不同的部分。";
        search_hint: "Any part of a name; case and accents do not matter (“resume” finds “Résumé.pdf”).", "可输入名称的任意部分，不区分大小写和重音（输入“照片”即可找到“家庭照片2024.jpg”）。";
        search_more: "More results", "更多结果";
        search_in: "in", "位于";
        type_any: "Any type", "全部类型";
        type_image: "Images", "图片";
        type_video: "Videos", "视频";
        type_audio: "Audio", "音频";
        type_document: "Documents", "文档";
        type_folder: "Folders", "文件夹";
        // A file's page.
        open_original: "Open the original", "查看原图";
        size: "Size", "大小";
        n_bytes: "{} bytes", "{} 字节";
        type_: "Type", "类型";
        uploaded: "Uploaded", "上传时间";
        modified: "Modified", "修改时间";
        rename: "Rename", "重命名";
        name: "Name", "名称";
        move_: "Move", "移动";
        to_folder: "To folder", "目标文件夹";
        folder: "Folder", "文件夹";
        top_level: "Your files (top level)", "我的文件（顶层）";
        delete_file_hint: "The file goes to the trash, where you can restore it until it is purged.", "文件将移到回收站，清除之前都可以恢复。";
        delete_this_file: "Delete this file", "删除此文件";
        delete_named_q: "Delete “{}”?", "删除“{}”？";
        delete_folder_text: "The folder “{}” and everything in it go to the trash. You can restore them from there.", "文件夹“{}”及其中的所有内容将移到回收站，可以从那里恢复。";
        delete_file_text: "The file “{}” goes to the trash. You can restore it from there.", "文件“{}”将移到回收站，可以从那里恢复。";
        star: "Star", "加星标";
        unstar: "Remove star", "取消星标";
        starred_label: "Starred", "已加星标";
        select_item: "Select {}", "选择 {}";
        select_all: "Select all", "全选";
        selection: "Selected items", "已选项目";
        batch_move: "Move", "移动";
        batch_copy: "Copy", "复制";
        batch_delete: "Delete", "删除";
        batch_star: "Star", "加星标";
        batch_unstar: "Unstar", "取消星标";
        download_zip: "Download as ZIP", "打包下载（ZIP）";
        pick_move_title: "Move {} items to…", "将 {} 个项目移动到…";
        pick_copy_title: "Copy {} items to…", "将 {} 个项目复制到…";
        pick_hint: "Choose a folder.", "请选择一个文件夹。";
        nothing_selected: "Select at least one item first.", "请先选择至少一个项目。";
        share_one: "A link shares one file or folder: select just one (or put them in a folder and share that).", "一个链接只能分享一个文件或文件夹：请只选择一个（或把它们放进一个文件夹后分享该文件夹）。";
        in_folder: "in {}", "位于 {}";
        // Trash, starred, recent.
        trash_title: "Trash", "回收站";
        trash_lead: "Deleted items stay here for {} days, then they are deleted for good. They still count in your storage.", "删除的项目会在这里保留 {} 天，之后被永久删除。它们仍占用你的存储空间。";
        trash_empty_title: "The trash is empty", "回收站是空的";
        trash_empty_text: "What you delete comes here first, so you can get it back.", "删除的内容会先放到这里，方便你找回。";
        deleted_at: "Deleted", "删除时间";
        was_in: "Was in", "原位置";
        purged_on: "Deleted for good on", "永久删除时间";
        restore: "Restore", "恢复";
        restore_named: "Restore {}", "恢复 {}";
        delete_forever: "Delete for good", "永久删除";
        delete_forever_named: "Delete {} for good", "永久删除 {}";
        delete_forever_q: "Delete “{}” for good?", "永久删除“{}”？";
        delete_forever_text: "It cannot be restored afterwards.", "删除后将无法恢复。";
        empty_trash: "Empty the trash", "清空回收站";
        empty_trash_q: "Empty the trash?", "清空回收站？";
        empty_trash_text: "Everything in the trash is deleted for good. This cannot be undone.", "回收站中的所有内容都将被永久删除，且无法恢复。";
        starred_title: "Starred", "星标";
        starred_empty: "Nothing starred yet. Star files and folders to find them here.", "还没有星标项目。给文件或文件夹加星标后，可以在这里找到它们。";
        recent_title: "Recent files", "最近的文件";
        recent_empty: "No files yet.", "还没有文件。";
        // Account.
        role: "Role", "角色";
        role_admin: "administrator", "管理员";
        role_user: "user", "普通用户";
        member_since: "Member since", "注册时间";
        change_password: "Change password", "修改密码";
        current_password: "Current password", "当前密码";
        new_password: "New password", "新密码";
        new_password_again: "New password again", "再次输入新密码";
        change_password_hint: "Changing your password logs out your other sessions. App passwords keep working unless you tick the box.", "修改密码后，你在其他设备上的登录都会退出。除非勾选上面的选项，应用密码会继续有效。";
        notice_password_changed_here: "Password changed. Your other sessions were logged out.", "密码已修改，其他设备上的登录已退出。";
        sessions_title: "Devices and apps", "设备和应用";
        method_password: "password", "密码登录";
        method_password_totp: "password + code", "密码 + 验证码";
        method_device: "approved device", "已批准的设备";
        method_app_password: "app password", "应用密码";
        client_web: "Web browser", "网页浏览器";
        client_app: "App", "应用";
        client_api: "API client", "API 客户端";
        end_app_passwords: "End app passwords too", "同时停用所有应用密码";
        app_passwords_title: "App passwords", "应用密码";
        app_passwords_hint: "For scripts, phone apps and WebDAV clients: a password of their own that you can limit and revoke, instead of your account password.", "供脚本、手机应用和 WebDAV 客户端使用：一个可以限制、可以单独撤销的专用密码，而不是你的账户密码。";
        app_password_name: "Name", "名称";
        app_password_name_hint: "Where it is used, e.g. “backup script”", "用途，例如“备份脚本”";
        app_password_scopes: "Allowed", "权限";
        scope_files_read: "Read files", "读取文件";
        scope_files_write: "Change files", "修改文件";
        scope_shares: "Share links", "分享链接";
        scope_dav: "WebDAV", "WebDAV";
        app_password_keep_mac: "WebDAV: keep the files macOS adds (._name, .DS_Store) instead of dropping them", "WebDAV：保留 macOS 添加的文件（._名称、.DS_Store），而不是丢弃";
        app_password_folder: "Only this folder", "仅限此文件夹";
        app_password_whole_account: "All my files", "我的全部文件";
        app_password_expires: "Expires on (optional)", "到期日（可选）";
        app_password_create: "Create app password", "创建应用密码";
        app_password_created: "App password “{}” created. Copy it now: it is shown only this once.", "应用密码“{}”已创建。请立即复制：它只显示这一次。";
        app_password_example: "For example:", "例如：";
        this_device: "this device", "本设备";
        since: "since", "登录于";
        last_used: "last used", "最近使用";
        revoke: "Revoke", "撤销";
        logout_everywhere: "Log out everywhere", "在所有设备上退出";
        logout_everywhere_q: "Log out everywhere?", "在所有设备上退出？";
        logout_everywhere_text: "Every session ends, this one too, and every image link you shared stops working. App passwords keep working: revoke them one by one.", "所有会话都会结束（包括当前这个），你分享过的图片链接也将失效。应用密码不受影响，请逐个撤销。";
        // Error pages.
        error_home: "Go to your files", "返回我的文件";
        error_back: "Go back", "返回上一页";
        error_400: "That request did not work", "请求无法处理";
        error_400_text: "Something in the request was not right.", "请求的内容有误。";
        error_401: "Please log in", "请先登录";
        error_401_text: "This page needs you to be logged in.", "此页面需要登录后访问。";
        error_403: "Not allowed", "没有权限";
        error_403_text: "You are not allowed to do that.", "你无权执行此操作。";
        error_404: "Page not found", "找不到页面";
        error_404_text: "There is nothing here. The link may be old, or the file was deleted.", "这里什么都没有。链接可能已过期，或者文件已被删除。";
        error_409: "That is not possible right now", "暂时无法完成";
        error_409_text: "The request conflicts with the current state.", "请求与当前状态冲突。";
        error_413: "Too large", "内容过大";
        error_413_text: "What you sent is larger than this server accepts.", "发送的内容超过了服务器允许的大小。";
        error_415: "Unsupported file", "不支持的文件";
        error_415_text: "This kind of file cannot be shown here.", "此类文件无法在这里显示。";
        error_422: "Cannot read this file", "无法读取此文件";
        error_422_text: "The file could not be read.", "无法读取该文件。";
        error_429: "Slow down", "请求过于频繁";
        error_429_text: "Too many attempts. Wait a moment and try again.", "尝试次数过多，请稍后再试。";
        error_500: "Something went wrong", "出错了";
        error_500_text: "The server hit an error. It has been logged; try again in a moment.", "服务器出现错误，已记录日志，请稍后再试。";
        error_other: "Error", "错误";
    }
}

table! {
    /// The strings the pages' scripts show, handed to them as JSON in `<body data-i18n>`.
    Js {
        waiting: "waiting", "等待中";
        done: "done", "完成";
        failed: "failed", "失败";
        connection_lost: "connection lost", "连接中断";
        pause: "Pause", "暂停";
        resume: "Resume", "继续";
        paused: "paused", "已暂停";
        resume_unfinished: "Unfinished uploads: {}. Choose the same files again to continue where they stopped.", "未完成的上传：{}。再次选择相同的文件即可从中断处继续。";
        uploading_n: "Uploading {} of {}", "正在上传第 {} 个，共 {} 个";
        uploaded_n: "{} uploaded", "已上传 {} 个";
        failed_n: "{} failed", "{} 个失败";
        upload_done: "Upload complete.", "上传完成。";
        upload_some_failed: "Some files were not uploaded.", "部分文件未能上传。";
        cancel_upload: "Cancel this upload", "取消此上传";
        cancel_named: "Cancel uploading {}", "取消上传 {}";
        cancelled: "cancelled", "已取消";
        bytes_of: "{} of {}", "{} / {}";
        speed: "{}/s", "{}/秒";
        eta: "{} left", "剩余 {}";
        too_large: "larger than the limit of {}", "超过了 {} 的大小上限";
        folder_failed: "could not create the folder “{}”: {}", "无法创建文件夹“{}”：{}";
        unreadable: "could not be read from the dropped folder", "无法从拖入的文件夹中读取";
        pasted_name: "Pasted {}", "粘贴的图片 {}";
        delete_q: "Delete “{}”?", "删除“{}”？";
        delete_folder_q: "Delete the folder “{}”?", "删除文件夹“{}”？";
        delete_file_text: "The file goes to the trash; you can restore it from there.", "文件将移到回收站，可以从那里恢复。";
        delete_folder_text: "The folder and everything in it go to the trash; you can restore them from there.", "文件夹及其中的所有内容将移到回收站，可以从那里恢复。";
        delete: "Delete", "删除";
        session_expired: "Your session expired. Log in again to continue.", "登录已过期，请重新登录后继续。";
        image_n_of: "{} of {}", "第 {} 张，共 {} 张";
        image_failed: "This image could not be loaded.", "图片加载失败。";
        selected_n: "{} selected", "已选择 {} 项";
        nothing_selected: "Select at least one item first.", "请先选择至少一个项目。";
        trash_n_q: "Move {} items to the trash?", "将 {} 个项目移到回收站？";
        trash_n_text: "You can restore them from the trash.", "可以从回收站恢复它们。";
    }
}

#[cfg(test)]
mod tests {
    use super::{Js, Ui};

    #[test]
    fn both_languages_fill_every_key_with_the_same_placeholders() {
        crate::web::i18n::assert_translated(Ui::EN.entries(), Ui::ZH_CN.entries());
        crate::web::i18n::assert_translated(Js::EN.entries(), Js::ZH_CN.entries());
    }
}
