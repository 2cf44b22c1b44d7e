// Slack webhook payload validation. Which failures map to which code comes
// from Slack's incoming-webhook, Block Kit and message-limit documentation; where Slack is
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
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "text_util.h"

namespace mock_slack {
namespace {

namespace dom = simdjson::dom;

// Rejections carry the code and a detail for our logs; Slack sends no detail.
struct Reject {
  std::string code;
  std::string detail;
};

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
constexpr std::size_t kReusedParserBytes = 64 * 1024;

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

std::string Where(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

// The value of `key` in `object`: its last occurrence, as nlohmann's parser
// kept it (it overwrote earlier duplicates), so duplicated keys are judged as
// before. Objects in a payload are small: one scan per look-up.
bool Get(dom::object object, std::string_view key, dom::element* value) {
  bool found = false;
  for (dom::key_value_pair field : object) {
    if (field.key == key) {
      *value = field.value;
      found = true;
    }
  }
  return found;
}

bool Has(dom::object object, std::string_view key) {
  dom::element unused;
  return Get(object, key, &unused);
}

// The text of a string element (the caller checked is_string()).
std::string_view Str(dom::element e) { return e.get_string().value_unsafe(); }

bool IsNonEmptyString(dom::element e) { return e.is_string() && !Str(e).empty(); }

// Number of elements: dom::array::size() saturates at 0xFFFFFF.
std::size_t Count(dom::array array) {
  std::size_t n = array.size();
  if (n < 0xFFFFFF) return n;
  n = 0;
  for (dom::element e : array) {
    (void)e;
    ++n;
  }
  return n;
}

// Keeps the least key (byte order) among the bad ones offered, with what was
// wrong with it: nlohmann iterated an object's keys sorted, and the checks
// named the first bad one they met.
class FirstBadKey {
 public:
  void Offer(std::string_view key, bool unknown) {
    if (!found_ || key < key_) {
      found_ = true;
      key_ = key;
      unknown_ = unknown;
    }
  }
  // Fills `r` and returns true when some key was bad.
  bool Report(const std::string& where, Reject* r) const {
    if (!found_) return false;
    if (unknown_) {
      *r = {"invalid_blocks", where + ": unknown key '" + std::string(key_) + "'"};
    } else {
      *r = {"invalid_blocks", where + "." + std::string(key_) + ": not a boolean"};
    }
    return true;
  }

 private:
  bool found_ = false;
  bool unknown_ = false;
  std::string_view key_;
};

// Validates a composition text object {type, text, emoji?, verbatim?}.
bool CheckText(dom::element t, const std::string& where, bool plain_only, std::size_t max_chars,
               Reject* r) {
  if (!t.is_object()) {
    *r = {"invalid_blocks", where + ": not a text object"};
    return false;
  }
  dom::object object = t.get_object().value_unsafe();
  dom::element type;
  if (!Get(object, "type", &type) || !type.is_string()) {
    *r = {"invalid_blocks", where + ".type: missing"};
    return false;
  }
  std::string_view ty = Str(type);
  if (ty != "plain_text" && ty != "mrkdwn") {
    *r = {"invalid_blocks", where + ".type: '" + std::string(ty) + "' is not plain_text or mrkdwn"};
    return false;
  }
  if (plain_only && ty != "plain_text") {
    *r = {"invalid_blocks", where + ".type: must be plain_text"};
    return false;
  }
  FirstBadKey bad;
  dom::element text;
  bool has_text = false;
  for (dom::key_value_pair field : object) {
    std::string_view key = field.key;
    if (key == "text") {
      text = field.value;  // the last one counts
      has_text = true;
      continue;
    }
    bool flag = (key == "emoji" && ty == "plain_text") || (key == "verbatim" && ty == "mrkdwn");
    if (key != "type" && !flag) bad.Offer(key, /*unknown=*/true);
  }
  for (std::string_view flag : {"emoji", "verbatim"}) {
    bool known = flag == (ty == "plain_text" ? "emoji" : "verbatim");
    dom::element value;
    if (known && Get(object, flag, &value) && !value.is_bool()) bad.Offer(flag, /*unknown=*/false);
  }
  if (bad.Report(where, r)) return false;
  if (!has_text || !text.is_string()) {
    *r = {"invalid_blocks", where + ".text: missing or not a string"};
    return false;
  }
  std::size_t n = CountCharacters(Str(text));
  if (n == 0) {
    *r = {"invalid_blocks", where + ".text: empty"};
    return false;
  }
  if (n > max_chars) {
    *r = {"invalid_blocks", where + ".text: " + std::to_string(n) + " characters, limit " +
                                std::to_string(max_chars)};
    return false;
  }
  return true;
}

// Interactive or image elements are checked only for shape: an object with a
// string type. Slack checks each element kind in detail; we do not model them.
bool CheckElement(dom::element e, const std::string& where, Reject* r) {
  dom::element type;
  if (!e.is_object() || !Get(e.get_object().value_unsafe(), "type", &type) || !type.is_string()) {
    *r = {"invalid_blocks", where + ": not an element object with a type"};
    return false;
  }
  return true;
}

// `allowed` is a list, not a std::set: building a set of strings for every
// block was most of the Block Kit checks' cost (callgrind, per request).
bool CheckKeys(dom::object block, const std::string& where,
               std::initializer_list<std::string_view> allowed, Reject* r) {
  FirstBadKey bad;
  for (dom::key_value_pair field : block) {
    std::string_view key = field.key;
    if (key != "type" && key != "block_id" &&
        std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      bad.Offer(key, /*unknown=*/true);
    }
  }
  return !bad.Report(where, r);
}

bool CheckElementArray(dom::object block, const std::string& where, std::size_t max, Reject* r,
                       bool context) {
  dom::element elements;
  if (!Get(block, "elements", &elements) || !elements.is_array() ||
      Count(elements.get_array().value_unsafe()) == 0) {
    *r = {"invalid_blocks", where + ".elements: missing or empty"};
    return false;
  }
  dom::array array = elements.get_array().value_unsafe();
  std::size_t size = Count(array);
  if (size > max) {
    *r = {"invalid_blocks",
          where + ".elements: " + std::to_string(size) + ", limit " + std::to_string(max)};
    return false;
  }
  std::size_t i = 0;
  for (dom::element e : array) {
    std::string w = Where(where + ".elements", i++);
    if (!CheckElement(e, w, r)) return false;
    if (context) {
      dom::element type;
      Get(e.get_object().value_unsafe(), "type", &type);
      if (Str(type) == "image") continue;
      if (!CheckText(e, w, false, 3000, r)) return false;
    }
  }
  return true;
}

bool CheckBlock(dom::object block, std::size_t index, const std::string& base,
                const PayloadLimits& limits, std::set<std::string_view>* block_ids, Reject* r) {
  std::string where = Where(base, index);
  dom::element type_value;
  if (!Get(block, "type", &type_value) || !type_value.is_string()) {
    *r = {"invalid_blocks", where + ".type: missing"};
    return false;
  }
  if (dom::element id; Get(block, "block_id", &id)) {
    if (!IsNonEmptyString(id) || CountCharacters(Str(id)) > limits.max_block_id) {
      *r = {"invalid_blocks", where + ".block_id: not a string of 1-" +
                                  std::to_string(limits.max_block_id) + " characters"};
      return false;
    }
    if (!block_ids->insert(Str(id)).second) {
      *r = {"invalid_blocks", where + ".block_id: duplicate"};
      return false;
    }
  }
  std::string_view type = Str(type_value);
  if (type == "section") {
    if (!CheckKeys(block, where, {"text", "fields", "accessory", "expand"}, r)) return false;
    dom::element text, fields_value;
    bool has_text = Get(block, "text", &text), has_fields = Get(block, "fields", &fields_value);
    if (!has_text && !has_fields) {
      *r = {"invalid_blocks", where + ": section needs text or fields"};
      return false;
    }
    if (has_text && !CheckText(text, where + ".text", false, limits.max_section_text, r))
      return false;
    if (has_fields) {
      if (!fields_value.is_array() || Count(fields_value.get_array().value_unsafe()) == 0) {
        *r = {"invalid_blocks", where + ".fields: not a non-empty array"};
        return false;
      }
      dom::array fields = fields_value.get_array().value_unsafe();
      std::size_t size = Count(fields);
      if (size > limits.max_fields) {
        *r = {"invalid_blocks", where + ".fields: " + std::to_string(size) + ", limit " +
                                    std::to_string(limits.max_fields)};
        return false;
      }
      std::size_t i = 0;
      for (dom::element field : fields) {
        if (!CheckText(field, Where(where + ".fields", i++), false, limits.max_field_text, r))
          return false;
      }
    }
    dom::element accessory, expand;
    if (Get(block, "accessory", &accessory) && !CheckElement(accessory, where + ".accessory", r))
      return false;
    if (Get(block, "expand", &expand) && !expand.is_bool()) {
      *r = {"invalid_blocks", where + ".expand: not a boolean"};
      return false;
    }
    return true;
  }
  if (type == "header") {
    if (!CheckKeys(block, where, {"text"}, r)) return false;
    dom::element text;
    if (!Get(block, "text", &text)) {
      *r = {"invalid_blocks", where + ".text: missing"};
      return false;
    }
    return CheckText(text, where + ".text", true, limits.max_header_text, r);
  }
  if (type == "divider") return CheckKeys(block, where, {}, r);
  if (type == "context") {
    return CheckKeys(block, where, {"elements"}, r) &&
           CheckElementArray(block, where, limits.max_context_elements, r, true);
  }
  if (type == "actions") {
    return CheckKeys(block, where, {"elements"}, r) &&
           CheckElementArray(block, where, limits.max_actions_elements, r, false);
  }
  if (type == "rich_text") {
    return CheckKeys(block, where, {"elements"}, r) &&
           CheckElementArray(block, where, 1000, r, false);
  }
  if (type == "image") {
    if (!CheckKeys(block, where, {"image_url", "slack_file", "alt_text", "title"}, r)) return false;
    dom::element image_url, alt, title;
    bool has_image_url = Get(block, "image_url", &image_url);
    if (!has_image_url && !Has(block, "slack_file")) {
      *r = {"invalid_blocks", where + ": image needs image_url or slack_file"};
      return false;
    }
    if (has_image_url && !IsNonEmptyString(image_url)) {
      *r = {"invalid_blocks", where + ".image_url: not a non-empty string"};
      return false;
    }
    if (!Get(block, "alt_text", &alt) || !IsNonEmptyString(alt)) {
      *r = {"invalid_blocks", where + ".alt_text: missing"};
      return false;
    }
    if (Get(block, "title", &title) && !CheckText(title, where + ".title", true, 2000, r))
      return false;
    return true;
  }
  if (type == "markdown") {
    if (!CheckKeys(block, where, {"text"}, r)) return false;
    dom::element text;
    if (!Get(block, "text", &text) || !IsNonEmptyString(text) ||
        CountCharacters(Str(text)) > limits.max_markdown_text) {
      *r = {"invalid_blocks", where + ".text: not a string of 1-" +
                                  std::to_string(limits.max_markdown_text) + " characters"};
      return false;
    }
    return true;
  }
  if (type == "file") return CheckKeys(block, where, {"external_id", "source"}, r);
  if (type == "video") {
    return CheckKeys(block, where,
                     {"alt_text", "author_name", "description", "provider_icon_url",
                      "provider_name", "title", "title_url", "thumbnail_url", "video_url"},
                     r);
  }
  if (type == "input") {
    return CheckKeys(block, where, {"label", "element", "dispatch_action", "hint", "optional"}, r);
  }
  *r = {"invalid_blocks", where + ".type: unknown block type '" + std::string(type) + "'"};
  return false;
}

// blocks must be an array of objects (else invalid_blocks_format), then each
// block passes the Block Kit checks (else invalid_blocks).
bool CheckBlocks(dom::element blocks_value, const std::string& base, const PayloadLimits& limits,
                 Reject* r) {
  if (!blocks_value.is_array()) {
    *r = {"invalid_blocks_format", base + ": not an array"};
    return false;
  }
  dom::array blocks = blocks_value.get_array().value_unsafe();
  std::size_t size = 0;
  for (dom::element block : blocks) {
    if (!block.is_object()) {
      *r = {"invalid_blocks_format", Where(base, size) + ": not an object"};
      return false;
    }
    ++size;
  }
  if (size > limits.max_blocks) {
    *r = {"invalid_blocks", base + ": " + std::to_string(size) + " blocks, limit " +
                                std::to_string(limits.max_blocks)};
    return false;
  }
  std::set<std::string_view> block_ids;
  std::size_t i = 0;
  for (dom::element block : blocks) {
    if (!CheckBlock(block.get_object().value_unsafe(), i++, base, limits, &block_ids, r))
      return false;
  }
  return true;
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
