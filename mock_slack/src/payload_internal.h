// What the payload validator's two halves share (private to mock_slack_lib):
// payload.cc (the body, its JSON and the top-level fields) and
// payload_blocks.cc (the Block Kit checks). Small simdjson DOM helpers that
// read an object as nlohmann's parser did (the last of duplicated keys
// counts), kept inline as they run for every key of every request.
#ifndef MOCK_SLACK_SRC_PAYLOAD_INTERNAL_H_
#define MOCK_SLACK_SRC_PAYLOAD_INTERNAL_H_

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "mock_slack/payload.h"

namespace mock_slack::payload_internal {

namespace dom = simdjson::dom;

// Rejections carry the code and a detail for our logs; Slack sends no detail.
struct Reject {
  std::string code;
  std::string detail;
};

inline std::string Where(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

// The value of `key` in `object`: its last occurrence, as nlohmann's parser
// kept it (it overwrote earlier duplicates), so duplicated keys are judged as
// before. Objects in a payload are small: one scan per look-up.
inline bool Get(dom::object object, std::string_view key, dom::element* value) {
  bool found = false;
  for (dom::key_value_pair field : object) {
    if (field.key == key) {
      *value = field.value;
      found = true;
    }
  }
  return found;
}

inline bool Has(dom::object object, std::string_view key) {
  dom::element unused;
  return Get(object, key, &unused);
}

// The text of a string element (the caller checked is_string()).
inline std::string_view Str(dom::element e) { return e.get_string().value_unsafe(); }

inline bool IsNonEmptyString(dom::element e) { return e.is_string() && !Str(e).empty(); }

// Number of elements: dom::array::size() saturates at 0xFFFFFF.
inline std::size_t Count(dom::array array) {
  std::size_t n = array.size();
  if (n < 0xFFFFFF) return n;
  n = 0;
  for (dom::element e : array) {
    (void)e;
    ++n;
  }
  return n;
}

// blocks must be an array of objects (else invalid_blocks_format), then each
// block passes the Block Kit checks (else invalid_blocks).
bool CheckBlocks(dom::element blocks_value, const std::string& base, const PayloadLimits& limits,
                 Reject* r);

}  // namespace mock_slack::payload_internal

#endif  // MOCK_SLACK_SRC_PAYLOAD_INTERNAL_H_
