// Golden files: every fixtures/records/NAME.json renders (time zone
// Asia/Seoul, default console URL) to exactly fixtures/records/NAME.expected.json.
//
// Goldens are pretty-printed with every non-ASCII character as \uXXXX, so the
// zero-width spaces that fence formatting characters are visible in review.
// To rewrite them after an intended change:
//   IAM_AUDIT_UPDATE_GOLDEN=1 build/bin/iam_audit_unit_tests "[golden]"
// then read the diff: a golden is a reviewed contract, not a snapshot.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "iam_audit/slack_message.h"
#include "iam_audit/time_zone.h"
#include "slack_limits.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExpectedSuffix = ".expected.json";

fs::path RecordsDir() { return fs::path(IAM_AUDIT_FIXTURES_DIR) / "records"; }

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<fs::path> Inputs() {
  std::vector<fs::path> inputs;
  for (const auto& entry : fs::directory_iterator(RecordsDir())) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && EndsWith(name, ".json") && !EndsWith(name, kExpectedSuffix)) {
      inputs.push_back(entry.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

fs::path ExpectedPath(const fs::path& input) {
  return input.parent_path() / (input.stem().string() + std::string(kExpectedSuffix));
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Pretty(const std::string& compact) {
  return nlohmann::ordered_json::parse(compact).dump(2, ' ', /*ensure_ascii=*/true) + "\n";
}

// "line N:\n  expected: …\n  actual:   …" for the first differing line.
std::string FirstDifference(const std::string& expected, const std::string& actual) {
  std::istringstream e(expected);
  std::istringstream a(actual);
  std::string el, al;
  for (int line = 1;; ++line) {
    const bool has_e = static_cast<bool>(std::getline(e, el));
    const bool has_a = static_cast<bool>(std::getline(a, al));
    if (!has_e && !has_a) return "no difference";
    if (!has_e || !has_a || el != al) {
      return "first difference at line " + std::to_string(line) + ":\n  expected: " +
             (has_e ? el : "<end of file>") + "\n  actual:   " + (has_a ? al : "<end of file>");
    }
  }
}

bool UpdateRequested() {
  const char* update = std::getenv("IAM_AUDIT_UPDATE_GOLDEN");
  return update != nullptr && std::string(update) == "1";
}

}  // namespace

TEST_CASE("every fixture record renders to its golden Slack message", "[golden]") {
  const std::vector<fs::path> inputs = Inputs();
  // The fixture set covers every identity type and login case; fewer files
  // means the glob or the folder is wrong, not that there is nothing to test.
  REQUIRE(inputs.size() >= 20);

  iam_audit::RenderOptions options;
  options.time_zone = *iam_audit::TimeZone::Parse("Asia/Seoul");

  for (const fs::path& input : inputs) {
    const std::string name = input.filename().string();
    CAPTURE(name);
    const std::string rendered = iam_audit::RenderMessage(ReadFile(input), options);
    CHECK(iam_audit::testing::SlackLimitViolation(rendered).empty());
    const std::string actual = Pretty(rendered);
    // Every fixture is a record: it gets the two-section alert, never the raw fallback.
    CHECK(nlohmann::json::parse(rendered)["blocks"].size() == 2);

    const fs::path expected_path = ExpectedPath(input);
    if (UpdateRequested()) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      WARN("rewrote " << expected_path.filename().string() << ": review it before committing");
      continue;
    }
    if (!fs::exists(expected_path)) {
      FAIL_CHECK("missing golden " << expected_path.string()
                                   << " (run with IAM_AUDIT_UPDATE_GOLDEN=1, then review it)\nactual:\n"
                                   << actual);
      continue;
    }
    const std::string expected = ReadFile(expected_path);
    if (expected != actual) {
      FAIL_CHECK(name << " does not match " << expected_path.filename().string() << "\n"
                      << FirstDifference(expected, actual) << "\nfull actual message:\n"
                      << actual);
    }
  }
}

TEST_CASE("every golden has a fixture record", "[golden]") {
  for (const auto& entry : fs::directory_iterator(RecordsDir())) {
    const std::string name = entry.path().filename().string();
    if (!EndsWith(name, kExpectedSuffix)) continue;
    CAPTURE(name);
    const std::string input = name.substr(0, name.size() - kExpectedSuffix.size()) + ".json";
    CHECK(fs::exists(RecordsDir() / input));
  }
}
