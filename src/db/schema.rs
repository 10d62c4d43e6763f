//! The database schema, written by hand to match `migrations/`.

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        state -> Text,
        quota -> BigInt,
        storage_used -> BigInt,
        created_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        totp_secret -> Nullable<Text>,
        totp_pending_secret -> Nullable<Text>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        client -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        method -> Text,
        verified_at -> Nullable<Timestamp>,
        persistent -> Bool,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions);

diesel::table! {
    blobs (sha256) {
        sha256 -> Text,
        size -> BigInt,
        refcount -> BigInt,
        created_at -> Timestamp,
        crc32 -> Nullable<BigInt>,
    }
}

diesel::table! {
    files (id) {
        id -> Text,
        owner_id -> Text,
        parent_id -> Nullable<Text>,
        kind -> Text,
        name -> Text,
        size -> BigInt,
        mime -> Nullable<Text>,
        blob_sha256 -> Nullable<Text>,
        created_at -> Timestamp,
        modified_at -> Timestamp,
        trashed_at -> Nullable<Timestamp>,
        trash_root_id -> Nullable<Text>,
        trashed_path -> Nullable<Text>,
        starred -> Bool,
        name_key -> Nullable<Text>,
    }
}

diesel::joinable!(files -> users (owner_id));
diesel::allow_tables_to_appear_in_same_query!(users, files);
diesel::allow_tables_to_appear_in_same_query!(sessions, files);
diesel::allow_tables_to_appear_in_same_query!(blobs, files);

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        event -> Text,
        actor_id -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        target_id -> Nullable<Text>,
        target_name -> Nullable<Text>,
        login -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        detail -> Nullable<Text>,
        detail_code -> Nullable<Text>,
        detail_params -> Nullable<Text>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    login_limits (key) {
        key -> Text,
        tat_ms -> BigInt,
    }
}

diesel::table! {
    job_runs (name) {
        name -> Text,
        last_run_at -> Timestamp,
    }
}

diesel::table! {
    archives (id) {
        id -> Text,
        owner_id -> Text,
        session_id -> Text,
        secret_sha256 -> Text,
        items -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    app_passwords (session_id) {
        session_id -> Text,
        user_id -> Text,
        name -> Text,
        secret_sha256 -> Text,
        scope -> Text,
        folder_id -> Nullable<Text>,
        keep_mac_files -> Bool,
    }
}

diesel::joinable!(app_passwords -> sessions (session_id));
diesel::allow_tables_to_appear_in_same_query!(app_passwords, sessions);
diesel::allow_tables_to_appear_in_same_query!(app_passwords, users);
diesel::allow_tables_to_appear_in_same_query!(app_passwords, files);

diesel::table! {
    device_codes (id) {
        id -> Text,
        device_code_sha256 -> Text,
        user_code -> Text,
        client_name -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        interval_secs -> Integer,
        last_poll_at -> Nullable<Timestamp>,
        status -> Text,
        user_id -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> Text,
        code_sha256 -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mfa_challenges (id) {
        id -> Text,
        user_id -> Text,
        secret_sha256 -> Text,
        client -> Text,
        scope -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        attempts -> Integer,
        used_at -> Nullable<Timestamp>,
        persistent -> Bool,
    }
}

diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(mfa_challenges -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(recovery_codes, users);
diesel::allow_tables_to_appear_in_same_query!(mfa_challenges, users);

diesel::table! {
    shares (id) {
        id -> Text,
        token_sha256 -> Text,
        owner_id -> Text,
        file_id -> Text,
        kind -> Text,
        label -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        password_version -> Integer,
        allow_download -> Bool,
        hide_location -> Bool,
        expires_at -> Nullable<Timestamp>,
        max_downloads -> Nullable<BigInt>,
        download_count -> BigInt,
        view_count -> BigInt,
        max_uploads -> Nullable<BigInt>,
        max_upload_bytes -> Nullable<BigInt>,
        upload_count -> BigInt,
        upload_bytes -> BigInt,
        uploader_folders -> Bool,
        token_sealed -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        owner_id -> Text,
        session_id -> Text,
        folder_id -> Nullable<Text>,
        name -> Text,
        length -> BigInt,
        received -> BigInt,
        sha256_state -> Text,
        crc32 -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        expires_at -> Timestamp,
        store_upload -> Nullable<Text>,
        part_size -> BigInt,
        parts -> Text,
        pending -> Nullable<Text>,
    }
}

diesel::joinable!(uploads -> users (owner_id));
diesel::allow_tables_to_appear_in_same_query!(uploads, sessions);

diesel::joinable!(shares -> users (owner_id));
diesel::joinable!(shares -> files (file_id));
diesel::allow_tables_to_appear_in_same_query!(shares, users);
diesel::allow_tables_to_appear_in_same_query!(shares, files);

diesel::table! {
    dav_locks (token) {
        token -> Text,
        owner_id -> Text,
        mount -> Text,
        path -> Text,
        principal -> Nullable<Text>,
        owner_xml -> Nullable<Text>,
        shared -> Bool,
        deep -> Bool,
        timeout_secs -> Nullable<BigInt>,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dav_props (file_id, namespace, name) {
        file_id -> Text,
        namespace -> Text,
        name -> Text,
        prefix -> Nullable<Text>,
        xml -> Nullable<Text>,
    }
}

diesel::table! {
    photo_meta (sha256) {
        sha256 -> Text,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        taken_at -> Nullable<Timestamp>,
        taken_offset -> Nullable<Integer>,
        camera_make -> Nullable<Text>,
        camera_model -> Nullable<Text>,
        lens -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        read_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(photo_meta, files);
diesel::allow_tables_to_appear_in_same_query!(photo_meta, blobs);

diesel::table! {
    refresh_tokens (token_sha256) {
        token_sha256 -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        scope -> Text,
    }
}

diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::allow_tables_to_appear_in_same_query!(refresh_tokens, sessions);
