// PutObject into an S3-compatible server (MinIO, s3rver, LocalStack, S3
// itself), for `simulate --deliver s3 --endpoint URL`: the engine's S3 client
// (iam_audit/s3_client.h, S3Client::PutObject) with path-style requests
// (http://host:port/bucket/key), its Signature Version 4 signing, its retries
// (5xx, SlowDown, lost connections, within the timeout) and its error wording.
// One object per request, the body sent whole. What this adds: the
// --endpoint checks and the ETag each upload must come back with.
//
// Credentials and region as the S3 client reads them (s3_client.h:
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION /
// AWS_DEFAULT_REGION, IAM_AUDIT_CA_BUNDLE / SSL_CERT_FILE for https).
// Errors never name the secret key, the token or the signature.
//
// Thread-safety: an S3Uploader is used by one thread at a time.
#ifndef IAM_AUDIT_SIMULATOR_S3_UPLOAD_H_
#define IAM_AUDIT_SIMULATOR_S3_UPLOAD_H_

#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/s3_client.h"
#include "iam_audit/status.h"

namespace iam_audit::simulator {

class S3Uploader {
 public:
  // `config.endpoint_url` must be set ("http://host:port" or
  // "https://host[:port]"). Errors: kInvalidArgument naming the endpoint.
  static StatusOr<std::unique_ptr<S3Uploader>> Create(s3::S3Config config,
                                                      int timeout_seconds = 30);
  ~S3Uploader();
  S3Uploader(const S3Uploader&) = delete;
  S3Uploader& operator=(const S3Uploader&) = delete;

  // PUT /bucket/key, retries included within timeout_seconds. OK only for
  // an answer whose ETag is "<expected_etag>" (when given). Errors as the S3
  // client words them ("s3: PutObject s3://bucket/key: <Code>: <Message>
  // (HTTP n, request id …)"), or an ETag mismatch.
  Status Put(std::string_view bucket, std::string_view key, std::string_view body,
             std::string_view expected_etag);

 private:
  struct Impl;
  explicit S3Uploader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_S3_UPLOAD_H_
