//! The admin area's part of the translation table (see `table.rs`).

use super::table::table;

table! {
    /// The strings of the pages under `/admin`.
    AdminUi {
        // The area and its sub-navigation.
        title: "Administration", "管理后台";
        dashboard: "Dashboard", "概览";
        accounts: "Accounts", "账户";
        audit_log: "Audit log", "审计日志";
        // Shared by several pages: an account's fields and values.
        you: "you", "我";
        none: "none", "无";
        never: "never", "从未";
        unknown: "unknown", "未知";
        optional: "(optional)", "（选填）";
        cancel: "Cancel", "取消";
        user_name: "User name", "用户名";
        email: "Email", "电子邮箱";
        phone: "Phone", "手机号";
        password: "Password", "密码";
        password_again: "Password again", "再次输入密码";
        role: "Role", "角色";
        state: "State", "状态";
        quota: "Quota", "配额";
        storage: "Storage", "存储空间";
        created: "Created", "创建时间";
        last_login: "Last login", "最近登录";
        role_admin: "admin", "管理员";
        role_user: "user", "普通用户";
        state_active: "active", "正常";
        state_disabled: "disabled", "已停用";
        size_hint: "must be a size such as 2GiB, 500MiB or a number of bytes", "须为 2GiB、500MiB 这样的大小，或一个字节数";
        // Dashboard.
        active_sessions: "Active sessions", "活跃会话";
        storage_used: "Storage used", "已用空间";
        disk_free: "Disk free", "磁盘剩余空间";
        of_total: "of {}", "共 {}";
        settings: "Instance settings", "站点设置";
        registration: "Registration", "注册";
        registration_open: "open", "开放";
        registration_closed: "closed", "关闭";
        default_quota: "Default quota", "默认配额";
        trash_retention: "Trash retention", "回收站保留期";
        trash_retention_label: "Days deleted items stay in the trash", "删除的项目在回收站中保留的天数";
        n_days: "{} days", "{} 天";
        from_environment: "(from the environment)", "（来自环境变量）";
        set_by_admin: "(set by an administrator)", "（由管理员设置）";
        registration_open_option: "Open: anyone may register", "开放：任何人都可以注册";
        registration_closed_option: "Closed: admins create accounts", "关闭：由管理员创建账户";
        default_quota_label: "Default quota for new accounts", "新账户的默认配额";
        default_quota_help: "For example 10GiB, 500MiB, or a number of bytes. Existing accounts keep theirs.", "例如 10GiB、500MiB，或直接填写字节数。已有账户的配额保持不变。";
        save_settings: "Save settings", "保存设置";
        // Notices after an action.
        notice_settings: "Settings saved. They apply from now on.", "设置已保存，即刻生效。";
        notice_created: "Account created.", "账户已创建。";
        notice_disabled: "Account disabled. Its sessions stopped working.", "账户已停用，其会话已全部失效。";
        notice_enabled: "Account enabled.", "账户已启用。";
        notice_promoted: "Now an administrator. The admin pages open at their next login.", "已设为管理员。对方下次登录后即可使用管理页面。";
        notice_demoted: "No longer an administrator.", "已取消管理员身份。";
        notice_quota: "Quota saved.", "配额已保存。";
        notice_logged_out: "Every session of this account was ended.", "该账户的所有会话均已结束。";
        notice_totp_reset: "Two-factor login of this account is off; it logs in with the password alone.", "该账户的两步验证已关闭，仅凭密码即可登录。";
        totp: "Two-factor login", "两步验证";
        totp_on_help: "On. Turn it off only for an owner who lost both the authenticator and the recovery codes.", "已开启。仅在账户所有者同时丢失身份验证器和恢复码时才关闭。";
        totp_reset_q: "Turn off two-factor login of “{}”?", "关闭“{}”的两步验证？";
        totp_reset_text: "The account then logs in with its password alone, until its owner sets it up again.", "此后该账户仅凭密码即可登录，直到所有者重新设置。";
        totp_reset: "Turn off two-factor login", "关闭两步验证";
        notice_password: "Password reset. Every session of this account was ended.", "密码已重置，该账户的所有会话均已结束。";
        notice_deleted: "Account deleted, with all its files.", "账户及其所有文件已删除。";
        // The account list.
        count: "({})", "（{}）";
        search: "Search", "搜索";
        search_hint: "(user name, email or phone)", "（用户名、邮箱或手机号）";
        new_account: "New account", "新建账户";
        no_accounts_on_page: "No accounts on this page.", "此页没有账户。";
        no_accounts: "No accounts.", "还没有账户。";
        no_match: "No account matches “{}”.", "没有与“{}”匹配的账户。";
        storage_of_quota: "Storage used / quota", "已用空间 / 配额";
        account_pages: "Pages of accounts", "账户列表分页";
        previous: "Previous", "上一页";
        next: "Next", "下一页";
        page_n: "Page {}", "第 {} 页";
        page_n_of: "Page {} of {}", "第 {} 页，共 {} 页";
        // The new-account form.
        username_help: "3 to 32 letters, digits, _, . or -.", "3 到 32 个字母、数字、_、. 或 -。";
        password_help: "At least 8 characters and at most 71 bytes.", "至少 8 个字符，最多 71 个字节（一个汉字占 3 个字节）。";
        role_user_option: "User", "普通用户";
        role_admin_option: "Administrator", "管理员";
        new_quota_help: "For example 2GiB or 500MiB. Empty: the default, {}.", "例如 2GiB 或 500MiB。留空则使用默认配额 {}。";
        create_account: "Create account", "创建账户";
        back_to_accounts: "Back to the accounts", "返回账户列表";
        // An account's page.
        storage_of: "{} of {}", "已用 {} / 共 {}";
        live_sessions: "Live sessions", "有效会话";
        account_id: "Account id", "账户 ID";
        account_audit: "Audit log of this account", "查看该账户的审计日志";
        manage: "Manage", "管理";
        access: "Access", "访问";
        disable_help: "A disabled account cannot log in, and its sessions stop working at once. Its files stay.", "停用后账户无法登录，其会话立即失效，文件仍会保留。";
        disable: "Disable account", "停用账户";
        disable_q: "Disable “{}”?", "停用“{}”？";
        disable_text: "They cannot log in, and their open pages, apps and image links stop working until the account is enabled again.", "该用户将无法登录，已打开的页面、应用和图片链接都会失效，直到账户重新启用。";
        log_out_q: "Log “{}” out everywhere?", "让“{}”在所有设备上退出？";
        log_out_text: "Every session of this account ends, and every image link it shared stops working.", "该账户的所有会话都会结束，分享过的图片链接也将失效。";
        disabled_help: "This account is disabled: it cannot log in.", "此账户已停用，无法登录。";
        enable: "Enable account", "启用账户";
        admin_help: "An administrator manages accounts and settings.", "管理员可以管理账户和站点设置。";
        make_user: "Make a regular user", "设为普通用户";
        user_help: "A regular user manages their own files only.", "普通用户只能管理自己的文件。";
        make_admin: "Make an administrator", "设为管理员";
        sessions: "Sessions", "会话";
        sessions_help_one: "{} live session. Logging out ends it, in every browser and app.", "当前有 {} 个有效会话。强制退出会结束所有浏览器和应用中的会话。";
        sessions_help: "{} live sessions. Logging out ends all of them, in every browser and app.", "当前有 {} 个有效会话。强制退出会结束所有浏览器和应用中的会话。";
        log_out_everywhere: "Log out everywhere", "在所有设备上退出";
        quota_help: "For example 2GiB, 500MiB, or a number of bytes.", "例如 2GiB、500MiB，或直接填写字节数。";
        save_quota: "Save quota", "保存配额";
        reset_password: "Reset password", "重置密码";
        new_password: "New password", "新密码";
        new_password_again: "New password again", "再次输入新密码";
        reset_help: "Every session of this account ends.", "该账户的所有会话都会结束。";
        delete: "Delete", "删除";
        delete_help: "The account, its sessions and all its files. You will be asked to confirm.", "删除账户、其会话和所有文件。删除前会再次确认。";
        delete_account: "Delete account…", "删除账户…";
        // The delete confirmation: “The account <b>name</b> will be deleted with its sessions
        // and <b>all its files: 2 files, 2.0 KiB</b> (2064 bytes). This cannot be undone.”
        delete_title: "Delete {}?", "删除 {}？";
        delete_heading: "Delete the account “{}”?", "删除账户“{}”？";
        delete_text_before: "The account ", "账户 ";
        delete_text_after: " will be deleted with its sessions and ", " 将被删除，连同其会话和";
        delete_text_files: "all its files: {}, {}", "全部文件：{}，共 {}";
        n_files_one: "{} file", "{} 个文件";
        n_files: "{} files", "{} 个文件";
        n_bytes: " ({} bytes)", "（{} 字节）";
        delete_text_end: ". This cannot be undone.", "。此操作无法撤销。";
        delete_yourself: "This is your own account: you will be logged out and cannot log in again.", "这是你自己的账户：你将被退出登录，并且无法再次登录。";
        delete_confirm: "Delete the account and its files", "删除账户及其文件";
        // The audit log.
        event: "Event", "事件";
        all_events: "All events", "全部事件";
        account: "Account", "账户";
        account_hint: "(name or id)", "（用户名或 ID）";
        text: "Text", "文本";
        text_hint: "(names, login tried, IP)", "（用户名、尝试的登录名、IP）";
        filter: "Filter", "筛选";
        clear: "Clear", "清除";
        no_entries: "No entries.", "没有记录。";
        time: "Time", "时间";
        by: "By", "操作者";
        login_tried: "Login tried", "尝试的登录名";
        ip: "IP", "IP";
        user_agent: "User agent", "浏览器标识";
        detail: "Detail", "详情";
        audit_pages: "Pages of the audit log", "审计日志分页";
        newer: "← Newer", "← 较新";
        older: "Older →", "较早 →";
        // Audit events.
        ev_registered: "Registered", "注册";
        ev_login: "Logged in", "登录";
        ev_login_failed: "Failed login", "登录失败";
        ev_logout: "Logged out", "退出登录";
        ev_logout_all: "Logged out everywhere", "在所有设备上退出";
        ev_session_revoked: "Revoked a session", "撤销会话";
        ev_password_changed: "Changed password", "修改密码";
        ev_user_created: "Admin: created user", "管理员：创建用户";
        ev_user_disabled: "Admin: disabled user", "管理员：停用用户";
        ev_user_enabled: "Admin: enabled user", "管理员：启用用户";
        ev_role_changed: "Admin: changed role", "管理员：更改角色";
        ev_quota_changed: "Admin: changed quota", "管理员：更改配额";
        ev_sessions_ended: "Admin: logged user out", "管理员：强制用户退出";
        ev_password_reset: "Admin: reset password", "管理员：重置密码";
        ev_user_deleted: "Admin: deleted user", "管理员：删除用户";
        ev_setting_changed: "Admin: changed a setting", "管理员：更改设置";
        ev_app_password_created: "Created an app password", "创建应用密码";
        ev_app_password_revoked: "Revoked an app password", "撤销应用密码";
        ev_device_approved: "Approved a device login", "批准了设备登录";
        ev_device_denied: "Denied a device login", "拒绝了设备登录";
        ev_totp_enabled: "Turned on two-factor login", "开启两步验证";
        ev_totp_disabled: "Turned off two-factor login", "关闭两步验证";
        ev_totp_reset: "Admin: reset two-factor login", "管理员：重置两步验证";
        ev_recovery_codes: "New recovery codes", "重新生成恢复码";
        ev_login_mfa_failed: "Wrong two-factor code", "两步验证码错误";
        ev_share_created: "Created a share link", "创建分享链接";
        ev_share_revoked: "Revoked a share link", "撤销分享链接";
        ev_share_password_failed: "Wrong share link password", "分享链接密码错误";
        ev_refresh_reused: "Refresh token reused: session ended", "刷新令牌被重复使用：会话已结束";
    }
}

#[cfg(test)]
mod tests {
    use super::AdminUi;

    #[test]
    fn both_languages_fill_every_key_with_the_same_placeholders() {
        crate::web::i18n::assert_translated(AdminUi::EN.entries(), AdminUi::ZH_CN.entries());
    }
}
