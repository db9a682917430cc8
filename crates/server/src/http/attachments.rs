//! `/api/v1/attachments`: upload a file (multipart, up to 25 MiB, the one route with a
//! body limit above the API's 1 MiB) and download one the caller may read. Downloads
//! never render in the browser: `Content-Disposition: attachment`, `nosniff`, a
//! sandboxing CSP, and a content type from a short list of inert ones.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::{Stream, TryStreamExt};
use serde::Serialize;
use switchboard_domain::attachment::{safe_content_type, MAX_ATTACHMENT_BYTES};
use switchboard_domain::*;
use tokio::io::AsyncReadExt;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiPath;

/// The upload route's body limit: the largest file plus room for the multipart framing.
const MAX_UPLOAD_BODY: usize = MAX_ATTACHMENT_BYTES as usize + 64 * 1024;

/// The size of the chunks a download is streamed in.
const READ_CHUNK: usize = 64 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_attachment))
        // Inner to the API's 1 MiB default, so it wins for this route only.
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY))
        .merge(OpenApiRouter::new().routes(routes!(download_attachment)))
}

/// An uploaded file.
#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    /// The client's name for the file, cleaned of any path; for display only.
    pub filename: String,
    /// One of image/png, image/jpeg, image/gif, image/webp, application/pdf,
    /// text/plain, or application/octet-stream for anything else.
    pub content_type: String,
    pub size: i64,
    /// Where to download it.
    pub url: String,
}

impl From<&Attachment> for AttachmentDto {
    fn from(a: &Attachment) -> Self {
        AttachmentDto {
            id: a.id.0,
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            url: format!("/api/v1/attachments/{}", a.id),
        }
    }
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes the form for the OpenAPI document only")]
struct UploadForm {
    /// The file (one part named `file`, with its filename and content type).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn multipart_error(err: MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::BadRequest(err.body_text())
    }
}

/// Upload a file (multipart field `file`, at most 25 MiB); attach it to a comment or a
/// library document next.
#[utoipa::path(post, path = "/api/v1/attachments",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentDto), (status = 400), (status = 413), (status = 422)))]
async fn upload_attachment(
    State(state): State<AppState>,
    Auth(me): Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentDto>)> {
    let mut multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let chunks = std::pin::pin!(field.map_err(multipart_error));
        let file = state
            .app
            .upload_attachment(
                &me.actor,
                filename.as_deref(),
                content_type.as_deref(),
                chunks,
            )
            .await?;
        return Ok((StatusCode::CREATED, Json((&file).into())));
    }
    Err(ApiError::invalid(
        "file",
        "is required (a multipart part named file)",
    ))
}

/// Download a file: its uploader, users who can see a conversation whose comment
/// references it, and (for library documents) every user of the account.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "application/octet-stream"),
        (status = 404)))]
async fn download_attachment(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (file, bytes) = state
        .app
        .open_attachment(&me.actor, AttachmentId(id))
        .await?;
    file_response(&file.content_type, &file.filename, bytes)
}

/// A stored file as a download, with headers that keep it from running in the browser:
/// a safe content type, `attachment` disposition, `nosniff` and a sandboxing CSP.
pub(super) fn file_response(
    content_type: &str,
    filename: &str,
    bytes: tokio::fs::File,
) -> ApiResult<Response> {
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(safe_content_type(Some(content_type))),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&content_disposition(filename))
                .map_err(|e| ApiError::Internal(e.into()))?,
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ),
    ];
    Ok((headers, Body::from_stream(read_chunks(bytes))).into_response())
}

/// A file's bytes as a stream of chunks.
fn read_chunks(file: tokio::fs::File) -> impl Stream<Item = std::io::Result<Bytes>> {
    futures::stream::try_unfold(file, |mut file| async move {
        let mut buf = vec![0u8; READ_CHUNK];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), file)))
    })
}

/// `attachment; filename="<ASCII stand-in>"; filename*=UTF-8''<percent-encoded>`
/// (RFC 6266 / 5987): every client gets a safe name, modern ones the exact one.
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(filename.len() * 3);
    for b in filename.bytes() {
        // RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else %XX.
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_ascii_with_the_exact_name_encoded() {
        assert_eq!(
            content_disposition("report 2026.pdf"),
            "attachment; filename=\"report 2026.pdf\"; filename*=UTF-8''report%202026.pdf"
        );
        let header = content_disposition("naïve \"quote\";\r\n.txt");
        assert!(header.is_ascii());
        assert!(HeaderValue::from_str(&header).is_ok());
        assert!(
            header.contains("filename=\"na_ve _quote_;__.txt\""),
            "{header}"
        );
        assert!(header.contains("filename*=UTF-8''na%C3%AFve%20%22quote%22%3B%0D%0A.txt"));
    }
}
