//! Object storage for large payloads (session recordings and exports):
//! the local filesystem by default, any S3-compatible store with
//! `TRACKR_OBJECT_STORE_URL=s3://bucket/prefix` and the usual `AWS_*`
//! variables (`AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP` for local stand-ins).

use std::{path::Path as FsPath, sync::Arc, time::Duration};

use object_store::{
    aws::{AmazonS3, AmazonS3Builder},
    buffered::BufWriter,
    local::LocalFileSystem,
    path::Path,
    signer::Signer,
    ObjectStore,
};
use tokio::io::AsyncWriteExt;
use trackr_config::{ObjectStoreLocation, Settings};

#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// Set for S3: it can hand out pre-signed links.
    s3: Option<Arc<AmazonS3>>,
    prefix: String,
}

impl Store {
    pub fn open(settings: &Settings) -> Result<Store, String> {
        match &settings.object_store {
            ObjectStoreLocation::LocalDir(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let local = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("object store: {e}"))?;
                Ok(Store {
                    inner: Arc::new(local),
                    s3: None,
                    prefix: String::new(),
                })
            }
            ObjectStoreLocation::S3 { bucket, prefix } => {
                let s3 = Arc::new(
                    AmazonS3Builder::from_env()
                        .with_bucket_name(bucket)
                        .build()
                        .map_err(|e| format!("object store: {e}"))?,
                );
                Ok(Store {
                    inner: s3.clone(),
                    s3: Some(s3),
                    prefix: prefix.clone(),
                })
            }
        }
    }

    fn path(&self, key: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Uploads a local file under `key`, streaming (multipart on S3).
    pub async fn put_file(&self, key: &str, file: &FsPath) -> Result<(), String> {
        let mut source = tokio::fs::File::open(file)
            .await
            .map_err(|e| e.to_string())?;
        let mut sink = BufWriter::new(self.inner.clone(), self.path(key));
        let copied = tokio::io::copy(&mut source, &mut sink).await;
        match copied {
            Ok(_) => sink
                .shutdown()
                .await
                .map_err(|e| format!("upload of {key}: {e}")),
            Err(e) => {
                let _ = sink.abort().await;
                Err(format!("upload of {key}: {e}"))
            }
        }
    }

    /// Writes `bytes` under `key` (replacing what was there).
    pub async fn put(&self, key: &str, bytes: bytes::Bytes) -> Result<(), String> {
        self.inner
            .put(&self.path(key), bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| format!("upload of {key}: {e}"))
    }

    /// Deletes `key`; an object already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), String> {
        match self.inner.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(format!("deletion of {key}: {e}")),
        }
    }

    /// Deletes every object under `prefix`; returns how many.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<u64, String> {
        use futures_util::TryStreamExt;
        let base = self.path(prefix);
        let found: Vec<object_store::ObjectMeta> = self
            .inner
            .list(Some(&base))
            .try_collect()
            .await
            .map_err(|e| format!("listing {prefix}: {e}"))?;
        for meta in &found {
            match self.inner.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(format!("deletion under {prefix}: {e}")),
            }
        }
        Ok(found.len() as u64)
    }

    /// Keys (without the store's prefix) and sizes of the objects under
    /// `prefix`, sorted by key.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>, String> {
        use futures_util::TryStreamExt;
        let found: Vec<object_store::ObjectMeta> = self
            .inner
            .list(Some(&self.path(prefix)))
            .try_collect()
            .await
            .map_err(|e| format!("listing {prefix}: {e}"))?;
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut keys: Vec<(String, u64)> = found
            .into_iter()
            .map(|m| {
                let key = m.location.to_string();
                (
                    key.strip_prefix(&strip).map(str::to_owned).unwrap_or(key),
                    m.size,
                )
            })
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Whether `key` exists.
    pub async fn exists(&self, key: &str) -> Result<bool, String> {
        match self.inner.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }

    pub async fn get(&self, key: &str) -> Result<bytes::Bytes, String> {
        let object = self
            .inner
            .get(&self.path(key))
            .await
            .map_err(|e| e.to_string())?;
        object.bytes().await.map_err(|e| e.to_string())
    }

    /// A pre-signed GET link, where the store can make one (S3).
    pub async fn signed_url(&self, key: &str, valid: Duration) -> Option<String> {
        let s3 = self.s3.as_ref()?;
        s3.signed_url(http::Method::GET, &self.path(key), valid)
            .await
            .ok()
            .map(|u| u.to_string())
    }

    pub fn is_local(&self) -> bool {
        self.s3.is_none()
    }
}
