//! Swagger UI at `/api/docs/` in a real browser, under the pages' CSP (`default-src 'self'`,
//! no inline script): it loads the document, shows every operation, and "Try it out" reaches
//! the API from the page.

use super::Harness;

/// One operation's block: Swagger UI's id is `operations-{tag}-{operationId}`.
const OPENAPI_JSON: &str = "#operations-meta-openapi_json";

#[actix_web::test]
async fn swagger_ui_renders_every_operation_and_tries_one_under_the_csp() {
    let Some(h) = Harness::start("swagger_ui_renders_every_operation_and_tries_one_under_the_csp")
    else {
        return;
    };
    let b = h.browser().await;
    b.goto("/api/docs/").await;
    // Rendered by the vendored bundle and the external init script: blocked scripts (CSP)
    // would leave the page empty.
    assert!(b.text(".swagger-ui .info .title").await.contains("homedisk API"));
    b.wait_until("every operation", "document.querySelectorAll('.opblock').length >= 60").await;
    for path in ["/api/v1/files", "/api/v1/auth/login", "/api/v1/uploads/{id}", "/preview/{id}"] {
        let css = format!(".opblock-summary-path[data-path='{path}']");
        assert!(!b.find_all(&css).await.is_empty(), "{path} is not shown");
    }
    // The vendored stylesheet applies (a blocked one would leave operations unstyled).
    let border = b
        .eval("return getComputedStyle(document.querySelector('.opblock-get')).borderTopColor;")
        .await;
    assert_ne!(border.as_str(), Some("rgb(0, 0, 0)"), "swagger-ui.css is not applied");

    b.click(&format!("{OPENAPI_JSON} .opblock-summary-control")).await;
    b.click(&format!("{OPENAPI_JSON} .try-out__btn")).await;
    b.click(&format!("{OPENAPI_JSON} .btn.execute")).await;
    let status = format!("{OPENAPI_JSON} .live-responses-table tr.response .response-col_status");
    assert_eq!(b.text(&status).await.trim(), "200");
    b.close().await;
}
