//! [`Endpoint`]: one API address and the methods it answers, registered as one actix resource,
//! so that another method answers 405 `method_not_allowed` with `Allow` (instead of falling
//! through to the API's 404). The methods are recorded as they are registered, so `Allow`
//! cannot drift from the routes. A `get` also answers `HEAD` (same handler; actix sends no
//! body).

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::Method;
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, web};

use crate::error::AppError;

pub struct Endpoint {
    resource: Resource,
    allow: Vec<Method>,
}

impl Endpoint {
    pub fn at(path: &str) -> Self {
        Endpoint { resource: web::resource(path), allow: Vec::new() }
    }

    /// Answers `method` with `handler`.
    pub fn on<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let guard = IsMethod(method.clone());
        self.resource = self.resource.route(web::route().guard(guard).to(handler));
        self.allow.push(method);
        self
    }

    /// `GET` and `HEAD`.
    pub fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::GET, handler.clone()).on(Method::HEAD, handler)
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::POST, handler)
    }

    pub fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::PUT, handler)
    }

    pub fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::PATCH, handler)
    }

    pub fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::DELETE, handler)
    }

    /// Data for this address's extractors only (a larger JSON limit, say).
    pub fn data<U: 'static>(mut self, data: U) -> Self {
        self.resource = self.resource.app_data(data);
        self
    }
}

/// The request's method is this one. Not actix's `guard::Method`: that one also records every
/// method it was asked about in the request's extensions, for a 405 actix would build itself
/// (three allocations on every request; the 405 here comes from [`Endpoint`]'s `Allow`).
struct IsMethod(Method);

impl actix_web::guard::Guard for IsMethod {
    fn check(&self, ctx: &actix_web::guard::GuardContext<'_>) -> bool {
        ctx.head().method == self.0
    }
}

impl HttpServiceFactory for Endpoint {
    fn register(self, config: &mut AppService) {
        let allow = self.allow.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
        let refuse = move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(AppError::MethodNotAllowed(allow)) }
        };
        self.resource.default_service(web::to(refuse)).register(config);
    }
}
