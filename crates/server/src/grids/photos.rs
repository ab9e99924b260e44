//! Site-visit photos: stored as files under the data directory (`grid-photos/`), named by a
//! random id, with a row saying which case they belong to. The type is checked from the bytes
//! (JPEG, PNG, WebP magic numbers), not from what the client claims, and the size is capped.
//! They are served only through `GET /staff/grid/photos/{id}` to staff who may see the case.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use minsheng_store::PhotoRecord;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Largest photo accepted (phone cameras write 2–5 MB).
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// Largest whole upload: the photos a visit may carry, plus the form.
pub const MAX_UPLOAD_BYTES: usize =
    MAX_PHOTO_BYTES * minsheng_core::workflow::MAX_VISIT_PHOTOS + 64 * 1024;

/// The image type the bytes are, if one we accept.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks one uploaded photo: an accepted type (by its bytes, agreeing with the declared type
/// when one is given) and not too large.
pub fn check(bytes: &[u8], declared: Option<&str>) -> ApiResult<&'static str> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::bad(
            "photo_too_large",
            format!("照片不能超过{}MB", MAX_PHOTO_BYTES / 1024 / 1024),
            format!(
                "A photo may not exceed {} MB",
                MAX_PHOTO_BYTES / 1024 / 1024
            ),
        ));
    }
    let kind = sniff(bytes).ok_or_else(|| {
        ApiError::bad(
            "photo_type",
            "照片只能是 JPEG、PNG 或 WebP 图片",
            "A photo must be a JPEG, PNG or WebP image",
        )
    })?;
    if let Some(d) = declared
        && !d.is_empty()
        && d != "application/octet-stream"
        && d != kind
    {
        return Err(ApiError::bad(
            "photo_type",
            "照片的声明类型与内容不符",
            "The photo's declared type does not match its content",
        ));
    }
    Ok(kind)
}

fn path_of(st: &AppState, id: uuid::Uuid) -> PathBuf {
    st.photo_dir().join(id.simple().to_string())
}

/// Writes checked photos for a case; returns their ids. A failure part way removes what was
/// already written, so a refused visit leaves nothing behind.
pub async fn store(
    st: &AppState,
    case_id: uuid::Uuid,
    uploaded_by: &str,
    photos: Vec<(Vec<u8>, &'static str)>,
) -> ApiResult<Vec<uuid::Uuid>> {
    let mut done = Vec::new();
    let r = async {
        tokio::fs::create_dir_all(st.photo_dir())
            .await
            .map_err(|e| ApiError::Internal(format!("photo directory: {e}")))?;
        for (bytes, kind) in photos {
            let id = uuid::Uuid::new_v4();
            let path = path_of(st, id);
            tokio::fs::write(&path, &bytes)
                .await
                .map_err(|e| ApiError::Internal(format!("photo write: {e}")))?;
            done.push(id);
            st.store
                .save_photo(&PhotoRecord {
                    id,
                    case_id,
                    content_type: kind.to_string(),
                    size: bytes.len() as i64,
                    sha256: hex::encode(Sha256::digest(&bytes)),
                    uploaded_by: uploaded_by.to_string(),
                    created_at: crate::service::now(),
                })
                .await?;
        }
        Ok::<_, ApiError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(done),
        Err(e) => {
            discard(st, &done).await;
            Err(e)
        }
    }
}

/// Removes photos whose visit was refused after they were written.
pub async fn discard(st: &AppState, ids: &[uuid::Uuid]) {
    for id in ids {
        let _ = tokio::fs::remove_file(path_of(st, *id)).await;
        let _ = st.store.delete_photo(*id).await;
    }
}

/// The bytes and type of a photo (the caller has checked who may see it).
pub async fn read(st: &AppState, rec: &PhotoRecord) -> ApiResult<Vec<u8>> {
    tokio::fs::read(path_of(st, rec.id))
        .await
        .map_err(|_| ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert!(check(b"<html>", Some("image/jpeg")).is_err());
        assert!(check(&[0xFF, 0xD8, 0xFF, 0xE0], Some("image/png")).is_err());
        assert!(check(&[0xFF, 0xD8, 0xFF, 0xE0], None).is_ok());
        let big = vec![0xFF; MAX_PHOTO_BYTES + 1];
        assert!(check(&big, None).is_err());
    }
}
