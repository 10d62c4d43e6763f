//! The domain's messages (validation fragments, error details) in Chinese, keyed by their
//! English text, as gettext does: the domain code stays free of languages, and a message not
//! listed here is shown in English rather than lost. A unit test keeps the English keys equal
//! to what the domain code says.

use super::Lang;

/// `(English, Simplified Chinese)`.
const MESSAGES: &[(&str, &str)] = &[
    // Form fields (shown after the field's name).
    ("is required", "为必填项"),
    ("is already taken", "已被占用"),
    ("is already registered to another account", "已被另一个账户使用"),
    ("is not a valid email address", "不是有效的电子邮件地址"),
    ("does not match the password", "与密码不一致"),
    ("does not match the new password", "与新密码不一致"),
    ("may contain only letters, digits, `_`, `.` and `-`", "只能包含字母、数字、`_`、`.` 和 `-`"),
    ("must be 3 to 32 characters", "须为 3 到 32 个字符"),
    ("must contain at least one letter", "须至少包含一个字母"),
    ("must be 8 to 128 characters", "须为 8 到 128 个字符"),
    ("is not your current password", "不是您当前的密码"),
    (
        "is not a current code of your authenticator app or an unused recovery code",
        "不是身份验证器应用当前的验证码，也不是未使用的恢复码",
    ),
    ("is not the current code of your authenticator app", "不是身份验证器应用当前的验证码"),
    ("is a file, not a folder", "是文件，不是文件夹"),
    ("must be 0 or more bytes", "须为 0 或更多字节"),
    ("must be active or disabled", "须为 active 或 disabled"),
    ("must be user or admin", "须为 user 或 admin"),
    ("must not be empty", "不能为空"),
    ("must be at most 255 bytes", "最多 255 个字节"),
    ("cannot be `.` or `..`", "不能是 `.` 或 `..`"),
    ("must not contain `/` or `\\`", "不能包含 `/` 或 `\\`"),
    ("must not contain control characters (such as line breaks)", "不能包含控制字符（如换行）"),
    ("must not contain text-direction override characters", "不能包含文字方向控制字符"),
    ("must be open or closed", "须为 open 或 closed"),
    ("must be a whole number of days from 1 to 3650", "须为 1 到 3650 之间的整数天数"),
    ("is already used in that folder", "在该文件夹中已被使用"),
    ("is already used in this folder", "在此文件夹中已被使用"),
    (
        "a folder cannot move into itself or one of its subfolders",
        "文件夹不能移动到自身或其子文件夹中",
    ),
    (
        "a folder cannot be copied into itself or one of its subfolders",
        "文件夹不能复制到自身或其子文件夹中",
    ),
    ("must be at most 200 characters", "最多 200 个字符"),
    (
        "must be image, video, audio, document or folder",
        "须为 image、video、audio、document 或 folder",
    ),
    ("must be a number from 1 to 200", "须为 1 到 200 之间的数字"),
    ("is not a cursor this search gave", "不是本次搜索给出的翻页标记"),
    (
        "is not a valid phone number (6 to 20 digits, optionally starting with +)",
        "不是有效的手机号（6 到 20 位数字，可以 + 开头）",
    ),
    // Errors.
    (
        "this would leave the instance without an active administrator; promote another account first",
        "这样会使本站没有可用的管理员，请先将另一个账户设为管理员",
    ),
    ("the login or the password is wrong", "用户名或密码错误"),
    ("the code is wrong or was already used", "验证码错误或已被使用"),
    (
        "Enter your user name (or email or phone) and your password.",
        "请输入用户名（或邮箱、手机号）和密码。",
    ),
    ("the token has expired; log in again", "登录已过期，请重新登录"),
    ("the token is not valid; log in again to get a new one", "凭据无效，请重新登录"),
    ("this account is disabled; ask the administrator", "此账户已被停用，请联系管理员"),
    (
        "the form expired or did not come from this site; reload the page and try again",
        "表单已过期或并非来自本站，请刷新页面后重试",
    ),
    (
        "registration is closed on this instance; ask the administrator for an account",
        "本站已关闭注册，请向管理员申请账户",
    ),
    ("not found", "找不到该页面或文件"),
    ("internal error", "服务器内部错误"),
    ("the server is busy; try again in a few seconds", "服务器繁忙，请几秒后再试"),
    (
        "the database is busy or cannot be reached right now; try again in a moment",
        "数据库繁忙或暂时无法连接，请稍后再试",
    ),
    (
        "the file storage cannot be reached right now; try again in a moment",
        "暂时无法连接文件存储，请稍后再试",
    ),
    ("the form is too large", "表单内容过大"),
    ("the upload form was empty or malformed", "上传表单为空或格式错误"),
    ("a folder has no content to download", "文件夹没有可下载的内容"),
];

/// `message` in `lang`: itself in English, the listed translation in Chinese, or itself when
/// none is listed.
pub fn translate(lang: Lang, message: &str) -> &str {
    match lang {
        Lang::En => message,
        Lang::ZhCn => MESSAGES.iter().find(|(en, _)| *en == message).map_or(message, |(_, zh)| zh),
    }
}

#[cfg(test)]
mod tests {
    use super::{Lang, MESSAGES, translate};

    #[test]
    fn messages_translate_and_unknown_ones_stay_english() {
        assert_eq!(translate(Lang::ZhCn, "is already taken"), "已被占用");
        assert_eq!(translate(Lang::En, "is already taken"), "is already taken");
        assert_eq!(translate(Lang::ZhCn, "something new"), "something new");
    }

    #[test]
    fn every_message_key_is_said_by_the_code() {
        // A key the code no longer says is a translation that silently stopped working.
        let sources = [
            include_str!("../../users/mod.rs"),
            include_str!("../../users/validate.rs"),
            include_str!("../../users/admin.rs"),
            include_str!("../../users/accounts.rs"),
            include_str!("../../error.rs"),
            include_str!("../../files/mod.rs"),
            include_str!("../../files/copy.rs"),
            include_str!("../../files/batch.rs"),
            include_str!("../../settings.rs"),
            include_str!("../../files/search.rs"),
            include_str!("../../web/files/mod.rs"),
            include_str!("../../web/files/detail.rs"),
            include_str!("../../web/auth.rs"),
            include_str!("../../web/register.rs"),
            include_str!("../../web/mod.rs"),
            include_str!("../../web/account.rs"),
            include_str!("../../api/me.rs"),
            include_str!("../../settings.rs"),
            include_str!("../../api/admin.rs"),
            include_str!("../../api/files.rs"),
            include_str!("../../db/models/users.rs"),
            include_str!("../../audit.rs"),
            include_str!("../../users/totp.rs"),
        ];
        // A string continued with `\` at the end of a line reads as one.
        let sources: Vec<String> = sources
            .iter()
            .map(|s| {
                let mut flat = String::with_capacity(s.len());
                let mut parts = s.split("\\\n");
                flat.push_str(parts.next().unwrap_or_default());
                for part in parts {
                    flat.push_str(part.trim_start());
                }
                flat
            })
            .collect();
        for (en, _) in MESSAGES {
            // The sources spell a backslash as `\\`.
            let spelled = en.replace('\\', "\\\\");
            assert!(sources.iter().any(|s| s.contains(&spelled)), "no source says {en:?}");
        }
    }
}
