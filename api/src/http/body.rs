//! Reading a GraphQL request body within its limits: JSON up to `max_body_bytes`, multipart
//! uploads up to `max_upload_bytes` with their `operations` and `map` parts held to
//! `max_body_bytes` (so a huge query cannot ride in as an "upload"), files spooled to disk.
//! A declared `Content-Length` over the limit is refused before a byte is read.

use std::collections::HashMap;

use async_graphql::{BatchRequest, UploadValue};
use poem::http::{StatusCode, header};
use poem::{Body, Request, Response};
use tokio::io::AsyncWriteExt;

use super::limits::{RequestLimits, refusal_response};
use crate::graphql::limits::codes;

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Over its size limit.
    #[error("the request body is over its limit of {limit} bytes")]
    TooLarge {
        /// The limit that applied.
        limit: usize,
    },
    /// More files than allowed.
    #[error("at most {limit} files may be uploaded in one request")]
    TooManyFiles {
        /// The limit.
        limit: usize,
    },
    /// Not a GraphQL request.
    #[error("{0}")]
    Malformed(String),
    /// The server could not spool an upload.
    #[error("spooling an upload: {0}")]
    Spool(std::io::Error),
}

impl BodyError {
    /// The response: 413 for sizes, 400 for malformed bodies, 500 (logged) for our failures.
    pub fn into_response(self, request_id: &str) -> Response {
        match &self {
            BodyError::TooLarge { .. } | BodyError::TooManyFiles { .. } => refusal_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::PAYLOAD_TOO_LARGE,
                &self.to_string(),
                request_id,
            ),
            BodyError::Malformed(message) => refusal_response(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                message,
                request_id,
            ),
            BodyError::Spool(e) => {
                tracing::error!(request_id, error = %e, "spooling an upload failed");
                refusal_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    &format!("internal error (request id {request_id})"),
                    request_id,
                )
            }
        }
    }
}

/// Reads the batch (or single operation) `req` carries.
pub async fn read_batch(
    req: &Request,
    body: Body,
    limits: &RequestLimits,
) -> Result<BatchRequest, BodyError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let multipart = content_type
        .get(..10)
        .is_some_and(|p| p.eq_ignore_ascii_case("multipart/"));
    let limit = if multipart {
        limits.max_upload_bytes
    } else {
        limits.max_body_bytes
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    if multipart {
        let boundary = multer::parse_boundary(content_type)
            .map_err(|e| BodyError::Malformed(format!("bad multipart content type: {e}")))?;
        read_multipart(body, boundary, limits).await
    } else {
        let bytes = body.into_bytes_limit(limit).await.map_err(|e| match e {
            poem::error::ReadBodyError::PayloadTooLarge => BodyError::TooLarge { limit },
            other => BodyError::Malformed(format!("unreadable body: {other}")),
        })?;
        parse_operations(&bytes)
    }
}

fn parse_operations(bytes: &[u8]) -> Result<BatchRequest, BodyError> {
    serde_json::from_slice(bytes)
        .map_err(|e| BodyError::Malformed(format!("not a GraphQL request: {e}")))
}

fn multipart_error(error: multer::Error, limits: &RequestLimits) -> BodyError {
    match error {
        multer::Error::StreamSizeExceeded { .. } => BodyError::TooLarge {
            limit: limits.max_upload_bytes,
        },
        multer::Error::FieldSizeExceeded { field_name, .. } => BodyError::TooLarge {
            limit: match field_name.as_deref() {
                Some("operations" | "map") => limits.max_body_bytes,
                _ => limits.max_upload_bytes,
            },
        },
        other => BodyError::Malformed(format!("bad multipart body: {other}")),
    }
}

/// Writes an upload to an anonymous temp file (large uploads stay out of memory), rewound.
async fn spool(
    field: &mut multer::Field<'static>,
    limits: &RequestLimits,
) -> Result<std::fs::File, BodyError> {
    let mut file = tokio::fs::File::from_std(tempfile::tempfile().map_err(BodyError::Spool)?);
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(e, limits))?
    {
        file.write_all(&chunk).await.map_err(BodyError::Spool)?;
    }
    file.flush().await.map_err(BodyError::Spool)?;
    let mut content = file.into_std().await;
    std::io::Seek::rewind(&mut content).map_err(BodyError::Spool)?;
    Ok(content)
}

/// The GraphQL multipart request spec: `operations`, `map`, then the files.
async fn read_multipart(
    body: Body,
    boundary: String,
    limits: &RequestLimits,
) -> Result<BatchRequest, BodyError> {
    let sizes = multer::SizeLimit::new()
        .whole_stream(limits.max_upload_bytes as u64)
        .per_field(limits.max_upload_bytes as u64)
        .for_field("operations", limits.max_body_bytes as u64)
        .for_field("map", limits.max_body_bytes as u64);
    let mut multipart = multer::Multipart::with_constraints(
        body.into_bytes_stream(),
        boundary,
        multer::Constraints::new().size_limit(sizes),
    );
    let mut operations = None;
    let mut map = None;
    let mut files = Vec::new();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(e, limits))?
    {
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some("operations") => {
                operations = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| multipart_error(e, limits))?,
                );
            }
            Some("map") => {
                map = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| multipart_error(e, limits))?,
                );
            }
            Some(name) if field.file_name().is_some() => {
                if files.len() >= limits.max_upload_files {
                    return Err(BodyError::TooManyFiles {
                        limit: limits.max_upload_files,
                    });
                }
                let filename = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().map(ToString::to_string);
                let content = spool(&mut field, limits).await?;
                files.push((
                    name.to_owned(),
                    UploadValue {
                        filename,
                        content_type,
                        content,
                    },
                ));
            }
            _ => {}
        }
    }
    let operations = operations
        .ok_or_else(|| BodyError::Malformed("multipart body has no operations part".into()))?;
    let mut batch = parse_operations(&operations)?;
    let map = map.ok_or_else(|| BodyError::Malformed("multipart body has no map part".into()))?;
    let mut map: HashMap<String, Vec<String>> = serde_json::from_slice(&map)
        .map_err(|e| BodyError::Malformed(format!("bad multipart map: {e}")))?;
    for (name, upload) in files {
        for path in map.remove(&name).unwrap_or_default() {
            let copy = upload.try_clone().map_err(BodyError::Spool)?;
            match &mut batch {
                BatchRequest::Single(request) => request.set_upload(&path, copy),
                BatchRequest::Batch(requests) => {
                    // In a batch, paths lead with the operation's index: `0.variables.file`.
                    if let Some((index, rest)) = path.split_once('.')
                        && let Some(request) = index
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| requests.get_mut(i))
                    {
                        request.set_upload(rest, copy);
                    }
                }
            }
        }
    }
    if !map.is_empty() {
        return Err(BodyError::Malformed(
            "the multipart map names files that were not sent".into(),
        ));
    }
    Ok(batch)
}
