// The S3 client (iam_audit/s3_client.h): endpoint parsing and request
// building (path or virtual-host style, SigV4-signed), S3Config from the
// environment, and S3Client's GetObject in ranged chunks, ListObjectsV2 and
// PutObject, with retries, S3 error documents turned into Status and secrets
// redacted.
#include "iam_audit/s3_client.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "aws/s3_request.h"
#include "aws/s3_xml.h"
#include "aws/sigv4.h"
#include "delivery/http1.h"
#include "delivery/url.h"
#include "iam_audit/http_client.h"

namespace iam_audit::aws {

StatusOr<Endpoint> ParseEndpointUrl(std::string_view url, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(std::string(what) + ": \"" + std::string(url) + "\" " +
                                std::string(why) +
                                " (expected http://host:port or https://host[:port])");
  };
  Endpoint ep;
  std::string_view rest;
  if (url.starts_with("https://")) {
    ep.tls = true;
    ep.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    ep.tls = false;
    ep.port = 80;
    rest = url.substr(7);
  } else {
    return bad("is not an http or https URL");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos)
    return bad("has a path, query or user part");
  internal::UrlAuthority authority = internal::SplitUrlAuthority(rest);
  if (authority.error == internal::UrlAuthority::Error::kUnclosedBracket)
    return bad("has an unclosed '['");
  if (authority.error == internal::UrlAuthority::Error::kTextAfterBracket)
    return bad("has text after ']'");
  if (authority.host.empty()) return bad("has no host");
  if (authority.has_port) {
    std::optional<int> p = internal::ParseUrlPort(authority.port);
    if (!p) return bad("has a bad port");
    ep.port = *p;
  }
  ep.host = std::string(authority.host);
  return ep;
}

bool IsVirtualHostableBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return false;
  return std::all_of(bucket.begin(), bucket.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::vector<std::pair<std::string, std::string>> ListObjectsV2Query(
    const s3::ListObjectsV2Request& request) {
  std::vector<std::pair<std::string, std::string>> query;
  query.emplace_back("list-type", "2");
  // Keys come back URL-encoded, so any key (even one with characters XML 1.0
  // cannot carry) survives; botocore asks for the same.
  query.emplace_back("encoding-type", "url");
  if (!request.prefix.empty()) query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) query.emplace_back("delimiter", request.delimiter);
  if (!request.continuation_token.empty())
    query.emplace_back("continuation-token", request.continuation_token);
  if (!request.start_after.empty()) query.emplace_back("start-after", request.start_after);
  if (request.max_keys > 0) query.emplace_back("max-keys", std::to_string(request.max_keys));
  return query;
}

StatusOr<S3HttpRequest> BuildS3Request(
    const s3::S3Config& config, std::string_view method, std::string_view bucket,
    std::string_view key, const std::vector<std::pair<std::string, std::string>>& query,
    const std::vector<std::pair<std::string, std::string>>& extra_headers,
    std::string_view amz_date, std::string_view payload_sha256) {
  S3HttpRequest req;
  bool path_style = false;
  if (!config.endpoint_url.empty()) {
    auto ep = ParseEndpointUrl(config.endpoint_url, "s3 endpoint");
    if (!ep.ok()) return ep.status();
    req.endpoint = *ep;
    path_style = config.addressing != s3::S3Config::Addressing::kVirtual;
    if (!path_style) req.endpoint.host = std::string(bucket) + "." + req.endpoint.host;
  } else {
    std::string suffix = config.region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
    path_style =
        config.addressing == s3::S3Config::Addressing::kPath ||
        (config.addressing == s3::S3Config::Addressing::kAuto && !IsVirtualHostableBucket(bucket));
    req.endpoint.tls = true;
    req.endpoint.port = 443;
    req.endpoint.host =
        (path_style ? "s3." : std::string(bucket) + ".s3.") + config.region + suffix;
  }
  const Endpoint& ep = req.endpoint;
  req.host_header = ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  if (ep.port != (ep.tls ? 443 : 80)) req.host_header += ":" + std::to_string(ep.port);

  std::string path = "/";
  if (path_style) {
    path.append(bucket);
    if (!key.empty()) path.append("/").append(key);
  } else {
    path.append(key);
  }

  SigningInput in;
  in.method = std::string(method);
  in.path = path;
  in.query = query;
  in.payload_hash = std::string(payload_sha256.empty() ? kEmptyPayloadSha256 : payload_sha256);
  in.headers.emplace_back("host", req.host_header);
  in.headers.emplace_back("x-amz-content-sha256", in.payload_hash);
  for (const auto& h : extra_headers) in.headers.push_back(h);
  Credentials creds{config.access_key_id, config.secret_access_key, config.session_token};
  req.signing = Sign(in, creds, config.region, "s3", amz_date);

  req.target = UriEncode(path, true);
  std::string qs = CanonicalQueryString(query);
  if (!qs.empty()) req.target += "?" + qs;
  req.headers = extra_headers;
  req.headers.emplace_back("x-amz-content-sha256", in.payload_hash);
  for (const auto& h : req.signing.added_headers) req.headers.push_back(h);
  req.headers.emplace_back("Authorization", req.signing.authorization);
  return req;
}

}  // namespace iam_audit::aws

namespace iam_audit::s3 {

StatusOr<S3Config> S3Config::FromEnvironment(const Getenv& getenv_fn) {
  auto get = [&](const std::string& name) -> std::string {
    std::optional<std::string> v;
    if (getenv_fn) {
      v = getenv_fn(name);
    } else if (const char* p = std::getenv(name.c_str())) {
      v = std::string(p);
    }
    return v.value_or("");
  };
  S3Config config;
  config.access_key_id = get("AWS_ACCESS_KEY_ID");
  config.secret_access_key = get("AWS_SECRET_ACCESS_KEY");
  config.session_token = get("AWS_SESSION_TOKEN");
  if (config.access_key_id.empty()) return InvalidArgumentError("s3: AWS_ACCESS_KEY_ID is not set");
  if (config.secret_access_key.empty())
    return InvalidArgumentError("s3: AWS_SECRET_ACCESS_KEY is not set");
  config.region = get("AWS_REGION");
  if (config.region.empty()) config.region = get("AWS_DEFAULT_REGION");
  if (config.region.empty())
    return InvalidArgumentError("s3: AWS_REGION (or AWS_DEFAULT_REGION) is not set");
  for (char c : config.region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return InvalidArgumentError("s3: the region \"" + config.region +
                                  "\" is not a region name (a-z, 0-9, '-')");
    }
  }
  std::string endpoint_var = "AWS_ENDPOINT_URL_S3";
  config.endpoint_url = get(endpoint_var);
  if (config.endpoint_url.empty()) {
    endpoint_var = "AWS_ENDPOINT_URL";
    config.endpoint_url = get(endpoint_var);
  }
  bool tls = true;
  if (!config.endpoint_url.empty()) {
    auto ep = aws::ParseEndpointUrl(config.endpoint_url, "s3: " + endpoint_var);
    if (!ep.ok()) return ep.status();
    tls = ep->tls;
  }
  std::string ca_override = get("IAM_AUDIT_CA_BUNDLE");
  if (ca_override.empty()) ca_override = get("SSL_CERT_FILE");
  auto ca = FindCaBundle(ca_override);
  if (ca.ok()) {
    config.ca_bundle_path = *ca;
  } else if (tls) {
    return ca.status().WithPrefix("s3");
  }
  return config;
}

namespace {

using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string Where(std::string_view bucket, std::string_view key) {
  std::string out = "s3://" + std::string(bucket);
  if (!key.empty()) out.append("/").append(key);
  return out;
}

bool RetryableStatus(int status, const std::string& code) {
  return status == 500 || status == 502 || status == 503 || status == 504 || code == "SlowDown" ||
         code == "InternalError" || code == "RequestTimeout" || code == "ServiceUnavailable";
}

void Redact(std::string& text, std::initializer_list<std::string_view> secrets) {
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
      text.replace(pos, secret.size(), "<redacted>");
    }
  }
}

// What a request sends besides its headers: GET and no body, or a PUT's
// body (whose SHA-256 is signed) and its Content-Type ("" for none).
struct Payload {
  std::string_view method = "GET";
  std::string_view body;
  std::string_view content_type;
};

}  // namespace

struct S3Client::Impl {
  S3Config config;
  std::map<std::string, std::unique_ptr<http1::Connection>> connections;
  std::minstd_rand rng{std::random_device{}()};

  http1::Connection& ConnectionFor(const aws::Endpoint& ep) {
    std::string id = (ep.tls ? "https://" : "http://") + ep.host + ":" + std::to_string(ep.port);
    auto& slot = connections[id];
    if (!slot) {
      if (connections.size() > 8) connections.clear();  // one per bucket host: keep a few
      http1::ConnectionOptions o;
      o.host = ep.host;
      o.port = ep.port;
      o.tls = ep.tls;
      o.ca_bundle_path = config.ca_bundle_path;
      o.max_response_bytes = config.chunk_bytes + (1u << 20);
      o.user_agent = "iam-audit/0.1 s3";
      connections[id] = std::make_unique<http1::Connection>(std::move(o));
    }
    return *connections[id];
  }

  // One S3 request with retries. `what` is "GetObject s3://bucket/key".
  StatusOr<http1::Response> Send(std::string_view operation, std::string_view bucket,
                                 std::string_view key, const Headers& query,
                                 const Headers& extra_headers, Clock::time_point deadline,
                                 int pass_through_status = 0, const Payload& payload = {}) {
    const std::string what = "s3: " + std::string(operation) + " " + Where(bucket, key);
    // Hashed once: the same body goes out on every attempt.
    const std::string payload_sha256 =
        payload.body.empty() ? std::string() : aws::Sha256Hex(payload.body);
    Status last;
    int attempts = std::max(1, config.max_attempts);
    for (int attempt = 1;; ++attempt) {
      auto remaining =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (remaining <= 0) {
        if (last.ok())
          return DeadlineExceededError(what + ": timed out before the request was sent");
        return Status(StatusCode::kDeadlineExceeded, last.message() + " (deadline reached after " +
                                                         std::to_string(attempt - 1) +
                                                         " attempts)");
      }
      auto req =
          aws::BuildS3Request(config, payload.method, bucket, key, query, extra_headers,
                              aws::FormatAmzDate(std::chrono::system_clock::now()), payload_sha256);
      if (!req.ok()) return req.status().WithPrefix(what);
      http1::Connection& conn = ConnectionFor(req->endpoint);
      auto resp = conn.Request(payload.method, req->target, req->headers, payload.body,
                               payload.content_type, remaining);
      bool retryable = false;
      if (!resp.ok()) {
        last = resp.status().WithPrefix(what);
        if (resp.status().code() == StatusCode::kDeadlineExceeded) return last;
        retryable = resp.status().code() == StatusCode::kUnavailable;
      } else if ((resp->status >= 200 && resp->status < 300) ||
                 resp->status == pass_through_status) {
        return resp;
      } else {
        aws::S3ErrorDocument doc = aws::ParseS3Error(resp->body);
        std::string message = what + ": ";
        if (!doc.code.empty()) {
          message += doc.code + (doc.message.empty() ? "" : ": " + doc.message);
        } else {
          message += "no S3 error document";
        }
        message += " (HTTP " + std::to_string(resp->status);
        if (std::string id = resp->Header("x-amz-request-id"); !id.empty())
          message += ", request id " + id;
        // A bucket in another region (301 PermanentRedirect, 400
        // AuthorizationHeaderMalformed): S3 names the right one.
        if (std::string region = resp->Header("x-amz-bucket-region");
            !region.empty() && region != config.region) {
          message += ", bucket region " + region;
        }
        message += ")";
        // The server's text is not trusted to leave our secrets out.
        Redact(message, {config.secret_access_key, config.session_token, req->signing.signature});
        retryable = RetryableStatus(resp->status, doc.code);
        StatusCode code = resp->status == 404 ? StatusCode::kNotFound
                          : retryable         ? StatusCode::kUnavailable
                                              : StatusCode::kInvalidArgument;
        last = Status(code, message);
        if (!retryable) return last;
      }
      if (!retryable) return last;
      if (attempt >= attempts) {
        return Status(last.code(),
                      last.message() + " (gave up after " + std::to_string(attempt) + " attempts)");
      }
      // Exponential backoff with full jitter: up to 100 ms, 200 ms, … 5 s.
      int64_t cap = std::min<int64_t>(5000, int64_t{100} << std::min(attempt - 1, 6));
      int64_t wait = std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng);
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (wait >= left) {
        return Status(StatusCode::kDeadlineExceeded, last.message() + " (deadline reached after " +
                                                         std::to_string(attempt) + " attempts)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
  }
};

S3Client::S3Client(S3Config config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
}
S3Client::~S3Client() = default;

namespace {

Status CheckNames(std::string_view operation, const std::string& bucket, const std::string* key) {
  if (bucket.empty())
    return InvalidArgumentError("s3: " + std::string(operation) + ": the bucket name is empty");
  if (bucket.find('/') != std::string::npos) {
    return InvalidArgumentError("s3: " + std::string(operation) + ": the bucket name \"" + bucket +
                                "\" contains '/'");
  }
  if (key != nullptr && key->empty()) {
    return InvalidArgumentError("s3: " + std::string(operation) + " s3://" + bucket +
                                ": the key is empty");
  }
  return Status::Ok();
}

// "bytes 0-99/1234" → {0, 99, 1234}.
bool ParseContentRange(std::string_view v, uint64_t& first, uint64_t& last, uint64_t& total) {
  if (!v.starts_with("bytes ")) return false;
  v.remove_prefix(6);
  size_t dash = v.find('-');
  size_t slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash)
    return false;
  auto num = [](std::string_view s, uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  return num(v.substr(0, dash), first) && num(v.substr(dash + 1, slash - dash - 1), last) &&
         num(v.substr(slash + 1), total) && first <= last && last < total;
}

}  // namespace

Status S3Client::GetObject(const std::string& bucket, const std::string& key,
                           const ChunkCallback& on_chunk, int64_t timeout_ms) {
  if (Status s = CheckNames("GetObject", bucket, &key); !s.ok()) return s;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms));
  const std::string what = "s3: GetObject " + Where(bucket, key);
  const uint64_t chunk = std::max<size_t>(1, impl_->config.chunk_bytes);
  uint64_t offset = 0;
  std::string etag;
  while (true) {
    Headers extra;
    extra.emplace_back(
        "Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + chunk - 1));
    // Later ranges must come from the same version of the object.
    if (!etag.empty()) extra.emplace_back("If-Match", etag);
    // A Range past the end of an empty object is S3's 416 InvalidRange.
    auto resp = impl_->Send("GetObject", bucket, key, {}, extra, deadline, offset == 0 ? 416 : 0);
    if (!resp.ok()) return resp.status();
    if (resp->status == 416) return Status::Ok();
    if (resp->status == 200) {
      // The server ignored Range: the whole object in one response.
      if (offset != 0)
        return DataLossError(what + ": the server answered a ranged GET with the whole object");
      if (!resp->body.empty()) return on_chunk(resp->body);
      return Status::Ok();
    }
    if (resp->status != 206) {
      return InvalidArgumentError(what + ": unexpected HTTP " + std::to_string(resp->status));
    }
    uint64_t first = 0, last = 0, total = 0;
    if (!ParseContentRange(resp->Header("content-range"), first, last, total) || first != offset ||
        resp->body.size() != last - first + 1) {
      return DataLossError(
          what + ": a ranged response does not match its request (Content-Range \"" +
          resp->Header("content-range") + "\", " + std::to_string(resp->body.size()) + " bytes)");
    }
    if (etag.empty()) etag = resp->Header("etag");
    if (Status s = on_chunk(resp->body); !s.ok()) return s;
    offset = last + 1;
    if (offset >= total) return Status::Ok();
  }
}

StatusOr<ListObjectsV2Result> S3Client::ListObjectsV2(const ListObjectsV2Request& request,
                                                      int64_t timeout_ms) {
  if (Status s = CheckNames("ListObjectsV2", request.bucket, nullptr); !s.ok()) return s;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms));
  Headers query = aws::ListObjectsV2Query(request);
  auto resp = impl_->Send("ListObjectsV2", request.bucket, "", query, {}, deadline);
  if (!resp.ok()) return resp.status();
  auto result = aws::ParseListBucketResult(resp->body);
  if (!result.ok()) {
    return result.status().WithPrefix("s3: ListObjectsV2 " + Where(request.bucket, "") +
                                      ": malformed response");
  }
  return result;
}

StatusOr<PutObjectResult> S3Client::PutObject(const std::string& bucket, const std::string& key,
                                              std::string_view body, std::string_view content_type,
                                              int64_t timeout_ms) {
  if (Status s = CheckNames("PutObject", bucket, &key); !s.ok()) return s;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms));
  Payload payload;
  payload.method = "PUT";
  payload.body = body;
  payload.content_type = content_type;
  auto resp = impl_->Send("PutObject", bucket, key, {}, {}, deadline, 0, payload);
  if (!resp.ok()) return resp.status();
  PutObjectResult result;
  result.etag = resp->Header("etag");
  return result;
}

}  // namespace iam_audit::s3
