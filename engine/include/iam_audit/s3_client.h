// A small Amazon S3 client: GetObject (streamed to a callback in chunks),
// ListObjectsV2 and PutObject, signed with AWS Signature Version 4, over the
// engine's own HTTP/1.1 client (engine/src/delivery/http1.h). No AWS SDK.
//
// GetObject reads the object in ranged GETs of chunk_bytes each (If-Match on
// the first answer's ETag, so a changed object is an error, not mixed bytes);
// a caller can inflate chunk by chunk with bounded memory.
//
// Configuration (S3Config::FromEnvironment), as Lambda and the AWS SDKs read it:
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional)
//   AWS_REGION, else AWS_DEFAULT_REGION
//   AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL: "http(s)://host[:port]";
//     with one of them, path-style addressing (http://host:port/bucket/key),
//     as botocore does; without, virtual-hosted
//     (https://bucket.s3.REGION.amazonaws.com/key), or path-style on
//     s3.REGION.amazonaws.com for a bucket name that cannot be a DNS label
//     (dots, upper case, underscores).
//   IAM_AUDIT_CA_BUNDLE, else SSL_CERT_FILE, else the system bundle (https).
//
// Errors name the operation, the bucket and key, and S3's Code and Message:
//   "s3: GetObject s3://bucket/key: NoSuchKey: The specified key does not exist. (HTTP 404, request
//   id …)"
// 404 gives kNotFound; other 4xx kInvalidArgument; 5xx, SlowDown and lost
// connections are retried with exponential backoff while the deadline allows,
// then give kUnavailable (kDeadlineExceeded when time ran out).
// Secrets: no error or log names the secret key, the session token or a
// signature (S3's SignatureDoesNotMatch document carries the string to sign
// and the signature provided: only its Code and Message are kept, and any
// copy of the secret, the token or the signature in them becomes <redacted>).
//
// Thread-safety: an S3Client is used by one thread at a time.
#ifndef IAM_AUDIT_S3_CLIENT_H_
#define IAM_AUDIT_S3_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit::s3 {

struct S3Config {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string region;
  // "" for AWS itself, else "http://host:port" or "https://host[:port]".
  std::string endpoint_url;
  enum class Addressing { kAuto, kPath, kVirtual };
  // kAuto: path-style with an endpoint_url, virtual-hosted without.
  Addressing addressing = Addressing::kAuto;
  std::string ca_bundle_path;  // required for https
  // GetObject reads the object in ranged GETs of this many bytes: the most
  // it holds in memory at once.
  size_t chunk_bytes = 8u << 20;
  int max_attempts = 6;  // per HTTP request, first try included

  // Reads the variables listed above from `getenv_fn` (the process
  // environment when omitted). kInvalidArgument naming the variable when one
  // is missing or malformed.
  using Getenv = std::function<std::optional<std::string>(const std::string&)>;
  static StatusOr<S3Config> FromEnvironment(const Getenv& getenv_fn = {});
};

struct ObjectSummary {
  std::string key;
  uint64_t size = 0;
};

struct ListObjectsV2Request {
  std::string bucket;
  std::string prefix;              // "" for none
  std::string continuation_token;  // from the previous page's next_continuation_token
  std::string start_after;         // "" for none
  int max_keys = 0;                // 0: S3's default (1000)
  // "" for none. With one (e.g. "/"), keys that contain it after the prefix
  // are not listed one by one: each distinct part up to and including its
  // first occurrence after the prefix is one entry of common_prefixes
  // (counted against max_keys like an object).
  std::string delimiter;
};

struct ListObjectsV2Result {
  std::vector<ObjectSummary> objects;
  // With a delimiter: the CommonPrefixes of this page (each ending in the
  // delimiter), in key order, URL-decoded like the keys.
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_continuation_token;  // "" on the last page
};

struct PutObjectResult {
  std::string etag;  // as S3 answers it, quotes included ("\"<hex>\""); "" if none
};

// Receives the object's bytes in order, one chunk (at most chunk_bytes) at a
// time. A non-OK return stops the download and is GetObject's result.
using ChunkCallback = std::function<Status(std::string_view chunk)>;

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // All take a deadline for the whole operation, retries and backoff
  // included (timeout_ms from now).
  Status GetObject(const std::string& bucket, const std::string& key, const ChunkCallback& on_chunk,
                   int64_t timeout_ms);
  StatusOr<ListObjectsV2Result> ListObjectsV2(const ListObjectsV2Request& request,
                                              int64_t timeout_ms);
  // PUT of the whole body in one request (no multipart upload), signed with
  // the body's SHA-256 as x-amz-content-sha256; the same endpoint,
  // addressing, retries and error wording as GetObject ("s3: PutObject
  // s3://bucket/key: NoSuchBucket: … (HTTP 404, request id …)").
  // `content_type` "" sends none (S3 then stores binary/octet-stream).
  StatusOr<PutObjectResult> PutObject(const std::string& bucket, const std::string& key,
                                      std::string_view body, std::string_view content_type,
                                      int64_t timeout_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iam_audit::s3

#endif  // IAM_AUDIT_S3_CLIENT_H_
