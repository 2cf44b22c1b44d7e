// The request-body readers of request_body.h: a plain body read whole, the
// parts of a multipart/form-data body (cpp-httplib parses it; its plain
// reader would refuse it), and fields re-encoded as a urlencoded form, all
// within the --max-body cap.
#include "request_body.h"

#include <string_view>

namespace mock_slack {

// Reads a plain body whole, up to `max_body` bytes; false when it is over
// (*too_large) or could not be read.
bool ReadBody(const httplib::ContentReader& reader, std::size_t max_body, std::string* body,
              bool* too_large) {
  return reader([&](const char* data, std::size_t n) {
    if (body->size() + n > max_body) {
      *too_large = true;
      return false;
    }
    body->append(data, n);
    return true;
  });
}

// The parts of a multipart/form-data body, kept within `max_body` bytes
// (names and contents). cpp-httplib parses such a body itself, and its plain
// reader would hand the parts to no receiver at all (an exception, so a
// 500): every handler that reads a body reads a multipart one with this.
// False when the body is over the cap (*too_large) or cannot be parsed (no
// boundary parameter, a boundary that never comes, a broken part header) or
// read.
bool ReadMultipart(const httplib::ContentReader& reader, std::size_t max_body,
                   std::vector<FormPart>* parts, bool* too_large) {
  std::size_t size = 0;
  return reader(
      [&](const httplib::MultipartFormData& header) {
        size += header.name.size() + header.filename.size() + header.content_type.size();
        if (size > max_body) {
          *too_large = true;
          return false;
        }
        parts->push_back({header.name, header.filename, header.content_type, {}});
        return true;
      },
      [&](const char* data, std::size_t n) {
        if (parts->empty()) return false;  // content before any part header
        size += n;
        if (size > max_body) {
          *too_large = true;
          return false;
        }
        parts->back().content.append(data, n);
        return true;
      });
}

// application/x-www-form-urlencoded text of the fields (not the files) of
// `parts`, for a handler that reads form bodies.
std::string FormEncode(const std::vector<FormPart>& parts) {
  auto encode = [](std::string* out, std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
          c == '.' || c == '_' || c == '~') {
        *out += c;
      } else {
        *out += '%';
        *out += kHex[u >> 4];
        *out += kHex[u & 15];
      }
    }
  };
  std::string body;
  for (const FormPart& part : parts) {
    if (!part.filename.empty()) continue;
    if (!body.empty()) body += '&';
    encode(&body, part.name);
    body += '=';
    encode(&body, part.content);
  }
  return body;
}

}  // namespace mock_slack
