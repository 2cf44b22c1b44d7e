// Golden files: every fixtures/records/NAME.json renders (time zone
// Asia/Seoul, default console URL) to exactly fixtures/records/NAME.expected.json.
//
// Goldens are pretty-printed with every non-ASCII character as \uXXXX, so the
// zero-width spaces that fence formatting characters are visible in review.
// To rewrite them after an intended change:
//   IAM_AUDIT_UPDATE_GOLDEN=1 build/bin/iam_audit_unit_tests "[golden]"
// then read the diff: a golden is a reviewed contract, not a snapshot. A run
// with IAM_AUDIT_UPDATE_GOLDEN set always fails (after rewriting), so a CI job
// that sets it can never be green; rerun without it once the diff is reviewed.
// tests/slack/golden_pins_test.cc holds hand-written expectations the goldens must
// also meet. IAM_AUDIT_GOLDEN_RECORDS_DIR replaces fixtures/records (the
// update-mode test below points it at a temporary copy).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
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

fs::path RecordsDir() {
  const char* dir = std::getenv("IAM_AUDIT_GOLDEN_RECORDS_DIR");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return fs::path(IAM_AUDIT_FIXTURES_DIR) / "records";
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
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
      return "first difference at line " + std::to_string(line) +
             ":\n  expected: " + (has_e ? el : "<end of file>") +
             "\n  actual:   " + (has_a ? al : "<end of file>");
    }
  }
}

// IAM_AUDIT_UPDATE_GOLDEN: unset or empty → compare; "1" → rewrite (and fail
// the run); anything else fails the run too, with a word on how to use it.
bool UpdateRequested() {
  const char* update = std::getenv("IAM_AUDIT_UPDATE_GOLDEN");
  if (update == nullptr || *update == '\0') return false;
  if (std::string(update) != "1") {
    FAIL("IAM_AUDIT_UPDATE_GOLDEN="
         << update << ": set it to 1 to rewrite the goldens, or unset it to check them");
  }
  return true;
}

}  // namespace

TEST_CASE("every fixture record renders to its golden Slack message", "[golden]") {
  const std::vector<fs::path> inputs = Inputs();
  // The fixture set covers every identity type and login case; fewer files
  // means the glob or the folder is wrong, not that there is nothing to test.
  REQUIRE(inputs.size() >= 20);

  iam_audit::RenderOptions options;
  options.time_zone = *iam_audit::TimeZone::Parse("Asia/Seoul");

  const bool update = UpdateRequested();
  std::vector<std::string> rewritten;
  for (const fs::path& input : inputs) {
    const std::string name = input.filename().string();
    CAPTURE(name);
    const std::string rendered = iam_audit::RenderMessage(ReadFile(input), options);
    CHECK(iam_audit::testing::SlackLimitViolation(rendered).empty());
    const std::string actual = Pretty(rendered);
    // Every fixture is a record: it gets the two-section alert, never the raw fallback.
    CHECK(nlohmann::json::parse(rendered)["blocks"].size() == 2);

    const fs::path expected_path = ExpectedPath(input);
    if (update) {
      const bool changed = !fs::exists(expected_path) || ReadFile(expected_path) != actual;
      std::ofstream(expected_path, std::ios::binary) << actual;
      if (changed) rewritten.push_back(expected_path.filename().string());
      continue;
    }
    if (!fs::exists(expected_path)) {
      FAIL_CHECK("missing golden "
                 << expected_path.string()
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
  if (update) {
    std::string list;
    for (const std::string& name : rewritten) list += "\n  " + name;
    // Never green with the variable set: a CI job that sets it must not pass.
    FAIL("IAM_AUDIT_UPDATE_GOLDEN is set: wrote the goldens in "
         << RecordsDir().string() << " (" << rewritten.size()
         << " changed:" << (rewritten.empty() ? std::string(" none") : list)
         << ").\nThis run fails on purpose: review the diff (git diff fixtures/records), then "
            "rerun without IAM_AUDIT_UPDATE_GOLDEN.");
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

// The update mode, run as a person runs it (this binary, "[golden]", the
// variable set) on a temporary copy of the records: it rewrites a stale and a
// missing golden there, and the run fails telling to review and rerun.
TEST_CASE("golden update mode rewrites the goldens and fails the run", "[golden-update]") {
  const fs::path real = fs::path(IAM_AUDIT_FIXTURES_DIR) / "records";
  std::string tmpl = (fs::temp_directory_path() / "iam-audit-golden-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  const fs::path work = tmpl;
  const fs::path copy = work / "records";
  fs::copy(real, copy);
  std::vector<std::pair<fs::path, std::string>> real_goldens;
  for (const auto& entry : fs::directory_iterator(real)) {
    if (EndsWith(entry.path().filename().string(), kExpectedSuffix)) {
      real_goldens.emplace_back(entry.path(), ReadFile(entry.path()));
    }
  }
  const std::string stale_before = ReadFile(copy / "access_denied.expected.json");
  std::ofstream(copy / "access_denied.expected.json", std::ios::binary) << "{\"stale\": true}\n";
  fs::remove(copy / "read_only_call.expected.json");

  const fs::path self = fs::read_symlink("/proc/self/exe");
  const fs::path output = work / "output.txt";
  std::fflush(nullptr);  // nothing buffered here is written twice by the child
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setenv("IAM_AUDIT_UPDATE_GOLDEN", "1", 1);
    ::setenv("IAM_AUDIT_GOLDEN_RECORDS_DIR", copy.c_str(), 1);
    const std::string out = output.string();
    if (std::freopen(out.c_str(), "w", stdout) == nullptr ||
        ::dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
      _exit(126);
    ::execl(self.c_str(), self.c_str(), "[golden]", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  // Catch wraps long messages at spaces: compare with whitespace runs folded.
  std::string printed;
  for (const char c : ReadFile(output)) {
    const bool space = c == ' ' || c == '\n';
    if (!space || (!printed.empty() && printed.back() != ' ')) printed += space ? ' ' : c;
  }
  CAPTURE(printed);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);  // never green with the variable set
  CHECK(printed.find("review the diff") != std::string::npos);
  CHECK(printed.find("rerun without IAM_AUDIT_UPDATE_GOLDEN") != std::string::npos);
  // Both rewritten in the copy, to what the reviewed goldens hold.
  CHECK(ReadFile(copy / "access_denied.expected.json") == stale_before);
  CHECK(ReadFile(copy / "read_only_call.expected.json") ==
        ReadFile(real / "read_only_call.expected.json"));
  // The real fixtures were not touched.
  for (const auto& [path, text] : real_goldens) {
    CAPTURE(path.string());
    CHECK(ReadFile(path) == text);
  }
  fs::remove_all(work);
}
