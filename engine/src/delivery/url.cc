// The authority of an http(s) URL split into host and port (url.h), and the
// port's parse.
#include "delivery/url.h"

#include <charconv>

namespace iam_audit::internal {

UrlAuthority SplitUrlAuthority(std::string_view authority) {
  UrlAuthority out;
  out.host = authority;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      out.error = UrlAuthority::Error::kUnclosedBracket;
      return out;
    }
    out.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        out.error = UrlAuthority::Error::kTextAfterBracket;
        return out;
      }
      out.has_port = true;
      out.port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    out.host = authority.substr(0, colon);
    out.has_port = true;
    out.port = authority.substr(colon + 1);
  }
  return out;
}

std::optional<int> ParseUrlPort(std::string_view port) {
  int p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535) {
    return std::nullopt;
  }
  return p;
}

}  // namespace iam_audit::internal
