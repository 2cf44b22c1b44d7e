// Slack webhook payload validation (payload.h): the body as JSON or a form's
// payload field, its nesting, its top-level text, blocks and attachments, and
// the multipart payload field; each block's Block Kit checks are in
// payload_blocks.cc. Which failures map to which code comes from Slack's
// incoming-webhook, Block Kit and message-limit documentation; where Slack is
// undocumented the choice is ours and docs/mock_slack.md lists it.
//
// The body is parsed with simdjson's DOM: nlohmann's parser was about 40% of
// the server's instructions per webhook request (callgrind under wrk).
// simdjson checks UTF-8, control characters in strings, surrogates and number
// syntax as strictly; where the two parsers differ, nlohmann's reading is
// kept (a leading BOM, a NUL byte ending the input, integers beyond 64 bits),
// as are its object semantics: a key given twice counts with its last value,
// and of several bad keys in one object the least in byte order is named
// (nlohmann iterated keys sorted). Answers and details are those of the
// nlohmann version on every body tried (a differential run over 460,000
// mutated payloads). The rare truncated payload (top-level text over 40,000
// characters) is still re-serialised with nlohmann.
#include "mock_slack/payload.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "payload_internal.h"
#include "text_util.h"

namespace mock_slack {
namespace {

namespace dom = simdjson::dom;
using payload_internal::CheckBlocks;
using payload_internal::Count;
using payload_internal::Get;
using payload_internal::Reject;
using payload_internal::Str;
using payload_internal::Where;

// Largest nesting depth of `text` taken as JSON, without parsing it: '[' and
// '{' outside strings. Keeps recursive consumers (dump, the page renderer)
// away from stack exhaustion on hostile bodies.
std::size_t JsonDepth(std::string_view text) {
  std::size_t depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

// Whether `e` nests arrays and objects more than `limit` deep (a scalar is
// depth 0, a container one more than its deepest member), as JsonDepth counts
// on the text of a valid document. Recursion is bounded by `limit`.
bool DeeperThan(dom::element e, std::size_t limit) {
  // (value_unsafe() of a temporary result is a reference into it: copy it
  // before iterating.)
  if (e.is_array()) {
    if (limit == 0) return true;
    dom::array members = e.get_array().value_unsafe();
    for (dom::element member : members) {
      if (DeeperThan(member, limit - 1)) return true;
    }
  } else if (e.is_object()) {
    if (limit == 0) return true;
    dom::object fields = e.get_object().value_unsafe();
    for (dom::key_value_pair field : fields) {
      if (DeeperThan(field.value, limit - 1)) return true;
    }
  }
  return false;
}

// Bodies up to this size are parsed by a parser kept per thread.
constexpr std::size_t kReusedParserBytes = std::size_t{64} * 1024;

// Parses `text` into `root`, refusing nesting deeper than `max_depth` (>= 1),
// with the parser kept by this thread for small bodies (its buffers are
// allocated once) or a parser of its own, put in `own`, for large ones, so
// that no thread keeps buffers sized for the largest body it ever saw.
simdjson::error_code ParseDom(std::string_view text, std::size_t max_depth,
                              std::unique_ptr<dom::parser>* own, dom::element* root) {
  thread_local dom::parser reused;
  dom::parser* parser = &reused;
  if (text.size() > kReusedParserBytes) {
    *own = std::make_unique<dom::parser>();
    parser = own->get();
  }
  if (parser->max_depth() != max_depth) {
    // parse() keeps the depth when it grows the buffers.
    if (auto error = parser->allocate(std::max<std::size_t>(text.size(), 64), max_depth)) {
      return error;
    }
  }
  return parser->parse(text.data(), text.size(), true).get(*root);
}

// Byte offset of the end of the first `max_chars` code points of `s`.
std::size_t PrefixBytes(std::string_view s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return i;
      ++chars;
    }
  }
  return s.size();
}

PayloadVerdict Rejected(std::string code, std::string detail) {
  PayloadVerdict v;
  v.error = std::move(code);
  v.detail = std::move(detail);
  return v;
}

}  // namespace

std::size_t CountCharacters(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool FormValue(std::string_view body, std::string_view key, std::string* value) {
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(pos, end - pos);
    std::size_t eq = pair.find('=');
    std::string name = FormDecode(pair.substr(0, eq));
    if (name == key) {
      *value = eq == std::string_view::npos ? std::string() : FormDecode(pair.substr(eq + 1));
      return true;
    }
    pos = end + 1;
  }
  return false;
}

PayloadVerdict ValidatePayload(std::string_view body, std::string_view content_type,
                               const PayloadLimits& limits) {
  constexpr std::string_view kJsonType = "application/json";
  bool is_json_type = content_type.size() >= kJsonType.size();
  for (std::size_t i = 0; is_json_type && i < kJsonType.size(); ++i) {
    is_json_type = std::tolower(static_cast<unsigned char>(content_type[i])) == kJsonType[i];
  }

  std::string form_payload;
  std::string_view json_text = body;
  if (!is_json_type && FormValue(body, "payload", &form_payload)) json_text = form_payload;

  auto too_deep = [&] {
    return Rejected("invalid_payload",
                    "body: JSON nested deeper than " + std::to_string(limits.max_json_depth));
  };
  // Read as nlohmann's parser, which this replaced, read it: a leading UTF-8
  // byte order mark is skipped, and a NUL byte ends the input (anything after
  // it is ignored; inside a string it is an error either way).
  std::string_view parsed = json_text.substr(0, json_text.find('\0'));
  const bool cut_at_nul = parsed.size() != json_text.size();
  if (parsed.substr(0, 3) == "\xEF\xBB\xBF") parsed.remove_prefix(3);
  // Nesting is limited on the whole text, parsed or not (as JsonDepth counts
  // it), before anything recursive sees it. Scanning the text cost as much as
  // parsing it, so it is scanned only when the parse fails or stopped at a
  // NUL; a parsed document's depth is read from the DOM. The parser's own
  // limit (it counts a little differently) is kept above ours and only bounds
  // its work on hostile input.
  if (cut_at_nul && JsonDepth(json_text) > limits.max_json_depth) return too_deep();
  const std::size_t parser_depth = limits.max_json_depth + 2;
  dom::element root;
  std::unique_ptr<dom::parser> own_parser;
  simdjson::error_code parse_error = ParseDom(parsed, parser_depth, &own_parser, &root);
  if (parse_error ? JsonDepth(json_text) > limits.max_json_depth
                  : DeeperThan(root, limits.max_json_depth)) {
    return too_deep();
  }
  std::string rewritten;
  if (parse_error == simdjson::NUMBER_ERROR) {
    // Perhaps an integer beyond 64 bits: nlohmann read it as a double,
    // simdjson 3.0 refuses it (as both refuse 1e400 or 01). If nlohmann takes
    // the text, check its re-serialisation instead: the same keys, strings,
    // arrays and objects, only such numbers written differently.
    nlohmann::json j = nlohmann::json::parse(parsed, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) {
      rewritten = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      parse_error = ParseDom(rewritten, parser_depth, &own_parser, &root);
    }
  }
  if (parse_error) return Rejected("invalid_payload", "body: not JSON");
  if (!root.is_object()) return Rejected("invalid_payload", "body: JSON is not an object");
  dom::object doc = root.get_object().value_unsafe();

  bool renderable = false;
  PayloadVerdict verdict;
  if (dom::element text; Get(doc, "text", &text) && !text.is_null()) {
    if (!text.is_string()) return Rejected("invalid_payload", "text: not a string");
    std::string_view s = Str(text);
    if (CountCharacters(s) > limits.truncate_text_at) {
      s = s.substr(0, PrefixBytes(s, limits.truncate_text_at));
      verdict.text_truncated = true;
    }
    renderable = !s.empty();
    verdict.text = std::string(s);
  }
  Reject reject;
  if (dom::element blocks; Get(doc, "blocks", &blocks) && !blocks.is_null()) {
    if (!CheckBlocks(blocks, "blocks", limits, &reject)) {
      return Rejected(reject.code, reject.detail);
    }
    renderable = renderable || Count(blocks.get_array().value_unsafe()) > 0;
  }
  if (dom::element value; Get(doc, "attachments", &value) && !value.is_null()) {
    if (!value.is_array()) return Rejected("invalid_payload", "attachments: not an array");
    dom::array attachments = value.get_array().value_unsafe();
    std::size_t size = Count(attachments);
    if (size > limits.max_attachments) {
      return Rejected("too_many_attachments", "attachments: " + std::to_string(size) + ", limit " +
                                                  std::to_string(limits.max_attachments));
    }
    std::size_t i = 0;
    for (dom::element a : attachments) {
      if (!a.is_object()) {
        return Rejected("invalid_payload", Where("attachments", i) + ": not an object");
      }
      if (dom::element blocks; Get(a.get_object().value_unsafe(), "blocks", &blocks)) {
        if (!CheckBlocks(blocks, Where("attachments", i) + ".blocks", limits, &reject)) {
          return Rejected(reject.code, reject.detail);
        }
      }
      ++i;
    }
    renderable = renderable || size > 0;
  }
  if (!renderable) return Rejected("no_text", "payload: no text, blocks or attachments");

  verdict.accepted = true;
  // Kept as received unless the text was cut: re-serialising the parsed
  // document cost about half as much as parsing it (callgrind, per request
  // under wrk). The text is valid UTF-8 JSON (the parser checked it), and
  // every reader parses it again. A cut text (rare: over 40,000 characters)
  // is written back with nlohmann, as before.
  if (!verdict.text_truncated) {
    verdict.payload_json = std::string(json_text);
    return verdict;
  }
  nlohmann::json cut = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (cut.is_discarded() || !cut.is_object()) {
    return Rejected("invalid_payload", "body: not JSON");  // as nlohmann answered before
  }
  cut["text"] = verdict.text;
  verdict.payload_json = cut.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return verdict;
}

PayloadVerdict ValidateFormParts(const std::vector<FormPart>& parts, const PayloadLimits& limits) {
  for (const FormPart& part : parts) {
    if (part.name != "payload") continue;
    if (!part.filename.empty()) {
      return Rejected("invalid_payload", "multipart: the payload part is a file, not a field");
    }
    // The field holds the JSON itself: read it as a JSON body, never as a
    // urlencoded form (its text may well contain "payload=").
    PayloadVerdict v = ValidatePayload(part.content, "application/json", limits);
    if (!v.accepted) v.detail = "multipart payload field: " + v.detail;
    return v;
  }
  return Rejected("invalid_payload", "multipart: no payload field");
}

}  // namespace mock_slack
