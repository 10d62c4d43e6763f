//! The admin area's part of the translation table (see `table.rs`).

use super::table::table;

table! {
    /// The strings of the pages under `/admin`.
    AdminUi {
        title: "Admin", "管理";
    }
}

#[cfg(test)]
mod tests {
    use super::AdminUi;

    #[test]
    fn both_languages_fill_every_key_with_the_same_placeholders() {
        for ((key, en), (_, zh)) in AdminUi::EN.entries().into_iter().zip(AdminUi::ZH_CN.entries()) {
            assert!(!en.is_empty() && !zh.is_empty(), "{key} is empty");
            assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{key}");
        }
    }
}
