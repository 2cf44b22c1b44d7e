// Fuzz target: the filter-pattern compiler (lexer, parser, compiler). Any
// pattern must compile or be rejected with a column inside the pattern.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "iam_audit/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view pattern(reinterpret_cast<const char*>(data), size);
  iam_audit::FilterError error;
  auto filter = iam_audit::Filter::Compile(pattern, &error);
  if (filter.ok()) {
    (void)filter->DumpAst();
    (void)filter->Matches("");
  } else if (error.column == 0 || error.column > pattern.size() + 1) {
    __builtin_trap();  // the error must point into the pattern
  }
  return 0;
}
