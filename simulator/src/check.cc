// The rule-test runner (see check.h and docs/check-file.md).
#include "iam_audit/simulator/check.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "iam_audit/filter.h"
#include "iam_audit/json_error_text.h"
#include "iam_audit/rules.h"
#include "iam_audit/simulator/cloudwatch.h"
#include "iam_audit/slack_message.h"
#include "iam_audit/sources/sources.h"
#include "iam_audit/time_zone.h"

namespace iam_audit::simulator {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;
using Verdict = CaseResult::Verdict;

bool ReadWhole(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

// The pretty form used for snapshots (same as the project's goldens).
std::string Pretty(const ordered_json& value) { return value.dump(2, ' ', true) + "\n"; }

struct TestRecord {
  std::string where;  // "file:line:column" or "records[N]"
  std::string json;   // compact
};

const std::set<std::string>& KnownCaseKeys() {
  static const std::set<std::string> keys = {"name",       "pattern",    "rule",     "fixtures",
                                             "records",    "expect",     "snapshot", "timeZone",
                                             "consoleUrl", "description"};
  return keys;
}

void Fail(CaseResult& result, Verdict verdict, std::string message) {
  if (verdict == Verdict::kError || result.verdict == Verdict::kPassed) result.verdict = verdict;
  result.messages.push_back(std::move(message));
}

std::string StringOr(const ordered_json& object, const char* key, const std::string& fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

CaseResult RunCase(const ordered_json& spec, size_t index, const ordered_json& file_spec,
                   const fs::path& base, const CheckOptions& options) {
  CaseResult result;
  result.name = StringOr(spec, "name", "case " + std::to_string(index + 1));
  if (!spec.is_object()) {
    Fail(result, Verdict::kError, "cases[" + std::to_string(index) + "]: expected an object");
    return result;
  }
  for (const auto& [key, value] : spec.items()) {
    if (!KnownCaseKeys().count(key))
      Fail(result, Verdict::kError, "unknown key \"" + key + "\" (see docs/check-file.md)");
  }
  if (!spec.contains("name") || !spec["name"].is_string()) {
    Fail(result, Verdict::kError,
         "cases[" + std::to_string(index) + "]: \"name\" (string) is required");
  }
  std::string pattern = StringOr(spec, "pattern", StringOr(file_spec, "pattern", ""));
  // "rule": a rule of the built-in pack (docs/configuration.md), tested by
  // its own pattern, so a check file never holds a copy that could drift.
  const std::string rule =
      StringOr(spec, "rule", spec.contains("pattern") ? "" : StringOr(file_spec, "rule", ""));
  if (!rule.empty()) {
    const auto pack = DefaultRulePack();
    auto it =
        std::find_if(pack.begin(), pack.end(), [&](const RuleSpec& r) { return r.name == rule; });
    if (it == pack.end()) {
      Fail(result, Verdict::kError, "no built-in rule named \"" + rule + "\"");
    } else {
      pattern = it->pattern;
    }
  } else if (!spec.contains("pattern") && !file_spec.contains("pattern")) {
    Fail(result, Verdict::kError,
         "no \"pattern\" or \"rule\" in the case or at the top of the file");
  }
  const std::string expect = StringOr(spec, "expect", "");
  if (expect != "match" && expect != "no-match") {
    Fail(result, Verdict::kError, "\"expect\" must be \"match\" or \"no-match\"");
  }
  if (spec.contains("snapshot") && expect != "match") {
    Fail(result, Verdict::kError, "\"snapshot\" needs \"expect\": \"match\"");
  }
  if (result.verdict == Verdict::kError) return result;

  FilterError filter_error;
  auto filter = Filter::Compile(pattern, &filter_error);
  if (!filter.ok()) {
    std::string message = FormatPatternError(pattern, filter.status(), filter_error);
    if (!message.empty() && message.back() == '\n') message.pop_back();
    Fail(result, Verdict::kError, message);
    return result;
  }

  // Gather the records.
  std::vector<TestRecord> records;
  if (spec.contains("fixtures")) {
    if (!spec["fixtures"].is_array()) {
      Fail(result, Verdict::kError, "\"fixtures\" must be an array of paths");
      return result;
    }
    std::vector<std::string> paths;
    for (const auto& p : spec["fixtures"]) {
      if (!p.is_string()) {
        Fail(result, Verdict::kError, "\"fixtures\" must be an array of paths");
        return result;
      }
      paths.push_back((base / p.get<std::string>()).lexically_normal().string());
    }
    const sources::SourceOptions source_options;
    // The listing streams: each unit is read as it is listed.
    auto listed = sources::ListSources(paths, source_options, [&](sources::SourceUnit&& unit) {
      sources::ReadUnit(
          unit, source_options,
          [&](std::string_view json, const sources::SourcePosition& where) {
            auto compact = CompactJson(json);
            records.push_back(
                TestRecord{where.ToString(), compact.ok() ? *compact : std::string(json)});
          },
          [&](const sources::SourcePosition& where, const std::string& message) {
            Fail(result, Verdict::kError,
                 where.ToString() + ": record " + std::to_string(where.index) + ": " + message);
          });
      return true;
    });
    if (!listed.ok()) {
      Fail(result, Verdict::kError, listed.status().message());
      return result;
    }
  }
  if (spec.contains("records")) {
    if (!spec["records"].is_array()) {
      Fail(result, Verdict::kError, "\"records\" must be an array of CloudTrail records");
      return result;
    }
    size_t i = 0;
    for (const auto& r : spec["records"]) {
      if (!r.is_object()) {
        Fail(result, Verdict::kError, "records[" + std::to_string(i) + "]: expected a JSON object");
      } else {
        records.push_back(TestRecord{"records[" + std::to_string(i) + "]", r.dump()});
      }
      ++i;
    }
  }
  if (result.verdict == Verdict::kError) return result;
  if (records.empty()) {
    Fail(result, Verdict::kError, "no records: give \"fixtures\" or \"records\"");
    return result;
  }

  // Verdicts.
  std::vector<const TestRecord*> matching;
  for (const TestRecord& r : records) {
    ++result.records;
    const bool matched = filter->Matches(r.json);
    if (matched) {
      ++result.matched;
      matching.push_back(&r);
    }
    if (expect == "match" && !matched) {
      Fail(result, Verdict::kFailed,
           r.where + ": expected a match, but the pattern does not match");
    } else if (expect == "no-match" && matched) {
      Fail(result, Verdict::kFailed, r.where + ": expected no match, but the pattern matches");
    }
  }

  // Snapshot of the Slack messages of the matching records.
  if (spec.contains("snapshot")) {
    if (!spec["snapshot"].is_string()) {
      Fail(result, Verdict::kError, "\"snapshot\" must be a path");
      return result;
    }
    RenderOptions render;
    const std::string tz_name = StringOr(spec, "timeZone", StringOr(file_spec, "timeZone", "UTC"));
    auto tz = TimeZone::Parse(tz_name);
    if (!tz.ok()) {
      Fail(result, Verdict::kError, "timeZone: " + tz.status().message());
      return result;
    }
    render.time_zone = *tz;
    render.console_url_template =
        StringOr(spec, "consoleUrl",
                 StringOr(file_spec, "consoleUrl", std::string(kDefaultConsoleUrlTemplate)));
    if (Status s = ValidateConsoleUrlTemplate(render.console_url_template); !s.ok()) {
      Fail(result, Verdict::kError, "consoleUrl: " + s.message());
      return result;
    }
    ordered_json actual = ordered_json::array();
    for (const TestRecord* r : matching)
      actual.push_back(ordered_json::parse(RenderMessage(r->json, render)));
    if (actual.size() == 1) actual = ordered_json(actual[0]);
    const fs::path snapshot = (base / spec["snapshot"].get<std::string>()).lexically_normal();
    std::string text;
    bool same = false;
    std::string problem;
    if (!ReadWhole(snapshot, text)) {
      problem = "snapshot " + snapshot.string() + " does not exist";
    } else {
      try {
        const ordered_json expected = ordered_json::parse(text);
        // Compare as JSON values (key order and escapes do not matter).
        same = nlohmann::json::parse(expected.dump()) == nlohmann::json::parse(actual.dump());
        if (!same) {
          problem = "Slack message differs from snapshot " + snapshot.string() + ":\n" +
                    LineDiff(Pretty(expected), Pretty(actual));
        }
      } catch (const std::exception& e) {
        problem = "snapshot " + snapshot.string() + " is not JSON: " + e.what();
      }
    }
    if (!same) {
      if (options.update_snapshots) {
        std::error_code ec;
        if (snapshot.has_parent_path()) fs::create_directories(snapshot.parent_path(), ec);
        std::ofstream out(snapshot, std::ios::binary | std::ios::trunc);
        out << Pretty(actual);
        if (!out) {
          Fail(result, Verdict::kError, snapshot.string() + ": cannot write the snapshot");
        } else {
          result.snapshot_updated = true;
        }
      } else {
        Fail(result, Verdict::kFailed,
             problem + (problem.find("does not exist") != std::string::npos
                            ? " (run with --update-snapshots to create it)"
                            : ""));
      }
    }
  }
  return result;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

CheckFileResult RunCheckFile(const std::string& path, const CheckOptions& options) {
  CheckFileResult result;
  result.file = path;
  std::string text;
  if (!ReadWhole(path, text)) {
    result.error = path + ": cannot read";
    return result;
  }
  ordered_json spec;
  try {
    spec = ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    result.error = path + ": invalid JSON: " + std::string(JsonErrorWithoutTag(e.what()));
    return result;
  }
  if (!spec.is_object() || !spec.contains("cases") || !spec["cases"].is_array()) {
    result.error = path + ": expected an object with a \"cases\" array (see docs/check-file.md)";
    return result;
  }
  for (const auto& [key, value] : spec.items()) {
    if (key != "cases" && key != "pattern" && key != "rule" && key != "timeZone" &&
        key != "consoleUrl" && key != "description" && key != "$schema") {
      result.error = path;
      result.error.append(": unknown top-level key \"").append(key);
      result.error.append("\" (see docs/check-file.md)");
      return result;
    }
  }
  const fs::path base = fs::path(path).parent_path();
  size_t index = 0;
  for (const auto& c : spec["cases"])
    result.cases.push_back(RunCase(c, index++, spec, base, options));
  return result;
}

CheckTotals Totals(const std::vector<CheckFileResult>& results) {
  CheckTotals t;
  for (const auto& file : results) {
    if (!file.error.empty()) {
      ++t.cases;
      ++t.errors;
    }
    for (const auto& c : file.cases) {
      ++t.cases;
      if (c.verdict == Verdict::kPassed)
        ++t.passed;
      else if (c.verdict == Verdict::kFailed)
        ++t.failed;
      else
        ++t.errors;
    }
  }
  return t;
}

std::string FormatReport(const std::vector<CheckFileResult>& results, bool verbose) {
  std::string out;
  for (const auto& file : results) {
    out += file.file + "\n";
    if (!file.error.empty()) out += "  ERROR " + file.error + "\n";
    for (const auto& c : file.cases) {
      const char* tag = c.verdict == Verdict::kPassed   ? "  PASS  "
                        : c.verdict == Verdict::kFailed ? "  FAIL  "
                                                        : "  ERROR ";
      out += tag + c.name + " (" + std::to_string(c.records) + " records, " +
             std::to_string(c.matched) + " matched)";
      if (c.snapshot_updated) out += " [snapshot updated]";
      out += "\n";
      if (c.verdict != Verdict::kPassed || verbose) {
        for (const auto& m : c.messages) out += Indent(m, "        ");
      }
    }
  }
  const CheckTotals t = Totals(results);
  out += std::to_string(t.cases) + " cases: " + std::to_string(t.passed) + " passed, " +
         std::to_string(t.failed) + " failed, " + std::to_string(t.errors) + " errors\n";
  return out;
}

std::string JUnitXml(const std::vector<CheckFileResult>& results) {
  const CheckTotals t = Totals(results);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"iam-audit check\" tests=\"" + std::to_string(t.cases) +
         "\" failures=\"" + std::to_string(t.failed) + "\" errors=\"" + std::to_string(t.errors) +
         "\">\n";
  for (const auto& file : results) {
    const CheckTotals ft = Totals({file});
    const std::string suite = XmlEscape(file.file);
    const std::string classname = XmlEscape(fs::path(file.file).stem().string());
    out.append("  <testsuite name=\"").append(suite);
    out.append("\" tests=\"").append(std::to_string(ft.cases));
    out.append("\" failures=\"").append(std::to_string(ft.failed));
    out.append("\" errors=\"").append(std::to_string(ft.errors)).append("\" skipped=\"0\">\n");
    if (!file.error.empty()) {
      out.append("    <testcase classname=\"").append(classname);
      out.append("\" name=\"(check file)\" file=\"").append(suite).append("\">\n");
      const std::string error = XmlEscape(file.error);
      out.append("      <error message=\"").append(error).append("\">");
      out.append(error).append("</error>\n");
      out += "    </testcase>\n";
    }
    for (const auto& c : file.cases) {
      out.append("    <testcase classname=\"").append(classname);
      out.append("\" name=\"").append(XmlEscape(c.name));
      out.append("\" file=\"").append(suite).append("\"");
      if (c.verdict == Verdict::kPassed) {
        out += "/>\n";
        continue;
      }
      std::string details;
      for (const auto& m : c.messages) details += m + "\n";
      const std::string first =
          c.messages.empty() ? "" : c.messages.front().substr(0, c.messages.front().find('\n'));
      const char* element = c.verdict == Verdict::kFailed ? "failure" : "error";
      out.append(">\n      <").append(element).append(" message=\"").append(XmlEscape(first));
      out.append("\">").append(XmlEscape(details));
      out.append("</").append(element).append(">\n    </testcase>\n");
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

std::string LineDiff(const std::string& expected, const std::string& actual) {
  auto split = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  };
  const std::vector<std::string> a = split(expected), b = split(actual);
  const size_t n = a.size(), m = b.size();
  // Longest common subsequence table (snapshots are small).
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<std::pair<char, std::string>> ops;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ops.emplace_back(' ', a[i]);
      ++i;
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.emplace_back('-', a[i++]);
    } else {
      ops.emplace_back('+', b[j++]);
    }
  }
  std::string out = "--- expected\n+++ actual\n";
  constexpr size_t kContext = 2;
  size_t last_shown = SIZE_MAX;
  for (size_t k = 0; k < ops.size(); ++k) {
    bool near_change = false;
    for (size_t d = (k >= kContext ? k - kContext : 0); d <= std::min(ops.size() - 1, k + kContext);
         ++d) {
      if (ops[d].first != ' ') near_change = true;
    }
    if (!near_change) continue;
    if (last_shown != SIZE_MAX && k > last_shown + 1) out += "  …\n";
    out += ops[k].first;
    out += ' ';
    out += ops[k].second + "\n";
    last_shown = k;
  }
  return out;
}

}  // namespace iam_audit::simulator
