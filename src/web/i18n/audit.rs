//! The audit log's details in the reader's language (see `table.rs` for the table's form):
//! [`detail`] says an `audit::Detail` from its code and values. It is one exhaustive `match`,
//! so a new kind of detail does not compile until it is said here; the test below renders
//! every code in every language.
//!
//! English has a singular and a plural for counts (`_one` keys); Chinese says both alike.
//! Values a user typed (app password and device names, file names) are put in as they are:
//! the page escapes the whole text like any other value.

use super::table::table;
use super::{Lang, fill, human_size};
use crate::audit::{Detail, LoginFailure};
use crate::auth::claims::ClientKind;
use crate::config::Registration;
use crate::db::models::users::Role;
use crate::shares::Kind as ShareKind;

table! {
    /// The strings of audit details.
    AuditUi {
        client_web: "browser", "浏览器";
        client_app: "app", "应用";
        client_api: "API", "API";
        password_login: "Client: {}", "客户端：{}";
        two_factor_login: "Client: {}, with password and two-factor code", "客户端：{}，使用密码和两步验证码";
        device_login: "App “{}”, by device login", "应用“{}”，通过设备登录";
        wrong_password: "Wrong password", "密码错误";
        unknown_account: "No such account", "账户不存在";
        account_disabled: "Account disabled", "账户已停用";
        wrong_code: "Wrong or already used code", "验证码错误或已被使用";
        other_sessions_ended_one: "{} other session ended", "结束了其他 {} 个会话";
        other_sessions_ended: "{} other sessions ended", "结束了其他 {} 个会话";
        sessions_ended_one: "{} session ended", "结束了 {} 个会话";
        sessions_ended: "{} sessions ended", "结束了 {} 个会话";
        role_changed: "Role: {} → {}", "角色：{} → {}";
        quota_changed: "Quota: {} → {}", "配额：{} → {}";
        created_with_role: "Role: {}", "角色：{}";
        deleted_files_one: "{} file, {}", "{} 个文件，共 {}";
        deleted_files: "{} files, {}", "{} 个文件，共 {}";
        device_request: "App “{}” from {}", "应用“{}”，来自 {}";
        device_request_unknown: "App “{}” from an unknown address", "应用“{}”，来源地址未知";
        app_password_created: "App password “{}”, allowed: {}", "应用密码“{}”，权限：{}";
        app_password_revoked: "App password “{}”", "应用密码“{}”";
        list_separator: ", ", "、";
        registration_changed: "Registration: {} → {}", "注册：{} → {}";
        default_quota_changed: "Default quota: {} → {}", "默认配额：{} → {}";
        trash_retention_changed: "Trash retention: {} → {}", "回收站保留期：{} → {}";
        n_days_one: "{} day", "{} 天";
        n_days: "{} days", "{} 天";
        view_link: "View link {}", "查看链接 {}";
        upload_link: "Upload link {}", "上传链接 {}";
        link_to_name: "{} to “{}”", "{}，指向“{}”";
        link_to_item: "{} to item {}", "{}，指向项目 {}";
        with_password: "{}, with a password", "{}，设有密码";
        share_wrong_password: "Wrong password for link {}", "链接 {} 的密码错误";
    }
}

impl AuditUi {
    fn of(lang: Lang) -> &'static AuditUi {
        match lang {
            Lang::En => &AuditUi::EN,
            Lang::ZhCn => &AuditUi::ZH_CN,
        }
    }
}

/// `detail` as the audit page says it in `lang`.
pub fn detail(lang: Lang, detail: &Detail) -> String {
    let (t, ta) = (AuditUi::of(lang), lang.admin());
    let size = |bytes: i64| human_size(lang, bytes);
    let client = |c: &ClientKind| match c {
        ClientKind::Web => t.client_web,
        ClientKind::App => t.client_app,
        ClientKind::Api => t.client_api,
    };
    let role = |r: &Role| match r {
        Role::User => ta.role_user,
        Role::Admin => ta.role_admin,
    };
    let registration = |r: &Registration| match r {
        Registration::Open => ta.registration_open,
        Registration::Closed => ta.registration_closed,
    };
    let days = |n: &u32| plural(u64::from(*n), t.n_days_one, t.n_days);
    match detail {
        Detail::PasswordLogin { client: c } => fill(t.password_login, &[&client(c)]),
        Detail::TwoFactorLogin { client: c } => fill(t.two_factor_login, &[&client(c)]),
        Detail::DeviceLogin { app } => fill(t.device_login, &[app]),
        Detail::LoginFailed { reason } => match reason {
            LoginFailure::WrongPassword => t.wrong_password,
            LoginFailure::UnknownAccount => t.unknown_account,
            LoginFailure::AccountDisabled => t.account_disabled,
        }
        .to_owned(),
        Detail::WrongCode => t.wrong_code.to_owned(),
        Detail::OtherSessionsEnded { count } => {
            plural(as_u64(*count), t.other_sessions_ended_one, t.other_sessions_ended)
        }
        Detail::LoggedOutEverywhere { count } | Detail::SessionsEnded { count } => {
            plural(as_u64(*count), t.sessions_ended_one, t.sessions_ended)
        }
        Detail::RoleChanged { from, to } => fill(t.role_changed, &[&role(from), &role(to)]),
        Detail::QuotaChanged { from, to } => fill(t.quota_changed, &[&size(*from), &size(*to)]),
        Detail::CreatedWithRole { role: r } => fill(t.created_with_role, &[&role(r)]),
        Detail::DeletedWithFiles { files, bytes } => {
            let text = if *files == 1 { t.deleted_files_one } else { t.deleted_files };
            fill(text, &[files, &size(*bytes)])
        }
        Detail::DeviceRequest { app, ip: Some(ip) } => fill(t.device_request, &[app, ip]),
        Detail::DeviceRequest { app, ip: None } => fill(t.device_request_unknown, &[app]),
        Detail::AppPasswordCreated { name, scope } => {
            fill(t.app_password_created, &[name, &scopes(lang, t, scope)])
        }
        Detail::AppPasswordRevoked { name } => fill(t.app_password_revoked, &[name]),
        Detail::RegistrationChanged { from, to } => {
            fill(t.registration_changed, &[&registration(from), &registration(to)])
        }
        Detail::DefaultQuotaChanged { from, to } => {
            let bytes = |n: &u64| size(i64::try_from(*n).unwrap_or(i64::MAX));
            fill(t.default_quota_changed, &[&bytes(from), &bytes(to)])
        }
        Detail::TrashRetentionChanged { from, to } => {
            fill(t.trash_retention_changed, &[&days(from), &days(to)])
        }
        Detail::ShareLink { kind, link, file, file_name, password } => {
            let text = match kind {
                ShareKind::View => t.view_link,
                ShareKind::Upload => t.upload_link,
            };
            let link = fill(text, &[link]);
            let to = match file_name {
                Some(name) => fill(t.link_to_name, &[&link, name]),
                None => fill(t.link_to_item, &[&link, file]),
            };
            if *password { fill(t.with_password, &[&to]) } else { to }
        }
        Detail::ShareWrongPassword { link } => fill(t.share_wrong_password, &[link]),
    }
}

/// `one` for a count of 1, else `many`, with the count filled in.
fn plural(n: u64, one: &str, many: &str) -> String {
    fill(if n == 1 { one } else { many }, &[&n])
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// An app password's space-separated scope in words ("Read files, WebDAV"); a scope this
/// version has no words for is shown as stored.
fn scopes(lang: Lang, t: &AuditUi, scope: &str) -> String {
    let ui = lang.ui();
    let words: Vec<&str> = scope
        .split_whitespace()
        .map(|s| match s {
            "files:read" => ui.scope_files_read,
            "files:write" => ui.scope_files_write,
            "shares" => ui.scope_shares,
            "dav" => ui.scope_dav,
            other => other,
        })
        .collect();
    if words.is_empty() { lang.admin().none.to_owned() } else { words.join(t.list_separator) }
}

#[cfg(test)]
mod tests {
    use super::{AuditUi, detail};
    use crate::audit::{Detail, DetailCode};
    use crate::web::i18n::Lang;

    #[test]
    fn both_languages_fill_every_key_with_the_same_placeholders() {
        crate::web::i18n::assert_translated(AuditUi::EN.entries(), AuditUi::ZH_CN.entries());
    }

    #[test]
    fn every_detail_code_is_said_in_every_language() {
        let is_chinese = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        for code in DetailCode::ALL.iter().copied() {
            let example = code.example();
            let en = detail(Lang::En, &example);
            let zh = detail(Lang::ZhCn, &example);
            for (lang, text) in [(Lang::En, &en), (Lang::ZhCn, &zh)] {
                assert!(!text.trim().is_empty(), "{code:?} in {lang:?}");
                assert!(!text.contains("{}"), "{code:?} in {lang:?}: {text}");
            }
            assert_ne!(en, zh, "{code:?} is not translated");
            assert!(zh.chars().any(is_chinese), "{code:?} in Chinese: {zh}");
            assert!(!en.chars().any(is_chinese), "{code:?} in English: {en}");
        }
    }

    #[test]
    fn counts_take_the_english_plural_and_values_come_through() {
        let en = |d: Detail| detail(Lang::En, &d);
        let zh = |d: Detail| detail(Lang::ZhCn, &d);
        assert_eq!(en(Detail::SessionsEnded { count: 1 }), "1 session ended");
        assert_eq!(en(Detail::SessionsEnded { count: 3 }), "3 sessions ended");
        assert_eq!(en(Detail::LoggedOutEverywhere { count: 0 }), "0 sessions ended");
        assert_eq!(zh(Detail::SessionsEnded { count: 3 }), "结束了 3 个会话");
        assert_eq!(en(Detail::OtherSessionsEnded { count: 1 }), "1 other session ended");
        assert_eq!(en(Detail::DeletedWithFiles { files: 1, bytes: 5 }), "1 file, 5 bytes");
        assert_eq!(zh(Detail::DeletedWithFiles { files: 2, bytes: 5 }), "2 个文件，共 5 字节");
        assert_eq!(
            en(DetailCode::TrashRetentionChanged.example()),
            "Trash retention: 30 days → 1 day"
        );
        assert_eq!(zh(DetailCode::RoleChanged.example()), "角色：普通用户 → 管理员");
        assert_eq!(
            en(DetailCode::AppPasswordCreated.example()),
            "App password “Phone <b>&</b>”, allowed: Read files, WebDAV"
        );
        assert_eq!(
            zh(DetailCode::AppPasswordCreated.example()),
            "应用密码“Phone <b>&</b>”，权限：读取文件、WebDAV"
        );
        assert_eq!(
            zh(DetailCode::ShareLink.example()),
            "查看链接 3f0c…，指向“Phone <b>&</b>”，设有密码"
        );
    }
}
