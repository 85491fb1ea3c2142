//! The few S3 calls the provider makes, behind a small trait so resource code reads as intent.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;

#[derive(Debug, thiserror::Error)]
#[error("S3 {operation} s3://{bucket}/{key}: {message}")]
pub struct S3Error {
    pub operation: &'static str,
    pub bucket: String,
    pub key: String,
    pub message: String,
}

/// An object's body and user metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Object {
    pub body: Vec<u8>,
    pub metadata: BTreeMap<String, String>,
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    async fn put(&self, bucket: &str, key: &str, object: Object, content_type: &str) -> Result<(), S3Error>;
    /// `Ok(None)` when the object (or its bucket) does not exist.
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, S3Error>;
    async fn delete(&self, bucket: &str, key: &str) -> Result<(), S3Error>;
}

pub struct SdkStore {
    client: aws_sdk_s3::Client,
}

impl SdkStore {
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        // A custom endpoint (a local AWS-compatible server) does not resolve bucket subdomains.
        let config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some()).build();
        Self { client: aws_sdk_s3::Client::from_conf(config) }
    }
}

fn err<E: std::error::Error + ProvideErrorMetadata>(
    operation: &'static str,
    bucket: &str,
    key: &str,
    e: &E,
) -> S3Error {
    let message = match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        _ => DisplayErrorContext(e).to_string(),
    };
    S3Error { operation, bucket: bucket.to_owned(), key: key.to_owned(), message }
}

#[async_trait]
impl ObjectStore for SdkStore {
    async fn put(&self, bucket: &str, key: &str, object: Object, content_type: &str) -> Result<(), S3Error> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .set_metadata(Some(object.metadata.into_iter().collect()))
            .body(ByteStream::from(object.body))
            .send()
            .await
            .map_err(|e| err("PutObject", bucket, key, &e.into_service_error()))?;
        Ok(())
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, S3Error> {
        let out = match self.client.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = e.into_service_error();
                if e.is_no_such_key() || e.code() == Some("NoSuchBucket") {
                    return Ok(None);
                }
                return Err(err("GetObject", bucket, key, &e));
            }
        };
        let metadata = out.metadata.clone().unwrap_or_default().into_iter().collect();
        let body = out.body.collect().await.map_err(|e| S3Error {
            operation: "GetObject",
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Some(Object { body: body.into_bytes().to_vec(), metadata }))
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        self.client
            .delete_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| err("DeleteObject", bucket, key, &e.into_service_error()))?;
        Ok(())
    }
}
