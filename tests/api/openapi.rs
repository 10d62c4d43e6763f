//! The OpenAPI document (`/api/v1/openapi.json`) describes exactly the routes the app has, and
//! Swagger UI (`/api/docs/`) is served from the binary under the pages' CSP.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::Value;

use crate::helpers::spawn_app;

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// `path → methods` of the document (`HEAD` is implied by `GET`, as `Endpoint::get` does).
fn documented(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .map(|(path, item)| {
            let methods = METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// Where a file's `Endpoint`s are mounted: the API scope, plus the file's own `web::scope`.
fn prefix(file: &str, source: &str) -> String {
    let scope = source
        .split_once("web::scope(\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("", |(scope, _)| scope);
    // `/preview` is mounted at the root of the app, the rest under `/api/v1`.
    let api = if file == "preview.rs" { "" } else { "/api/v1" };
    format!("{api}{scope}")
}

/// `path → methods` of every `Endpoint::at(…)` declared in `src/api/*.rs`.
fn declared() -> BTreeMap<String, BTreeSet<String>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut routes = BTreeMap::<String, BTreeSet<String>>::new();
    for entry in std::fs::read_dir(dir).expect("src/api") {
        let path = entry.expect("entry").path();
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        if !file.ends_with(".rs") || file == "endpoint.rs" {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read");
        let prefix = prefix(&file, &source);
        for declaration in source.split("Endpoint::at(\"").skip(1) {
            let (at, rest) = declaration.split_once('"').expect("a quoted path");
            let chain = rest.split(';').next().unwrap_or("");
            let methods = routes.entry(format!("{prefix}{at}")).or_default();
            for method in ["get", "post", "put", "patch", "delete"] {
                if chain.contains(&format!(".{method}(")) {
                    methods.insert(method.to_uppercase());
                }
            }
            for part in chain.split(".on(Method::").skip(1) {
                let method = part.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
                methods.insert(method.to_owned());
            }
        }
        // The preview is no `Endpoint`: its id is read from the rest of the path, and it
        // answers GET and HEAD (`api::preview::by_path`; its 405 is checked below).
        if file == "preview.rs" {
            assert!(source.contains(".default_service(web::to(by_path))"), "preview.rs changed");
            routes.insert(format!("{prefix}/{{id}}"), BTreeSet::from(["GET".to_owned()]));
        }
    }
    routes
}

async fn document<S, B>(app: &crate::helpers::TestApp<S>) -> Value
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = app.send(TestRequest::get().uri("/api/v1/openapi.json")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    r.json()
}

#[actix_web::test]
async fn the_document_is_openapi_3_1_with_every_way_to_authenticate_and_problem_answers() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let schemes = doc["components"]["securitySchemes"].as_object().expect("schemes");
    for name in ["bearer", "token_header", "basic", "session_cookie", "csrf", "preview_token"] {
        assert!(schemes.contains_key(name), "no security scheme {name}");
    }
    assert_eq!(schemes["session_cookie"]["name"], "homedisk_session");
    let problem = &doc["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status", "detail", "code"] {
        assert!(problem["required"].as_array().expect("required").contains(&field.into()));
    }
    // Every operation answers its errors as problem details.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            for status in ["400", "401", "403", "404", "429"] {
                let content = &op["responses"][status]["content"]["application/problem+json"];
                assert_eq!(
                    content["schema"]["$ref"], "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
        }
    }
    let login = &doc["paths"]["/api/v1/auth/login"]["post"];
    assert_eq!(login["security"], serde_json::json!([{}]), "login needs no credential");
    let upload = &doc["paths"]["/api/v1/files"]["post"]["requestBody"]["content"];
    assert!(upload.get("multipart/form-data").is_some(), "{upload}");
}

/// Fails when someone adds a route without documenting it (or documents one that is gone).
#[actix_web::test]
async fn every_declared_route_is_documented_and_every_documented_route_is_declared() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let declared = declared();
    assert!(declared.len() > 40, "the scan found only {declared:?}");
    assert_eq!(documented(&doc), declared, "the document and the `Endpoint`s differ");
}

/// The live app agrees with the document: each documented path is a registered resource
/// whose `Allow` (recorded by `Endpoint` as it registers the methods) is the documented set.
#[actix_web::test]
async fn each_documented_path_answers_exactly_the_documented_methods() {
    let app = spawn_app().await;
    let admin = app.register("openapi_admin").await;
    let doc = document(&app).await;
    for (path, methods) in documented(&doc) {
        let uri = path.replace("{id}", "x");
        let req = TestRequest::default()
            .method(Method::TRACE)
            .uri(&uri)
            .insert_header(("Authorization", format!("Bearer {}", admin.token)));
        let r = app.send(req).await;
        assert_eq!(r.status, 405, "TRACE {uri}: {}", r.text());
        let mut allowed: BTreeSet<String> =
            r.header("allow").unwrap_or("").split(", ").map(str::to_owned).collect();
        if methods.contains("GET") {
            allowed.remove("HEAD");
        }
        assert_eq!(allowed, methods, "{path}");
    }
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary_without_inline_script() {
    let app = spawn_app().await;
    let r = app.send(TestRequest::get().uri("/api/docs")).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some("/api/docs/"));
    let page = app.send(TestRequest::get().uri("/api/docs/")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(!html.contains("<script>") && !html.contains("style="), "{html}");
    assert!(
        page.header("content-security-policy").is_some_and(|c| c.contains("default-src 'self'"))
    );
    for (asset, kind) in [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-init.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
    ] {
        assert!(
            html.contains(&format!("src=\"{asset}\""))
                || html.contains(&format!("href=\"{asset}\""))
        );
        let r = app.send(TestRequest::get().uri(&format!("/api/docs/{asset}"))).await;
        assert_eq!(r.status, 200, "{asset}");
        assert!(r.header("content-type").is_some_and(|c| c.starts_with(kind)), "{asset}");
        assert!(r.body.len() > 100, "{asset}");
    }
}

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// utoipa names a schema after its type: two `CreateBody`s in two modules would silently
/// share one entry in the document (schemathesis found `GET /app-passwords` documented with
/// the share links' list). Each needs its own name (`#[schema(as = …)]`).
#[test]
fn no_two_schemas_share_a_name() {
    let mut files = Vec::new();
    sources(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    let mut seen = BTreeMap::<String, String>::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("read");
        for derive in source.split("ToSchema").skip(1) {
            // The attributes up to the item, then `struct Name` or `enum Name`.
            let item = derive.split_once("struct ").or_else(|| derive.split_once("enum "));
            let Some((attrs, rest)) = item else { continue };
            let ty: String =
                rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let name = attrs
                .split_once("schema(as = ")
                .map(|(_, a)| a.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
                .unwrap_or(ty);
            let place = file.display().to_string();
            if let Some(other) = seen.insert(name.clone(), place.clone()) {
                panic!("two schemas named {name}: {other} and {place}");
            }
        }
    }
    assert!(seen.len() > 40, "{seen:?}");
}
