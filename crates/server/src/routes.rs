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

    /// Merges a router not built with `routes!`, whose routes the caller lists. Only for
    /// routers that cannot move to `routes!` yet: the list can drift from them, so a unit test
    /// below counts their routes.
    pub fn merge_listed(
        mut self,
        router: Router<AppState>,
        list: &[(Method, &'static str)],
    ) -> Self {
        self.list
            .extend(list.iter().map(|(m, p)| (m.clone(), p.to_string())));
        self.router = self.router.merge(router);
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

// The alert and grid routers are still built without `routes!` (those modules are being
// reworked): their routes are listed by hand until they move, and the test below notices when
// their number changes.
pub(crate) const ALERTS_API: &[(Method, &str)] = &[
    (Method::GET, "/api/v1/alerts"),
    (Method::GET, "/api/v1/alerts/{id}"),
    (Method::POST, "/api/v1/alerts/{id}/{command}"),
];
pub(crate) const GRIDS_API: &[(Method, &str)] = &[
    (Method::POST, "/api/v1/admin/grids"),
    (Method::GET, "/api/v1/admin/grids"),
    (Method::POST, "/api/v1/admin/grids/{id}/workers"),
    (Method::GET, "/api/v1/grids/rates"),
];
pub(crate) const GRIDS_WEB: &[(Method, &str)] = &[
    (Method::GET, "/staff/grid"),
    (Method::GET, "/staff/grid/report"),
    (Method::GET, "/staff/grid/cases/{id}"),
    (Method::POST, "/staff/grid/cases/{id}/visit"),
    (Method::POST, "/staff/grid/cases/{id}/resolve"),
    (Method::POST, "/staff/grid/cases/{id}/escalate"),
    (Method::GET, "/staff/grid/photos/{id}"),
    (Method::GET, "/staff/admin/grids"),
    (Method::POST, "/staff/admin/grids"),
    (Method::POST, "/staff/admin/grids/workers"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[(Method, &str)]) -> usize {
        let mut paths: Vec<&str> = list.iter().map(|(_, p)| *p).collect();
        paths.dedup();
        paths.len()
    }

    #[test]
    fn hand_listed_routers_have_as_many_routes_as_listed() {
        for (source, list) in [
            (include_str!("alerts/api.rs"), ALERTS_API),
            (include_str!("grids/api.rs"), GRIDS_API),
            (include_str!("grids/web.rs"), GRIDS_WEB),
        ] {
            assert_eq!(
                source.matches(".route(").count(),
                paths(list),
                "a route was added or removed: update the list, or better, use routes!"
            );
        }
    }
}
