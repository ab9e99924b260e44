//! Routers that know their routes. axum cannot list what a `Router` serves, and tests need that
//! list (the access matrix has a row for every route, the OpenAPI document an operation for
//! every API route). So routers are built with `routes!`, which registers each route on the axum
//! router and records its methods and path in the same step: a new route is listed without
//! anyone having to remember it.

use crate::state::AppState;
use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;

/// An axum router and the `(method, path)` of every route it serves.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    list: Vec<(Method, String)>,
}

/// `routes!["/path" => get(handler).post(other), …]`: a [`Routes`] serving these routes. The
/// first call is a function of `axum::routing`; its name and those of the chained calls give
/// the listed methods (other calls, such as `.layer(…)`, are not methods and are skipped).
macro_rules! routes {
    ($($path:literal => $first:ident($($args:tt)*) $(.$call:ident($($cargs:tt)*))*),* $(,)?) => {
        $crate::routes::Routes::default()
            $(.route(
                $path,
                &[stringify!($first) $(, stringify!($call))*],
                axum::routing::$first($($args)*) $(.$call($($cargs)*))*,
            ))*
    };
}
pub(crate) use routes;

impl Routes {
    /// Used by `routes!`, which passes the names of the calls that built `handler`.
    pub fn route(mut self, path: &str, calls: &[&str], handler: MethodRouter<AppState>) -> Self {
        let methods: Vec<Method> = calls.iter().filter_map(|c| http_method(c)).collect();
        // A method router built some other way (`on`, `any`) would serve methods not listed.
        assert!(
            !methods.is_empty() && http_method(calls[0]).is_some(),
            "{path}: routes! needs a method function first, got {calls:?}"
        );
        self.list
            .extend(methods.into_iter().map(|m| (m, path.to_string())));
        self.router = self.router.route(path, handler);
        self
    }

    pub fn nest(mut self, prefix: &str, inner: Routes) -> Self {
        self.list.extend(inner.list.into_iter().map(|(m, path)| {
            // As axum nests it: the inner "/" is the prefix itself.
            let full = if path == "/" {
                prefix.to_string()
            } else {
                format!("{prefix}{path}")
            };
            (m, full)
        }));
        self.router = self.router.nest(prefix, inner.router);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.list.extend(other.list);
        self.router = self.router.merge(other.router);
        self
    }

    /// Layers and fallbacks; routes added here would not be listed.
    pub fn map(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    pub fn list(&self) -> &[(Method, String)] {
        &self.list
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

fn http_method(call: &str) -> Option<Method> {
    Some(match call {
        "get" => Method::GET,
        "post" => Method::POST,
        "put" => Method::PUT,
        "delete" => Method::DELETE,
        "patch" => Method::PATCH,
        _ => return None,
    })
}
