//! The attachment store on disk: files content-addressed under
//! `<dir>/<first two hex digits>/<sha256>`. An upload streams into a temporary file in
//! `<dir>/tmp/` while it is hashed and counted, then is renamed into place, so a
//! half-written upload is never visible under a hash. Paths come only from hashes this
//! code computed; a client's filename never reaches the file system.

use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use futures::{Stream, StreamExt};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use switchboard_domain::attachment::is_sha256_hex;
use tokio::io::AsyncWriteExt;

/// A file now in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
}

/// The directory of stored files; cheap to clone.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// Removes a temporary file unless the upload completed.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: a leftover in tmp/ costs disk only, never correctness.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn io_error(what: &str, err: std::io::Error) -> ApiError {
    ApiError::Internal(anyhow::Error::new(err).context(what.to_owned()))
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FileStore { root: root.into() }
    }

    /// The directory the files live in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this hash lives; `None` for anything that is not a hash.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Streams `chunks` into the store. More than `max_bytes` is [`ApiError::TooLarge`]
    /// and leaves nothing behind; so does any error of the stream, which is returned.
    pub async fn save<S>(&self, mut chunks: S, max_bytes: u64) -> ApiResult<StoredFile>
    where
        S: Stream<Item = ApiResult<Bytes>> + Unpin,
    {
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(|e| io_error("creating the attachment directory", e))?;
        let mut name = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut name);
        let mut temp = TempFile {
            path: tmp_dir.join(format!("{}.part", hex::encode(name))),
            keep: false,
        };
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp.path)
            .await
            .map_err(|e| io_error("creating a temporary upload file", e))?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            if size > max_bytes {
                return Err(ApiError::TooLarge);
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| io_error("writing an upload", e))?;
        }
        file.sync_all()
            .await
            .map_err(|e| io_error("syncing an upload", e))?;
        drop(file);
        let sha256 = hex::encode(hasher.finalize());
        let target = self
            .path_of(&sha256)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a hash that is not hex")))?;
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| io_error("creating an attachment directory", e))?;
        }
        // Same bytes, same name: an existing file is already this content.
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            return Ok(StoredFile { sha256, size });
        }
        tokio::fs::rename(&temp.path, &target)
            .await
            .map_err(|e| io_error("moving an upload into place", e))?;
        temp.keep = true;
        Ok(StoredFile { sha256, size })
    }

    /// Opens a stored file for reading.
    pub async fn open(&self, sha256: &str) -> ApiResult<tokio::fs::File> {
        let path = self.path_of(sha256).ok_or(ApiError::NotFound)?;
        match tokio::fs::File::open(&path).await {
            Ok(f) => Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::error!(sha256, "an attachment's file is missing from the store");
                Err(ApiError::NotFound)
            }
            Err(e) => Err(io_error("opening an attachment", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = ApiResult<Bytes>> + Unpin {
        stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
    }

    fn tmp_is_empty(store: &FileStore) -> bool {
        std::fs::read_dir(store.root().join("tmp"))
            .map(|mut d| d.next().is_none())
            .unwrap_or(true)
    }

    #[tokio::test]
    async fn files_are_stored_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let stored = store
            .save(chunks(&[b"hello ", b"world"]), 100)
            .await
            .unwrap();
        assert_eq!(stored.size, 11);
        assert_eq!(
            stored.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        let path = dir.path().join("b9").join(&stored.sha256);
        assert_eq!(std::fs::read(path).unwrap(), b"hello world");
        // The same bytes again are the same file.
        let again = store.save(chunks(&[b"hello world"]), 100).await.unwrap();
        assert_eq!(again, stored);
        assert!(tmp_is_empty(&store));
    }

    #[tokio::test]
    async fn too_large_uploads_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let err = store
            .save(chunks(&[b"12345", b"67890"]), 8)
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::TooLarge));
        assert!(tmp_is_empty(&store));
        let failing = stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(ApiError::BadRequest("cut".into())),
        ]);
        assert!(store.save(failing, 100).await.is_err());
        assert!(tmp_is_empty(&store));
    }

    #[test]
    fn only_hashes_name_paths() {
        let store = FileStore::new("/data/attachments");
        assert!(store.path_of("../../etc/passwd").is_none());
        let sha = "ab".repeat(32);
        assert_eq!(
            store.path_of(&sha).unwrap(),
            PathBuf::from("/data/attachments/ab").join(&sha)
        );
    }
}
