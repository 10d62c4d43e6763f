//! Typed ids: a `UserId` cannot be passed where a `SessionId` is expected.
//!
//! Stored as TEXT (UUID strings), so the same schema works on SQLite and PostgreSQL.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random (v4) id.
            pub fn generate() -> Self {
                $name(uuid::Uuid::new_v4().to_string())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        // For any backend that stores a `String` as `Text`: SQLite now, PostgreSQL next.
        impl<DB> ToSql<Text, DB> for $name
        where
            DB: Backend,
            String: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <String as ToSql<Text, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB> FromSql<Text, DB> for $name
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                <String as FromSql<Text, DB>>::from_sql(bytes).map($name)
            }
        }
    };
}

id_type!(
    /// The id of a user account.
    UserId
);
id_type!(
    /// The id of a login session (the `sid` claim of its tokens).
    SessionId
);
id_type!(
    /// The id of a file or folder.
    FileId
);
