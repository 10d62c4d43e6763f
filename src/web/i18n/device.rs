//! The `/device` pages' part of the translation table (see `table.rs`): approving an app's
//! device login.

use super::table::table;

table! {
    /// The strings of the device login pages.
    DeviceUi {
        title: "Log in an app", "登录应用";
        lead: "An app on another device asked to log in to your account. Enter the code it shows.", "另一台设备上的应用请求登录你的账户。请输入它显示的代码。";
        code_label: "Code from the app", "应用显示的代码";
        code_hint: "8 letters, such as BCDF-GHJK. Upper or lower case, with or without the dash.", "8 个字母，例如 BCDF-GHJK。大小写均可，短横线可省略。";
        continue_button: "Continue", "继续";
        wrong_code: "That code is not right. Check the code the app shows and try again.", "代码不正确。请核对应用显示的代码后重试。";
        confirm_title: "Allow this app to log in?", "允许这个应用登录？";
        confirm_lead: "Approve only if you started this login yourself, on a device you trust. The app will use your files as {}, until you end its session under Account.", "只有在你亲自发起此次登录、并且信任该设备时才批准。该应用将以 {} 的身份使用你的文件，直到你在“账户”页面中结束它的登录。";
        app_name: "App", "应用";
        code: "Code", "代码";
        asked_from: "Asked from", "请求来源";
        device: "Device", "设备";
        asked_at: "Asked at", "请求时间";
        unknown: "unknown", "未知";
        approve: "Approve", "批准";
        deny: "Deny", "拒绝";
        approved_title: "The app is logged in", "应用已登录";
        approved_text: "You can close this page; the app is now logged in. You can end its session at any time under Account.", "你可以关闭此页面，应用现已登录。你随时可以在“账户”页面中结束它的登录。";
        denied_title: "Request denied", "已拒绝请求";
        denied_text: "The app was not logged in. You can close this page.", "该应用没有登录。你可以关闭此页面。";
        expired_title: "This code has expired", "代码已过期";
        expired_text: "A code works for 10 minutes. Start the login in the app again to get a new one.", "代码的有效期为 10 分钟。请在应用中重新发起登录以获取新代码。";
        used_title: "This code was already used", "代码已被使用";
        used_text: "This request was already approved or denied. If the app is not logged in, start the login in the app again.", "此请求已被批准或拒绝。如果应用尚未登录，请在应用中重新发起登录。";
        another_code: "Enter another code", "输入其他代码";
        to_account: "Go to Account", "前往账户";
    }
}

#[cfg(test)]
mod tests {
    use super::DeviceUi;

    #[test]
    fn both_languages_fill_every_key_with_the_same_placeholders() {
        crate::web::i18n::assert_translated(DeviceUi::EN.entries(), DeviceUi::ZH_CN.entries());
    }
}
