// PutObject for the simulator (see s3_upload.h): the engine's S3 client
// (iam_audit/s3_client.h) builds, signs, sends and retries the request; this
// file owns what is the simulator's own: the --endpoint checks and the ETag
// the upload must come back with.
#include "iam_audit/simulator/s3_upload.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "aws/s3_request.h"

namespace iam_audit::simulator {

struct S3Uploader::Impl {
  explicit Impl(s3::S3Config config) : client(std::move(config)) {}
  s3::S3Client client;
  int64_t timeout_ms = 30000;
};

S3Uploader::S3Uploader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Uploader::~S3Uploader() = default;

StatusOr<std::unique_ptr<S3Uploader>> S3Uploader::Create(s3::S3Config config, int timeout_seconds) {
  auto ep = aws::ParseEndpointUrl(config.endpoint_url, "--endpoint");
  if (!ep.ok()) return ep.status();
  if (ep->tls && config.ca_bundle_path.empty()) {
    return InvalidArgumentError(
        "--endpoint: https needs a CA bundle (IAM_AUDIT_CA_BUNDLE or SSL_CERT_FILE)");
  }
  config.addressing = s3::S3Config::Addressing::kPath;
  auto impl = std::make_unique<Impl>(std::move(config));
  impl->timeout_ms = static_cast<int64_t>(timeout_seconds) * 1000;
  return std::unique_ptr<S3Uploader>(new S3Uploader(std::move(impl)));
}

Status S3Uploader::Put(std::string_view bucket, std::string_view key, std::string_view body,
                       std::string_view expected_etag) {
  auto put = impl_->client.PutObject(std::string(bucket), std::string(key), body,
                                     "application/octet-stream", impl_->timeout_ms);
  if (!put.ok()) return put.status();
  if (!expected_etag.empty() && put->etag != "\"" + std::string(expected_etag) + "\"") {
    return UnavailableError("s3: PutObject s3://" + std::string(bucket) + "/" + std::string(key) +
                            ": ETag " + put->etag + ", expected \"" + std::string(expected_etag) +
                            "\"");
  }
  return Status::Ok();
}

}  // namespace iam_audit::simulator
