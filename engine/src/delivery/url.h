// Internal: the authority of an http(s) URL ("host", "host:port", "[v6]",
// "[v6]:port") split into host and port, shared by the delivery URL parser
// (ParseHttpUrl, http_client.cc) and the S3 endpoint parser (ParseEndpointUrl,
// aws/s3_client.cc). Each caller words its own errors.
#ifndef IAM_AUDIT_SRC_DELIVERY_URL_H_
#define IAM_AUDIT_SRC_DELIVERY_URL_H_

#include <optional>
#include <string_view>

namespace iam_audit::internal {

struct UrlAuthority {
  enum class Error {
    kNone,
    kUnclosedBracket,   // "[::1" (no ']')
    kTextAfterBracket,  // "[::1]x" (neither ':' nor the end after ']')
  };
  Error error = Error::kNone;
  std::string_view host;  // without the brackets; may be empty
  bool has_port = false;  // a ':' separates a port (which may still be empty)
  std::string_view port;  // the text after that ':'
};

// Splits `authority` (no scheme, path, query or fragment). A host without
// brackets ends at its last ':'; a bracketed one at its ']'.
UrlAuthority SplitUrlAuthority(std::string_view authority);

// A port of decimal digits only, 1 to 65535; nullopt otherwise (also when empty).
std::optional<int> ParseUrlPort(std::string_view port);

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_SRC_DELIVERY_URL_H_
