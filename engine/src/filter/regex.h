// The regular-expression subset of filter patterns (`%…%`), as documented in
// FilterAndPatternSyntax#regex-expressions: literals from a fixed character
// set, `.`, classes `[…]` / `[^…]` with ranges, `\d \D \s \S \w \W \xhh`,
// escaped symbols, anchors `^ $`, quantifiers `? * + {m,n}` on single atoms,
// and `|` at the lowest precedence. No groups: `(` and `)` are rejected even
// when escaped, as AWS does.
//
// Matching is an unanchored search run as a Thompson NFA simulation over a
// linear state list (no backtracking): time O(|text| × states), no recursion.
#ifndef IAM_AUDIT_FILTER_REGEX_H_
#define IAM_AUDIT_FILTER_REGEX_H_

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iam_audit::filter_internal {

struct RegexError {
  std::string reason;
  size_t offset = 0;  // 0-based offset in the body
};

class Regex {
 public:
  // Compiles `body` (the text between the two `%`). Returns false and fills
  // `error` when the body is not in the supported subset or exceeds a limit.
  bool Compile(std::string_view body, RegexError* error);

  // True when the regex matches somewhere in `text`.
  bool Search(std::string_view text) const;

 private:
  struct State {
    enum class Type : uint8_t { kChar, kBol, kEol, kMatch };
    Type type = Type::kChar;
    bool skippable = false;  // `?`, `*` or an optional copy from {m,n}
    bool loops = false;      // `*`: may consume again
    std::bitset<256> set;
  };
  std::vector<State> states_;
  std::vector<uint32_t> starts_;  // first state of each alternative
  bool all_anchored_ = false;     // every alternative starts with `^`
  // Bytes that can start a match: where no state is live, Search() skips to
  // the next such byte (memchr when there is one). Off when an alternative
  // can match empty or starts with an anchor.
  bool skip_ = false;
  std::bitset<256> first_;
  int first_byte_ = -1;  // the only byte in first_, or -1
};

}  // namespace iam_audit::filter_internal

#endif  // IAM_AUDIT_FILTER_REGEX_H_
