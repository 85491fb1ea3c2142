//! The few S3 calls the provider makes, behind a small trait so resource code reads as intent.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use cima_core::errors::AwsError;

#[derive(Debug, thiserror::Error)]
#[error("S3 {operation} s3://{bucket}/{key}: {error}")]
pub struct S3Error {
    pub operation: &'static str,
    pub bucket: String,
    pub key: String,
    pub error: AwsError,
}

impl S3Error {
    pub fn new(operation: &'static str, bucket: &str, key: &str, error: AwsError) -> Self {
        Self { operation, bucket: bucket.to_owned(), key: key.to_owned(), error }
    }
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

#[derive(Debug)]
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

fn err<E: std::error::Error + ProvideErrorMetadata + 'static>(
    operation: &'static str,
    bucket: &str,
    key: &str,
    e: &E,
) -> S3Error {
    S3Error::new(operation, bucket, key, AwsError::of(e))
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
            .map_err(|e| err("PutObject", bucket, key, &e))?;
        Ok(())
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, S3Error> {
        let out = match self.client.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = err("GetObject", bucket, key, &e);
                return match e.error.code() {
                    Some("NoSuchKey" | "NoSuchBucket") => Ok(None),
                    _ => Err(e),
                };
            }
        };
        let metadata = out.metadata.clone().unwrap_or_default().into_iter().collect();
        let body =
            out.body.collect().await.map_err(|e| S3Error::new("GetObject", bucket, key, AwsError::from_chain(&e)))?;
        Ok(Some(Object { body: body.into_bytes().to_vec(), metadata }))
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        self.client
            .delete_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| err("DeleteObject", bucket, key, &e))?;
        Ok(())
    }
}
