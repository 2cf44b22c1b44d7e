// How the S3 client turns an operation into a signed HTTP request: the
// endpoint and addressing style, the request target and the headers. Split
// out of s3_client.cc so tests can sign a request for a fixed time and
// compare it with other signers (tests/aws/s3_sign_tool.cc).
#ifndef IAM_AUDIT_AWS_S3_REQUEST_H_
#define IAM_AUDIT_AWS_S3_REQUEST_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sigv4.h"
#include "iam_audit/s3_client.h"
#include "iam_audit/status.h"

namespace iam_audit::aws {

struct Endpoint {
  bool tls = true;
  std::string host;  // no brackets
  int port = 443;
};

// "http://host:port" / "https://host[:port]" (a trailing '/' allowed).
// kInvalidArgument naming `what` (the variable) otherwise.
StatusOr<Endpoint> ParseEndpointUrl(std::string_view url, std::string_view what);

// True when `bucket` can be the first label of a virtual-hosted name
// (3-63 characters of a-z 0-9 '-', starting and ending alphanumeric; no
// dots, so the TLS wildcard certificate still matches).
bool IsVirtualHostableBucket(std::string_view bucket);

struct S3HttpRequest {
  Endpoint endpoint;        // where to connect
  std::string host_header;  // as http1 sends it: host, ":port" unless the default
  std::string target;       // "/key%20name?list-type=2&…"
  // Everything to send besides Host (which http1 adds): the caller's extra
  // headers, x-amz-content-sha256, X-Amz-Date, X-Amz-Security-Token,
  // Authorization.
  std::vector<std::pair<std::string, std::string>> headers;
  SigningResult signing;  // for tests; never logged
};

// ListObjectsV2's query parameters: list-type=2, encoding-type=url and those
// of `request` that are set.
std::vector<std::pair<std::string, std::string>> ListObjectsV2Query(
    const s3::ListObjectsV2Request& request);

// `key` empty: a bucket-level request (ListObjectsV2). `extra_headers` are
// signed too (Range, If-Match). `payload_sha256` is the body's SHA-256 in
// lower-case hex (x-amz-content-sha256, signed); empty for a request without
// a body.
StatusOr<S3HttpRequest> BuildS3Request(
    const s3::S3Config& config, std::string_view method, std::string_view bucket,
    std::string_view key, const std::vector<std::pair<std::string, std::string>>& query,
    const std::vector<std::pair<std::string, std::string>>& extra_headers,
    std::string_view amz_date, std::string_view payload_sha256 = {});

}  // namespace iam_audit::aws

#endif  // IAM_AUDIT_AWS_S3_REQUEST_H_
