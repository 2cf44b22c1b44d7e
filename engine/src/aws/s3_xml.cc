// The S3 XML reader of s3_xml.h: elements found by name, their text decoded
// (entities, character references, CDATA), S3's Error document and
// ListObjectsV2's ListBucketResult (Contents and CommonPrefixes).
#include "aws/s3_xml.h"

#include <charconv>
#include <cstdint>

namespace iam_audit::aws {

StatusOr<std::vector<std::string_view>> XmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(name);
  const std::string close = "</" + std::string(name) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    size_t after = pos + open.size();
    if (after >= xml.size()) break;
    char next = xml[after];
    if (next != '>' && next != ' ' && next != '/' && next != '\t' && next != '\r' && next != '\n') {
      pos = after;  // a longer name with this prefix (<KeyCount> for <Key>)
      continue;
    }
    size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos)
      return InvalidArgumentError("xml: unclosed <" + std::string(name) + "> tag");
    if (xml[gt - 1] == '/') {
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) {
      return InvalidArgumentError("xml: <" + std::string(name) + "> without </" +
                                  std::string(name) + ">");
    }
    out.push_back(xml.substr(gt + 1, end - gt - 1));
    pos = end + close.size();
  }
  return out;
}

namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: %XX and '+' for ' '.
StatusOr<std::string> UrlDecodePlus(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || HexDigit(s[i + 1]) < 0 || HexDigit(s[i + 2]) < 0) {
        return InvalidArgumentError("bad %-escape at offset " + std::to_string(i));
      }
      out.push_back(static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

StatusOr<std::string> XmlText(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    char c = raw[i];
    if (c == '<') {
      if (raw.substr(i, 9) == "<![CDATA[") {
        size_t end = raw.find("]]>", i + 9);
        if (end == std::string_view::npos)
          return InvalidArgumentError("xml: unterminated CDATA section");
        out.append(raw.substr(i + 9, end - i - 9));
        i = end + 3;
        continue;
      }
      return InvalidArgumentError("xml: unexpected markup in element text");
    }
    if (c != '&') {
      out.push_back(c);
      ++i;
      continue;
    }
    size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12)
      return InvalidArgumentError("xml: unterminated '&' reference");
    std::string_view ref = raw.substr(i + 1, semi - i - 1);
    if (ref == "amp") {
      out.push_back('&');
    } else if (ref == "lt") {
      out.push_back('<');
    } else if (ref == "gt") {
      out.push_back('>');
    } else if (ref == "quot") {
      out.push_back('"');
    } else if (ref == "apos") {
      out.push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [p, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || cp == 0 ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return InvalidArgumentError("xml: bad character reference &" + std::string(ref) + ";");
      }
      AppendUtf8(out, cp);
    } else {
      return InvalidArgumentError("xml: unknown entity &" + std::string(ref) + ";");
    }
    i = semi + 1;
  }
  return out;
}

StatusOr<std::optional<std::string>> XmlFirstText(std::string_view xml, std::string_view name) {
  auto elements = XmlElements(xml, name);
  if (!elements.ok()) return elements.status();
  if (elements->empty()) return std::optional<std::string>();
  auto text = XmlText(elements->front());
  if (!text.ok()) return text.status().WithPrefix("<" + std::string(name) + ">");
  return std::optional<std::string>(std::move(*text));
}

S3ErrorDocument ParseS3Error(std::string_view xml) {
  S3ErrorDocument doc;
  auto root = XmlElements(xml, "Error");
  if (!root.ok() || root->empty()) return doc;
  std::string_view body = root->front();
  if (auto code = XmlFirstText(body, "Code"); code.ok() && code->has_value()) doc.code = **code;
  if (auto message = XmlFirstText(body, "Message"); message.ok() && message->has_value())
    doc.message = **message;
  return doc;
}

StatusOr<s3::ListObjectsV2Result> ParseListBucketResult(std::string_view xml) {
  auto root = XmlElements(xml, "ListBucketResult");
  if (!root.ok()) return root.status();
  if (root->empty()) return InvalidArgumentError("not a ListBucketResult document");
  std::string_view body = root->front();
  s3::ListObjectsV2Result result;
  auto encoding = XmlFirstText(body, "EncodingType");
  if (!encoding.ok()) return encoding.status();
  const bool url_encoded = encoding->has_value() && **encoding == "url";
  auto contents = XmlElements(body, "Contents");
  if (!contents.ok()) return contents.status();
  for (size_t n = 0; n < contents->size(); ++n) {
    std::string_view entry = (*contents)[n];
    auto key = XmlFirstText(entry, "Key");
    if (!key.ok()) return key.status().WithPrefix("Contents[" + std::to_string(n) + "]");
    if (!key->has_value())
      return InvalidArgumentError("Contents[" + std::to_string(n) + "] has no <Key>");
    auto size = XmlFirstText(entry, "Size");
    if (!size.ok()) return size.status().WithPrefix("Contents[" + std::to_string(n) + "]");
    if (!size->has_value())
      return InvalidArgumentError("Contents[" + std::to_string(n) + "] has no <Size>");
    const std::string& s = **size;
    uint64_t value = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
      return InvalidArgumentError("Contents[" + std::to_string(n) + "] <Size> is not a number: \"" +
                                  s + "\"");
    }
    if (url_encoded) {
      auto decoded = UrlDecodePlus(**key);
      if (!decoded.ok())
        return decoded.status().WithPrefix("Contents[" + std::to_string(n) + "] <Key>");
      **key = std::move(*decoded);
    }
    result.objects.push_back({std::move(**key), value});
  }
  auto common = XmlElements(body, "CommonPrefixes");
  if (!common.ok()) return common.status();
  for (size_t n = 0; n < common->size(); ++n) {
    const std::string where = "CommonPrefixes[" + std::to_string(n) + "]";
    auto prefix = XmlFirstText((*common)[n], "Prefix");
    if (!prefix.ok()) return prefix.status().WithPrefix(where);
    if (!prefix->has_value()) return InvalidArgumentError(where + " has no <Prefix>");
    if (url_encoded) {
      auto decoded = UrlDecodePlus(**prefix);
      if (!decoded.ok()) return decoded.status().WithPrefix(where + " <Prefix>");
      **prefix = std::move(*decoded);
    }
    result.common_prefixes.push_back(std::move(**prefix));
  }
  auto truncated = XmlFirstText(body, "IsTruncated");
  if (!truncated.ok()) return truncated.status();
  result.is_truncated = truncated->has_value() && **truncated == "true";
  auto token = XmlFirstText(body, "NextContinuationToken");
  if (!token.ok()) return token.status();
  if (token->has_value()) result.next_continuation_token = **token;
  if (result.is_truncated && result.next_continuation_token.empty()) {
    return InvalidArgumentError("IsTruncated is true but there is no <NextContinuationToken>");
  }
  return result;
}

}  // namespace iam_audit::aws
