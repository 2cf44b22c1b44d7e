// Rule tests for users' CI: `iam-audit check FILE…`.
//
// A check file (JSON, schema in docs/check-file.md) lists cases; each gives a
// filter pattern, records (fixture files or folders relative to the check
// file, and/or inline records) and the expectation: every record matches, or
// none does; optionally the exact Slack messages of the matching records as
// a golden snapshot file. RunCheckFile evaluates one file; FormatReport and
// JUnitXml present the results. Functions are thread-compatible (no shared
// state); RunCheckFile writes snapshot files only when asked to update them.
#ifndef IAM_AUDIT_SIMULATOR_CHECK_H_
#define IAM_AUDIT_SIMULATOR_CHECK_H_

#include <cstddef>
#include <string>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit::simulator {

struct CheckOptions {
  bool update_snapshots = false;  // write actual messages to missing/different snapshots
};

struct CaseResult {
  std::string name;
  enum class Verdict { kPassed, kFailed, kError } verdict = Verdict::kPassed;
  size_t records = 0;  // records evaluated
  size_t matched = 0;
  // One entry per problem, each possibly multi-line (a diff); empty when passed.
  std::vector<std::string> messages;
  bool snapshot_updated = false;
};

struct CheckFileResult {
  std::string file;
  std::string error;  // the file itself could not be used (then `cases` is empty)
  std::vector<CaseResult> cases;
};

// Runs every case of the check file at `path`. Never throws; problems with
// the file are in CheckFileResult::error, problems with a case in its
// messages (verdict kError: invalid pattern, unreadable fixture, bad record).
CheckFileResult RunCheckFile(const std::string& path, const CheckOptions& options = {});

struct CheckTotals {
  size_t cases = 0, passed = 0, failed = 0, errors = 0;
};
CheckTotals Totals(const std::vector<CheckFileResult>& results);

// The readable report: one line per case, the messages of failures
// indented below it, and a totals line.
std::string FormatReport(const std::vector<CheckFileResult>& results, bool verbose = false);

// JUnit XML (one <testsuite> per check file, one <testcase> per case, with
// <failure> or <error> elements), as CI systems read it.
std::string JUnitXml(const std::vector<CheckFileResult>& results);

// A line diff of two texts ("--- expected / +++ actual", '-'/'+'/' ' lines,
// 2 lines of context), for showing snapshot differences.
std::string LineDiff(const std::string& expected, const std::string& actual);

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_CHECK_H_
