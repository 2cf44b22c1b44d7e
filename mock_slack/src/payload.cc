// Slack webhook payload validation. Which failures map to which code comes
// from specs.md 3.2/3.4/3.6; where Slack is undocumented the choice is ours
// and docs/mock_slack.md lists it.
#include "mock_slack/payload.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace mock_slack {
namespace {

using nlohmann::json;

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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string Where(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

// Validates a composition text object {type, text, emoji?, verbatim?}.
bool CheckText(const json& t, const std::string& where, bool plain_only, std::size_t max_chars,
               Reject* r) {
  if (!t.is_object()) {
    *r = {"invalid_blocks", where + ": not a text object"};
    return false;
  }
  auto type = t.find("type");
  if (type == t.end() || !type->is_string()) {
    *r = {"invalid_blocks", where + ".type: missing"};
    return false;
  }
  const std::string& ty = type->get_ref<const std::string&>();
  if (ty != "plain_text" && ty != "mrkdwn") {
    *r = {"invalid_blocks", where + ".type: '" + ty + "' is not plain_text or mrkdwn"};
    return false;
  }
  if (plain_only && ty != "plain_text") {
    *r = {"invalid_blocks", where + ".type: must be plain_text"};
    return false;
  }
  for (const auto& [key, value] : t.items()) {
    bool known = key == "type" || key == "text" || (key == "emoji" && ty == "plain_text") ||
                 (key == "verbatim" && ty == "mrkdwn");
    if (!known) {
      *r = {"invalid_blocks", where + ": unknown key '" + key + "'"};
      return false;
    }
    if ((key == "emoji" || key == "verbatim") && !value.is_boolean()) {
      *r = {"invalid_blocks", where + "." + key + ": not a boolean"};
      return false;
    }
  }
  auto text = t.find("text");
  if (text == t.end() || !text->is_string()) {
    *r = {"invalid_blocks", where + ".text: missing or not a string"};
    return false;
  }
  std::size_t n = CountCharacters(text->get_ref<const std::string&>());
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
bool CheckElement(const json& e, const std::string& where, Reject* r) {
  if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) {
    *r = {"invalid_blocks", where + ": not an element object with a type"};
    return false;
  }
  return true;
}

// `allowed` is a list, not a std::set: building a set of strings for every
// block was most of the Block Kit checks' cost (callgrind, per request).
bool CheckKeys(const json& block, const std::string& where,
               std::initializer_list<std::string_view> allowed, Reject* r) {
  for (const auto& item : block.items()) {
    const std::string& key = item.key();
    if (key != "type" && key != "block_id" &&
        std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      *r = {"invalid_blocks", where + ": unknown key '" + item.key() + "'"};
      return false;
    }
  }
  return true;
}

bool CheckElementArray(const json& block, const std::string& where, std::size_t max, Reject* r,
                       bool context) {
  auto it = block.find("elements");
  if (it == block.end() || !it->is_array() || it->empty()) {
    *r = {"invalid_blocks", where + ".elements: missing or empty"};
    return false;
  }
  if (it->size() > max) {
    *r = {"invalid_blocks", where + ".elements: " + std::to_string(it->size()) + ", limit " +
                                std::to_string(max)};
    return false;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    std::string w = Where(where + ".elements", i);
    if (!CheckElement(e, w, r)) return false;
    if (context) {
      const std::string& ty = e["type"].get_ref<const std::string&>();
      if (ty == "image") continue;
      if (!CheckText(e, w, false, 3000, r)) return false;
    }
  }
  return true;
}

bool CheckBlock(const json& block, std::size_t index, const std::string& base,
                const PayloadLimits& limits, std::set<std::string>* block_ids, Reject* r) {
  std::string where = Where(base, index);
  auto type_it = block.find("type");
  if (type_it == block.end() || !type_it->is_string()) {
    *r = {"invalid_blocks", where + ".type: missing"};
    return false;
  }
  if (auto id = block.find("block_id"); id != block.end()) {
    if (!id->is_string() || id->get_ref<const std::string&>().empty() ||
        CountCharacters(id->get_ref<const std::string&>()) > limits.max_block_id) {
      *r = {"invalid_blocks", where + ".block_id: not a string of 1-" +
                                  std::to_string(limits.max_block_id) + " characters"};
      return false;
    }
    if (!block_ids->insert(id->get<std::string>()).second) {
      *r = {"invalid_blocks", where + ".block_id: duplicate"};
      return false;
    }
  }
  const std::string& type = type_it->get_ref<const std::string&>();
  if (type == "section") {
    if (!CheckKeys(block, where, {"text", "fields", "accessory", "expand"}, r)) return false;
    bool has_text = block.contains("text"), has_fields = block.contains("fields");
    if (!has_text && !has_fields) {
      *r = {"invalid_blocks", where + ": section needs text or fields"};
      return false;
    }
    if (has_text && !CheckText(block["text"], where + ".text", false, limits.max_section_text, r))
      return false;
    if (has_fields) {
      const json& fields = block["fields"];
      if (!fields.is_array() || fields.empty()) {
        *r = {"invalid_blocks", where + ".fields: not a non-empty array"};
        return false;
      }
      if (fields.size() > limits.max_fields) {
        *r = {"invalid_blocks", where + ".fields: " + std::to_string(fields.size()) +
                                    ", limit " + std::to_string(limits.max_fields)};
        return false;
      }
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (!CheckText(fields[i], Where(where + ".fields", i), false, limits.max_field_text, r))
          return false;
      }
    }
    if (block.contains("accessory") && !CheckElement(block["accessory"], where + ".accessory", r))
      return false;
    if (block.contains("expand") && !block["expand"].is_boolean()) {
      *r = {"invalid_blocks", where + ".expand: not a boolean"};
      return false;
    }
    return true;
  }
  if (type == "header") {
    if (!CheckKeys(block, where, {"text"}, r)) return false;
    if (!block.contains("text")) {
      *r = {"invalid_blocks", where + ".text: missing"};
      return false;
    }
    return CheckText(block["text"], where + ".text", true, limits.max_header_text, r);
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
    if (!block.contains("image_url") && !block.contains("slack_file")) {
      *r = {"invalid_blocks", where + ": image needs image_url or slack_file"};
      return false;
    }
    if (block.contains("image_url") && (!block["image_url"].is_string() ||
                                        block["image_url"].get_ref<const std::string&>().empty())) {
      *r = {"invalid_blocks", where + ".image_url: not a non-empty string"};
      return false;
    }
    auto alt = block.find("alt_text");
    if (alt == block.end() || !alt->is_string() || alt->get_ref<const std::string&>().empty()) {
      *r = {"invalid_blocks", where + ".alt_text: missing"};
      return false;
    }
    if (block.contains("title") && !CheckText(block["title"], where + ".title", true, 2000, r))
      return false;
    return true;
  }
  if (type == "markdown") {
    if (!CheckKeys(block, where, {"text"}, r)) return false;
    auto text = block.find("text");
    if (text == block.end() || !text->is_string() || text->get_ref<const std::string&>().empty() ||
        CountCharacters(text->get_ref<const std::string&>()) > limits.max_markdown_text) {
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
  *r = {"invalid_blocks", where + ".type: unknown block type '" + type + "'"};
  return false;
}

// blocks must be an array of objects (else invalid_blocks_format), then each
// block passes the Block Kit checks (else invalid_blocks).
bool CheckBlocks(const json& blocks, const std::string& base, const PayloadLimits& limits,
                 Reject* r) {
  if (!blocks.is_array()) {
    *r = {"invalid_blocks_format", base + ": not an array"};
    return false;
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (!blocks[i].is_object()) {
      *r = {"invalid_blocks_format", Where(base, i) + ": not an object"};
      return false;
    }
  }
  if (blocks.size() > limits.max_blocks) {
    *r = {"invalid_blocks", base + ": " + std::to_string(blocks.size()) + " blocks, limit " +
                                std::to_string(limits.max_blocks)};
    return false;
  }
  std::set<std::string> block_ids;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (!CheckBlock(blocks[i], i, base, limits, &block_ids, r)) return false;
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
  std::string lowered_type;
  for (char c : content_type) lowered_type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool is_json_type = lowered_type.rfind("application/json", 0) == 0;

  std::string form_payload;
  std::string_view json_text = body;
  if (!is_json_type && FormValue(body, "payload", &form_payload)) json_text = form_payload;

  if (JsonDepth(json_text) > limits.max_json_depth) {
    return Rejected("invalid_payload",
                    "body: JSON nested deeper than " + std::to_string(limits.max_json_depth));
  }
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Rejected("invalid_payload", "body: not JSON");
  if (!doc.is_object()) return Rejected("invalid_payload", "body: JSON is not an object");

  bool renderable = false;
  PayloadVerdict verdict;
  if (auto text = doc.find("text"); text != doc.end() && !text->is_null()) {
    if (!text->is_string()) return Rejected("invalid_payload", "text: not a string");
    std::string& s = text->get_ref<std::string&>();
    if (CountCharacters(s) > limits.truncate_text_at) {
      s.resize(PrefixBytes(s, limits.truncate_text_at));
      verdict.text_truncated = true;
    }
    renderable = !s.empty();
    verdict.text = s;
  }
  Reject reject;
  if (auto blocks = doc.find("blocks"); blocks != doc.end() && !blocks->is_null()) {
    if (!CheckBlocks(*blocks, "blocks", limits, &reject)) {
      return Rejected(reject.code, reject.detail);
    }
    renderable = renderable || !blocks->empty();
  }
  if (auto attachments = doc.find("attachments");
      attachments != doc.end() && !attachments->is_null()) {
    if (!attachments->is_array()) return Rejected("invalid_payload", "attachments: not an array");
    if (attachments->size() > limits.max_attachments) {
      return Rejected("too_many_attachments", "attachments: " + std::to_string(attachments->size()) +
                                                  ", limit " +
                                                  std::to_string(limits.max_attachments));
    }
    for (std::size_t i = 0; i < attachments->size(); ++i) {
      const json& a = (*attachments)[i];
      if (!a.is_object()) {
        return Rejected("invalid_payload", Where("attachments", i) + ": not an object");
      }
      if (auto blocks = a.find("blocks"); blocks != a.end()) {
        if (!CheckBlocks(*blocks, Where("attachments", i) + ".blocks", limits, &reject)) {
          return Rejected(reject.code, reject.detail);
        }
      }
    }
    renderable = renderable || !attachments->empty();
  }
  if (!renderable) return Rejected("no_text", "payload: no text, blocks or attachments");

  verdict.accepted = true;
  // Kept as received unless the text was cut: re-serialising the parsed
  // document cost about half as much as parsing it (callgrind, per request
  // under wrk). The text is valid UTF-8 JSON (the parser checked it), and
  // every reader parses it again.
  verdict.payload_json = verdict.text_truncated
                             ? doc.dump(-1, ' ', false, json::error_handler_t::replace)
                             : std::string(json_text);
  return verdict;
}

}  // namespace mock_slack
