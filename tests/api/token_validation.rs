//! Forged, malformed and expired tokens: always a 401 with a code, never a 500.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use crate::helpers::{TEST_SECRET, TestUser, claims_for, spawn_app};

fn b64(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).expect("json"))
}

fn hmac_token(alg: jsonwebtoken::Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("encode")
}

async fn assert_invalid<S, B>(app: &crate::helpers::TestApp<S>, token: &str, why: &str)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = app.me(token).await;
    assert_eq!(r.status, 401, "{why}: {}", r.text());
    assert_eq!(r.code(), "token_invalid", "{why}");
}

#[actix_web::test]
async fn a_valid_minted_token_is_accepted_so_the_forgeries_below_test_one_thing_each() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    assert_eq!(app.me(&app.mint(&claims_for(&alice))).await.status, 200);
}

#[actix_web::test]
async fn alg_none_and_other_algorithms_are_refused() {
    let app = spawn_app().await;
    let alice: TestUser = app.register("alice").await;
    let claims = claims_for(&alice);
    let none = format!("{}.{}.", b64(&json!({ "alg": "none", "typ": "JWT" })), b64(&claims));
    assert_invalid(&app, &none, "alg none").await;
    let none_sig = format!("{}.{}.c2ln", b64(&json!({ "alg": "none" })), b64(&claims));
    assert_invalid(&app, &none_sig, "alg none with a signature").await;
    let kid = app.state.keys.current_kid().to_owned();
    for alg in [jsonwebtoken::Algorithm::HS384, jsonwebtoken::Algorithm::HS512] {
        assert_invalid(&app, &hmac_token(alg, Some(&kid), &claims), &format!("{alg:?}")).await;
    }
}

#[actix_web::test]
async fn edited_claims_break_the_signature() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let parts: Vec<&str> = alice.token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&B64.decode(parts[1]).expect("b64")).expect("json");
    claims["sub"] = json!(bob.id);
    let forged = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_invalid(&app, &forged, "sub swapped").await;
    claims["sub"] = json!(alice.id);
    claims["scope"] = json!("files:read files:write admin");
    let forged = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_invalid(&app, &forged, "scope widened").await;
}

/// A change to a valid token's claims.
type Edit = Box<dyn Fn(&mut Value)>;

#[actix_web::test]
async fn wrong_typed_or_missing_claims_are_refused() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let base = claims_for(&alice);
    let edits: Vec<(&str, Edit)> = vec![
        ("string exp", Box::new(|c| c["exp"] = json!(c["exp"].to_string()))),
        ("float exp", Box::new(|c| c["exp"] = json!(c["exp"].as_f64().unwrap_or(0.0) + 0.5))),
        ("numeric sub", Box::new(|c| c["sub"] = json!(42))),
        ("no exp", Box::new(|c| _ = c.as_object_mut().map(|o| o.remove("exp")))),
        ("no sub", Box::new(|c| _ = c.as_object_mut().map(|o| o.remove("sub")))),
        ("no sid", Box::new(|c| _ = c.as_object_mut().map(|o| o.remove("sid")))),
        ("no iss", Box::new(|c| _ = c.as_object_mut().map(|o| o.remove("iss")))),
        ("no aud", Box::new(|c| _ = c.as_object_mut().map(|o| o.remove("aud")))),
        ("wrong iss", Box::new(|c| c["iss"] = json!("someone-else"))),
        ("wrong aud", Box::new(|c| c["aud"] = json!("another-app"))),
        ("typ preview", Box::new(|c| c["typ"] = json!("preview"))),
        ("unknown client", Box::new(|c| c["cli"] = json!("toaster"))),
        ("sid of nobody", Box::new(|c| c["sid"] = json!("00000000-0000-0000-0000-000000000000"))),
    ];
    for (why, edit) in edits {
        let mut claims = base.clone();
        edit(&mut claims);
        let r = app.me(&app.mint(&claims)).await;
        assert_eq!(r.status, 401, "{why}: {}", r.text());
        let code = r.code();
        // A well-formed token naming a session that does not exist reads as ended.
        let expected = if why == "sid of nobody" { "token_revoked" } else { "token_invalid" };
        assert_eq!(code, expected, "{why}");
    }
}

#[actix_web::test]
async fn an_unknown_kid_cannot_choose_a_key() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let token = hmac_token(
        jsonwebtoken::Algorithm::HS256,
        Some("not-a-configured-key"),
        &claims_for(&alice),
    );
    assert_invalid(&app, &token, "unknown kid").await;
    let jku = format!(
        "{}.{}.{}",
        b64(&json!({ "alg": "HS256", "jku": "http://127.0.0.1:1/keys", "kid": "x" })),
        b64(&claims_for(&alice)),
        "c2ln"
    );
    assert_invalid(&app, &jku, "jku header").await;
}

#[actix_web::test]
async fn malformed_shapes_are_refused() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let parts: Vec<&str> = alice.token.split('.').collect();
    let long = format!("{}.{}.{}", parts[0], "A".repeat(100 * 1024), parts[2]);
    for (why, token) in [
        ("two segments", format!("{}.{}", parts[0], parts[1])),
        ("four segments", format!("{}.x", alice.token)),
        ("100 KB", long),
        ("garbage", "not a token at all".to_owned()),
        ("empty segments", "..".to_owned()),
        ("non-json header", format!("{}.{}.{}", B64.encode("hello"), parts[1], parts[2])),
    ] {
        assert_invalid(&app, &token, why).await;
    }
}

#[actix_web::test]
async fn an_expired_token_says_so() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let mut claims = claims_for(&alice);
    let now = chrono::Utc::now().timestamp();
    claims["iat"] = json!(now - 7200);
    claims["exp"] = json!(now - 3600);
    let r = app.me(&app.mint(&claims)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_expired");
}

#[actix_web::test]
async fn an_expired_session_ends_its_tokens_even_if_the_jwt_is_still_valid() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    use diesel::prelude::*;
    use homedisk::db::schema::sessions;
    diesel::update(sessions::table.find(&alice.session_id))
        .set(sessions::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)))
        .execute(&mut app.conn())
        .expect("expire session");
    assert_eq!(app.me(&alice.token).await.code(), "token_expired");
}

#[actix_web::test]
async fn the_previous_key_verifies_during_rotation() {
    let old_key = "old-secret-0123456789abcdef-0123456789abcdef";
    let dir = tempfile::TempDir::new().expect("tmp");
    // Issue a token under the old key…
    let old = homedisk::startup::build_state(crate::helpers::test_config(
        &dir,
        &[("HOMEDISK_SECRET_KEY", old_key)],
    ))
    .expect("state");
    let old_kid = old.keys.current_kid().to_owned();
    drop(old);
    let app = crate::helpers::spawn_with(&[("HOMEDISK_PREVIOUS_SECRET_KEY", old_key)]).await;
    let alice = app.register("alice").await;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(old_kid);
    let token = jsonwebtoken::encode(
        &header,
        &claims_for(&alice),
        &jsonwebtoken::EncodingKey::from_secret(old_key.as_bytes()),
    )
    .expect("encode");
    // …and it still works after the key changed, because the old key is configured as previous.
    assert_eq!(app.me(&token).await.status, 200);
    // Without the previous key configured, the same token is refused.
    let strict = crate::helpers::spawn_app().await;
    let bob = strict.register("bob").await;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(
        homedisk::auth::tokens::Keys::new(&secrecy::SecretString::from(old_key.to_owned()), None)
            .current_kid()
            .to_owned(),
    );
    let token = jsonwebtoken::encode(
        &header,
        &claims_for(&bob),
        &jsonwebtoken::EncodingKey::from_secret(old_key.as_bytes()),
    )
    .expect("encode");
    assert_eq!(strict.me(&token).await.code(), "token_invalid");
}
