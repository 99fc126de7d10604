//! POST /graphql runs operations; GET /graphql serves GraphiQL to a browser.

use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchResponse, ErrorExtensionValues, Response, ServerError};
use async_graphql_poem::{GraphQLBatchRequest, GraphQLBatchResponse};
use poem::web::{Data, Html};
use poem::{Request, handler};

use super::principal::principal;
use super::{AppState, RequestId};
use crate::graphql::{REQUEST_ID, RequestContext};

/// GraphiQL, pointed at this server.
#[handler]
pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Terrane GraphiQL")
            .finish(),
    )
}

/// Every error leaves with a code: those async-graphql raises itself (syntax, validation,
/// argument coercion) are the client's doing.
fn ensure_codes(response: &mut Response, request_id: &str) {
    for error in &mut response.errors {
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
        if extensions.get("requestId").is_none() {
            extensions.set("requestId", request_id);
        }
    }
}

fn internal_error(request_id: &str) -> Response {
    let mut error = ServerError::new(format!("internal error (request id {request_id})"), None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", "INTERNAL");
    extensions.set("requestId", request_id);
    error.extensions = Some(extensions);
    Response::from_errors(vec![error])
}

/// Authenticates the bearer token (if any) and runs the operation(s).
#[handler]
pub async fn execute(
    req: &Request,
    Data(state): Data<&AppState>,
    batch: GraphQLBatchRequest,
) -> GraphQLBatchResponse {
    let request_id = RequestId::of(req);
    // An unknown, expired or revoked token makes the request anonymous: public operations
    // (signUp, logIn) still work and everything else answers UNAUTHENTICATED.
    let principal = match principal(req, &state.store).await {
        Ok(principal) => principal,
        Err(e) => {
            tracing::error!(error = %e, "authentication lookup failed");
            return GraphQLBatchResponse(BatchResponse::Single(internal_error(&request_id)));
        }
    };
    let mut batch = batch.0;
    for request in batch.iter_mut() {
        request.data.insert(RequestContext::new(
            state.store.clone(),
            principal,
            request_id.clone(),
        ));
    }
    let mut response = REQUEST_ID
        .scope(request_id.clone(), state.schema.execute_batch(batch))
        .await;
    match &mut response {
        BatchResponse::Single(r) => ensure_codes(r, &request_id),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(|r| ensure_codes(r, &request_id)),
    }
    GraphQLBatchResponse(response)
}
