// AWS Signature Version 4 for requests signed in the Authorization header,
// with S3's rules for the canonical URI: the path is given decoded and each
// segment is URI-encoded once ('/' kept), never normalised or double-encoded.
//
// Checked byte for byte against worked examples from AWS's documentation
// (tests/aws/sigv4_test.cc) and against botocore's S3SigV4Auth on generated
// S3 requests (tests/aws/botocore_compare.py).
//
// Secrets: nothing here logs; the secret key only enters the HMAC chain.
#ifndef IAM_AUDIT_AWS_SIGV4_H_
#define IAM_AUDIT_AWS_SIGV4_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iam_audit::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" when none
};

// SHA-256 of the empty string, as x-amz-content-sha256 for a bodiless GET.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Sha256Hex(std::string_view data);
std::string HexEncode(std::string_view bytes);
std::string HmacSha256(std::string_view key, std::string_view data);

// RFC 3986 percent-encoding: A-Z a-z 0-9 - . _ ~ stay; every other byte is
// %XX (upper-case hex). With keep_slash, '/' also stays (URI paths).
std::string UriEncode(std::string_view s, bool keep_slash);

// "20150830T123600Z" for a UTC time point.
std::string FormatAmzDate(std::chrono::system_clock::time_point t);

struct SigningInput {
  std::string method;  // "GET"
  std::string path;    // decoded, starts with '/': "/bucket/a key"
  std::vector<std::pair<std::string, std::string>> query;    // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // must include host; any case
  std::string payload_hash;                                  // hex SHA-256 or "UNSIGNED-PAYLOAD"
};

struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;  // the Authorization header value
  // Headers to send besides the caller's: X-Amz-Date and, with a session
  // token, X-Amz-Security-Token (both signed).
  std::vector<std::pair<std::string, std::string>> added_headers;
};

// amz_date: "YYYYMMDDTHHMMSSZ". Every header in input.headers is signed.
SigningResult Sign(const SigningInput& input, const Credentials& credentials,
                   std::string_view region, std::string_view service, std::string_view amz_date);

// The canonical query string: names and values encoded, pairs sorted by
// encoded name then value, joined with '&'. Also the request's query string.
std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace iam_audit::aws

#endif  // IAM_AUDIT_AWS_SIGV4_H_
