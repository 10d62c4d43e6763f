//! The floor under `/preview`: a bare actix-web server (the same crate, version, worker count
//! and logging thread as homedisk) that answers `GET /preview/{id}` with a file's bytes held in
//! memory: no token, no lookup, no middleware. `bench/preview.sh` loads it beside homedisk and
//! nginx, so the report says how much of the gap to nginx is homedisk's and how much is the
//! framework's.
//!
//!   cargo run --release --example preview_floor -- FILE 127.0.0.1:PORT [log]
//!
//! With `log`, every request writes an access-log line through the same non-blocking tracing
//! writer homedisk uses (nginx logs every request in the benchmark too).

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(file), Some(bind)) = (args.first(), args.get(1)) else {
        eprintln!("usage: preview_floor FILE ADDR [log]");
        std::process::exit(2);
    };
    let log = args.get(2).is_some_and(|a| a == "log");
    let _guard = log.then(|| {
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(false)
            .finish(std::io::stderr());
        tracing_subscriber::fmt().with_writer(writer).with_ansi(false).init();
        guard
    });
    let body = web::Bytes::from(std::fs::read(file)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/preview/{id}",
            web::get().to(move |req: HttpRequest| {
                let body = body.clone();
                async move {
                    if log {
                        tracing::info!(target: "floor::access", status = 200, "GET {}", req.path());
                    }
                    HttpResponse::Ok().content_type("image/jpeg").body(body)
                }
            }),
        )
    })
    .bind(bind)?
    .run()
    .await
}
