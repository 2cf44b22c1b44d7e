// PutObject for the simulator (see s3_upload.h). The signer and endpoint
// parser are the engine's (engine/src/aws), so the simulator signs exactly
// as the S3 client does.
#include "iam_audit/simulator/s3_upload.h"

#include <chrono>

#include "aws/s3_request.h"
#include "aws/sigv4.h"
#include "delivery/http1.h"

namespace iam_audit::simulator {

struct S3Uploader::Impl {
  s3::S3Config config;
  aws::Endpoint endpoint;
  std::string host_header;
  int64_t timeout_ms = 30000;
  std::unique_ptr<http1::Connection> connection;
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
  auto impl = std::make_unique<Impl>();
  impl->endpoint = *ep;
  impl->host_header = ep->host.find(':') != std::string::npos ? "[" + ep->host + "]" : ep->host;
  if (ep->port != (ep->tls ? 443 : 80)) impl->host_header += ":" + std::to_string(ep->port);
  impl->timeout_ms = static_cast<int64_t>(timeout_seconds) * 1000;
  http1::ConnectionOptions options;
  options.host = ep->host;
  options.port = ep->port;
  options.tls = ep->tls;
  options.ca_bundle_path = config.ca_bundle_path;
  impl->connection = std::make_unique<http1::Connection>(options);
  impl->config = std::move(config);
  return std::unique_ptr<S3Uploader>(new S3Uploader(std::move(impl)));
}

namespace {

// The text of <Code>…</Code> in S3's error document, or "".
std::string ErrorCode(std::string_view body) {
  const size_t open = body.find("<Code>");
  if (open == std::string_view::npos) return "";
  const size_t start = open + 6;
  const size_t close = body.find("</Code>", start);
  if (close == std::string_view::npos || close - start > 64) return "";
  return std::string(body.substr(start, close - start));
}

}  // namespace

Status S3Uploader::Put(std::string_view bucket, std::string_view key, std::string_view body,
                       std::string_view expected_etag) {
  Impl& s = *impl_;
  const std::string where = "s3: PutObject s3://" + std::string(bucket) + "/" + std::string(key);
  aws::SigningInput in;
  in.method = "PUT";
  in.path = "/" + std::string(bucket) + "/" + std::string(key);
  in.payload_hash = aws::Sha256Hex(body);
  in.headers.emplace_back("host", s.host_header);
  in.headers.emplace_back("x-amz-content-sha256", in.payload_hash);
  const std::string amz_date = aws::FormatAmzDate(std::chrono::system_clock::now());
  const aws::Credentials credentials{s.config.access_key_id, s.config.secret_access_key,
                                     s.config.session_token};
  const aws::SigningResult signing = aws::Sign(in, credentials, s.config.region, "s3", amz_date);
  std::vector<std::pair<std::string, std::string>> headers;
  headers.emplace_back("x-amz-content-sha256", in.payload_hash);
  for (const auto& h : signing.added_headers) headers.push_back(h);
  headers.emplace_back("Authorization", signing.authorization);
  const std::string target = aws::UriEncode(in.path, /*keep_slash=*/true);
  auto response =
      s.connection->Request("PUT", target, headers, body, "application/octet-stream", s.timeout_ms);
  if (!response.ok()) return response.status().WithPrefix(where);
  if (response->status != 200) {
    const std::string code = ErrorCode(response->body);
    return UnavailableError(where + ": " + (code.empty() ? "error" : code) + " (HTTP " +
                            std::to_string(response->status) + ")");
  }
  if (!expected_etag.empty()) {
    const std::string etag = response->Header("etag");
    if (etag != "\"" + std::string(expected_etag) + "\"") {
      return UnavailableError(where + ": ETag " + etag + ", expected \"" +
                              std::string(expected_etag) + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace iam_audit::simulator
