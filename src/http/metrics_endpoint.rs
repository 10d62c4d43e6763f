//! The `/metrics` listener (`HOMEDISK_METRICS_BIND`): a server of its own, so the metrics never
//! share an address, a middleware or a login with the app. One worker; the process's signals
//! stop it with the app.

use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::db::DbPool;

/// The server on `bind`, not yet polled (spawn it).
pub fn server(
    bind: std::net::SocketAddr,
    handle: PrometheusHandle,
    db: DbPool,
) -> std::io::Result<actix_web::dev::Server> {
    let data = web::Data::new((handle, db));
    Ok(HttpServer::new(move || {
        App::new().app_data(data.clone()).route("/metrics", web::get().to(render))
    })
    .workers(1)
    .disable_signals()
    .bind(bind)?
    .run())
}

async fn render(data: web::Data<(PrometheusHandle, DbPool)>) -> HttpResponse {
    let (handle, db) = data.get_ref();
    let pool = db.state();
    crate::metrics::pool_state(pool.connections - pool.idle_connections, pool.idle_connections);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
