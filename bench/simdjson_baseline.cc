// The bare baseline for bench/filter_scan.sh: one simdjson On-Demand pass
// over a JSON Lines file that reads the two fields of the seed pattern
// ({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") &&
// ($.eventName != "Describe*") }) and counts the matching lines. Every line
// is parsed (stage 1: structural indexing and UTF-8 validation of the whole
// line) and the same three comparisons are evaluated on the same fields; no
// filter language, and no validation beyond what On-Demand does for the
// fields it reads (the rest of the line is skipped unchecked, so a malformed
// line may still count): the floor an engine reading the same fields could
// reach. The engine must also reject malformed events, which this pass does
// not do; `--dom` measures that cost: a full simdjson DOM parse of each line
// (every value validated) and the same lookups on the DOM.
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

int main(int argc, char** argv) {
  const bool dom = argc == 3 && std::strcmp(argv[1], "--dom") == 0;
  if (argc != 2 && !dom) {
    std::fprintf(stderr, "usage: %s [--dom] FILE.jsonl\n", argv[0]);
    return 2;
  }
  const char* path = argv[argc - 1];
  std::FILE* f = std::fopen(path, "rb");
  if (!f) {
    std::perror(path);
    return 2;
  }
  simdjson::ondemand::parser parser;
  simdjson::dom::parser dom_parser;
  std::vector<char> buf(1 << 20);
  std::string carry;
  std::string padded;
  unsigned long long count = 0;
  auto handle = [&](std::string_view line) {
    if (line.empty()) return;
    if (padded.size() < line.size() + simdjson::SIMDJSON_PADDING)
      padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded.data(), line.data(), line.size());
    std::string_view type, name;
    if (dom) {
      simdjson::dom::element root;
      if (dom_parser.parse(padded.data(), line.size(), false).get(root)) return;
      if (root["userIdentity"]["type"].get_string().get(type)) return;
      if (type != "IAMUser") return;
      if (root["eventName"].get_string().get(name)) return;
      if (name.rfind("Get", 0) == 0 || name.rfind("Describe", 0) == 0) return;
      ++count;
      return;
    }
    simdjson::ondemand::document doc;
    if (parser.iterate(padded.data(), line.size(), padded.size()).get(doc)) return;
    if (doc["userIdentity"]["type"].get_string().get(type)) return;
    if (type != "IAMUser") return;
    if (doc["eventName"].get_string().get(name)) return;
    if (name.rfind("Get", 0) == 0 || name.rfind("Describe", 0) == 0) return;
    ++count;
  };
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    size_t start = 0;
    while (true) {
      const void* nl = std::memchr(buf.data() + start, '\n', n - start);
      if (!nl) break;
      const size_t end = static_cast<const char*>(nl) - buf.data();
      if (!carry.empty()) {
        carry.append(buf.data() + start, end - start);
        handle(carry);
        carry.clear();
      } else {
        handle(std::string_view(buf.data() + start, end - start));
      }
      start = end + 1;
    }
    carry.append(buf.data() + start, n - start);
  }
  if (!carry.empty()) handle(carry);
  std::fclose(f);
  std::printf("%llu\n", count);
  return 0;
}
