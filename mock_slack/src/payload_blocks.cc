// The Block Kit checks of a webhook payload, as Slack's Block Kit reference
// states them: the block types Slack accepts with their allowed keys, text
// objects and their length limits, element arrays, block_id uniqueness and
// the number of blocks. A failure is invalid_blocks with a detail naming the
// place ("blocks[2].text: 3001 characters, limit 3000"); blocks that are not
// an array of objects are invalid_blocks_format.
#include <simdjson.h>

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>

#include "mock_slack/payload.h"
#include "payload_internal.h"

namespace mock_slack {
namespace payload_internal {
namespace {

// Sets *r to invalid_blocks with `detail`; false, for the caller to return.
bool Invalid(Reject* r, std::string detail) {
  *r = {"invalid_blocks", std::move(detail)};
  return false;
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
    return Invalid(r, where + ": not a text object");
  }
  dom::object object = t.get_object().value_unsafe();
  dom::element type;
  if (!Get(object, "type", &type) || !type.is_string()) {
    return Invalid(r, where + ".type: missing");
  }
  std::string_view ty = Str(type);
  if (ty != "plain_text" && ty != "mrkdwn") {
    return Invalid(r, where + ".type: '" + std::string(ty) + "' is not plain_text or mrkdwn");
  }
  if (plain_only && ty != "plain_text") {
    return Invalid(r, where + ".type: must be plain_text");
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
    return Invalid(r, where + ".text: missing or not a string");
  }
  std::size_t n = CountCharacters(Str(text));
  if (n == 0) {
    return Invalid(r, where + ".text: empty");
  }
  if (n > max_chars) {
    return Invalid(r, where + ".text: " + std::to_string(n) + " characters, limit " +
                          std::to_string(max_chars));
  }
  return true;
}

// Interactive or image elements are checked only for shape: an object with a
// string type. Slack checks each element kind in detail; we do not model them.
bool CheckElement(dom::element e, const std::string& where, Reject* r) {
  dom::element type;
  if (!e.is_object() || !Get(e.get_object().value_unsafe(), "type", &type) || !type.is_string()) {
    return Invalid(r, where + ": not an element object with a type");
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
    return Invalid(r, where + ".elements: missing or empty");
  }
  dom::array array = elements.get_array().value_unsafe();
  std::size_t size = Count(array);
  if (size > max) {
    return Invalid(r,
                   where + ".elements: " + std::to_string(size) + ", limit " + std::to_string(max));
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

bool CheckSection(dom::object block, const std::string& where, const PayloadLimits& limits,
                  Reject* r) {
  if (!CheckKeys(block, where, {"text", "fields", "accessory", "expand"}, r)) return false;
  dom::element text, fields_value;
  bool has_text = Get(block, "text", &text), has_fields = Get(block, "fields", &fields_value);
  if (!has_text && !has_fields) {
    return Invalid(r, where + ": section needs text or fields");
  }
  if (has_text && !CheckText(text, where + ".text", false, limits.max_section_text, r))
    return false;
  if (has_fields) {
    if (!fields_value.is_array() || Count(fields_value.get_array().value_unsafe()) == 0) {
      return Invalid(r, where + ".fields: not a non-empty array");
    }
    dom::array fields = fields_value.get_array().value_unsafe();
    std::size_t size = Count(fields);
    if (size > limits.max_fields) {
      return Invalid(r, where + ".fields: " + std::to_string(size) + ", limit " +
                            std::to_string(limits.max_fields));
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
    return Invalid(r, where + ".expand: not a boolean");
  }
  return true;
}

bool CheckHeader(dom::object block, const std::string& where, const PayloadLimits& limits,
                 Reject* r) {
  if (!CheckKeys(block, where, {"text"}, r)) return false;
  dom::element text;
  if (!Get(block, "text", &text)) {
    return Invalid(r, where + ".text: missing");
  }
  return CheckText(text, where + ".text", true, limits.max_header_text, r);
}

bool CheckImage(dom::object block, const std::string& where, Reject* r) {
  if (!CheckKeys(block, where, {"image_url", "slack_file", "alt_text", "title"}, r)) return false;
  dom::element image_url, alt, title;
  bool has_image_url = Get(block, "image_url", &image_url);
  if (!has_image_url && !Has(block, "slack_file")) {
    return Invalid(r, where + ": image needs image_url or slack_file");
  }
  if (has_image_url && !IsNonEmptyString(image_url)) {
    return Invalid(r, where + ".image_url: not a non-empty string");
  }
  if (!Get(block, "alt_text", &alt) || !IsNonEmptyString(alt)) {
    return Invalid(r, where + ".alt_text: missing");
  }
  if (Get(block, "title", &title) && !CheckText(title, where + ".title", true, 2000, r))
    return false;
  return true;
}

bool CheckMarkdown(dom::object block, const std::string& where, const PayloadLimits& limits,
                   Reject* r) {
  if (!CheckKeys(block, where, {"text"}, r)) return false;
  dom::element text;
  if (!Get(block, "text", &text) || !IsNonEmptyString(text) ||
      CountCharacters(Str(text)) > limits.max_markdown_text) {
    return Invalid(r, where + ".text: not a string of 1-" +
                          std::to_string(limits.max_markdown_text) + " characters");
  }
  return true;
}

bool CheckBlock(dom::object block, std::size_t index, const std::string& base,
                const PayloadLimits& limits, std::set<std::string_view>* block_ids, Reject* r) {
  std::string where = Where(base, index);
  dom::element type_value;
  if (!Get(block, "type", &type_value) || !type_value.is_string()) {
    return Invalid(r, where + ".type: missing");
  }
  if (dom::element id; Get(block, "block_id", &id)) {
    if (!IsNonEmptyString(id) || CountCharacters(Str(id)) > limits.max_block_id) {
      return Invalid(r, where + ".block_id: not a string of 1-" +
                            std::to_string(limits.max_block_id) + " characters");
    }
    if (!block_ids->insert(Str(id)).second) {
      return Invalid(r, where + ".block_id: duplicate");
    }
  }
  std::string_view type = Str(type_value);
  if (type == "section") return CheckSection(block, where, limits, r);
  if (type == "header") return CheckHeader(block, where, limits, r);
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
  if (type == "image") return CheckImage(block, where, r);
  if (type == "markdown") return CheckMarkdown(block, where, limits, r);
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
  return Invalid(r, where + ".type: unknown block type '" + std::string(type) + "'");
}

}  // namespace

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
    return Invalid(r, base + ": " + std::to_string(size) + " blocks, limit " +
                          std::to_string(limits.max_blocks));
  }
  std::set<std::string_view> block_ids;
  std::size_t i = 0;
  for (dom::element block : blocks) {
    if (!CheckBlock(block.get_object().value_unsafe(), i++, base, limits, &block_ids, r))
      return false;
  }
  return true;
}

}  // namespace payload_internal
}  // namespace mock_slack
