// Locating the first JSON syntax error of a text, for messages that name
// the line and column (see iam_audit/sources/json_error.h).
#include "iam_audit/sources/json_error.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "iam_audit/json_error_text.h"

namespace iam_audit::sources {

bool FindJsonError(std::string_view text, JsonError& error) {
  try {
    const nlohmann::json ignored = nlohmann::json::parse(text.begin(), text.end());
    (void)ignored;
    return false;
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points at the last character read; report the
    // character itself, as editors count.
    error.offset = e.byte > 0 ? e.byte - 1 : 0;
    if (error.offset > text.size()) error.offset = text.size();
    // nlohmann points at the last character it read; people (and Python)
    // expect the start of the offending token, e.g. the 't' of "tru}".
    const auto word = [&](size_t i) {
      const char c = text[i];
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-';
    };
    size_t at = error.offset;
    if (at < text.size() && text[at] == '"' && at > 0) {
      // The closing quote of a string literal: its opening quote (the
      // previous '"' not escaped by an odd run of backslashes).
      for (size_t i = at; i-- > 0;) {
        if (text[i] != '"') continue;
        size_t backslashes = 0;
        for (size_t j = i; j-- > 0 && text[j] == '\\';) ++backslashes;
        if (backslashes % 2 == 0) {
          error.offset = i;
          break;
        }
      }
    } else {
      if (at > 0 && (at >= text.size() || !word(at)) && word(at - 1)) --at;
      if (at < text.size() && word(at)) {
        while (at > 0 && word(at - 1)) --at;
        error.offset = at;
      }
    }
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while
    // parsing value - invalid literal; last read: 'x'" → keep what follows the position.
    std::string_view place, reason = e.what();
    SplitJsonParseError(e.what(), place, reason);
    error.reason = reason;
    if (error.reason.rfind("syntax error while parsing ", 0) == 0) {
      error.reason.erase(0, std::string_view("syntax error while parsing ").size());
    }
    return true;
  } catch (const std::exception& e) {
    error.offset = 0;
    error.reason = e.what();
    return true;
  }
}

void LineColumn(std::string_view text, size_t offset, uint64_t& line, uint64_t& column) {
  line = 1;
  column = 1;
  if (offset > text.size()) offset = text.size();
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

}  // namespace iam_audit::sources
