// Small string helpers shared inside mock_slack_lib (private: not part of
// include/mock_slack/): splitting on a separator and
// application/x-www-form-urlencoded decoding.
#ifndef MOCK_SLACK_SRC_TEXT_UTIL_H_
#define MOCK_SLACK_SRC_TEXT_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

namespace mock_slack {

// The pieces of `s` between `sep` characters; an empty `s` is one empty piece.
std::vector<std::string_view> Split(std::string_view s, char sep);

// The value of a hexadecimal digit, or -1.
int HexValue(char c);

// Decodes one application/x-www-form-urlencoded name or value: '+' is a
// space, "%XX" a byte; a '%' not followed by two hex digits stays as it is.
std::string FormDecode(std::string_view s);

}  // namespace mock_slack

#endif  // MOCK_SLACK_SRC_TEXT_UTIL_H_
