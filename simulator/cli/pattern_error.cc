#include "pattern_error.h"

namespace iam_audit::cli {

std::string CaretMessage(std::string_view pattern, const Status& status, const FilterError& error) {
  std::string out = status.message() + "\n  ";
  std::string shown(pattern);
  for (char& c : shown) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  out += shown + "\n  ";
  size_t code_points = 0;
  const size_t limit = error.column > 0 ? std::min(error.column - 1, pattern.size()) : 0;
  for (size_t i = 0; i < limit; ++i) {
    if ((static_cast<unsigned char>(pattern[i]) & 0xC0) != 0x80) ++code_points;
  }
  out += std::string(code_points, ' ') + "^\n";
  return out;
}

}  // namespace iam_audit::cli
