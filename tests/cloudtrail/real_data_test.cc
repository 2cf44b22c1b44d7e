// Renders every real CloudTrail record in tests/data/real-cloudtrail and every
// malformed line of odd.jsonl, and decodes the real subscription payloads.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/payload.h"
#include "iam_audit/slack_message.h"
#include "slack_limits.h"
#include "test_data.h"

namespace iam_audit {
namespace {

std::vector<std::string> ReadLines(const std::filesystem::path& file) {
  std::ifstream in(file);
  REQUIRE(in.good());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

const std::filesystem::path kDir = testing::TestDataDir() / "real-cloudtrail";

TEST_CASE("Every real CloudTrail record renders within Slack's limits", "[real-data]") {
  auto tz = TimeZone::Parse("Asia/Seoul");
  REQUIRE(tz.ok());
  RenderOptions options;
  options.time_zone = *tz;
  size_t total = 0;
  for (const char* name :
       {"aws-docs-examples.jsonl", "invictus-aws_dataset.jsonl",
        "otrf-ec2_proxy_s3_exfiltration.logstash.jsonl", "panther-analysis-tests.jsonl",
        "stratus-red-team-detonation-logs.jsonl"}) {
    const auto lines = ReadLines(kDir / name);
    for (size_t i = 0; i < lines.size(); ++i) {
      CAPTURE(name, i + 1);
      auto record = ParseCloudTrailRecord(lines[i]);
      REQUIRE(record.ok());
      CHECK_FALSE(record->display_identity.empty());
      const std::string message = RenderMessage(lines[i], options);
      const std::string violation = testing::SlackLimitViolation(message);
      CAPTURE(message.substr(0, 400));
      CHECK(violation.empty());
      // A real record renders as an alert, never as the raw fallback.
      CHECK(message.find("```") == std::string::npos);
      ++total;
    }
  }
  CHECK(total == 4175);
}

TEST_CASE("Malformed real lines give a clear error and a raw-message fallback", "[real-data]") {
  const auto lines = ReadLines(kDir / "odd.jsonl");
  REQUIRE(lines.size() == 53);
  size_t errors = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(i + 1);
    auto record = ParseCloudTrailRecord(lines[i]);
    const std::string message = RenderMessage(lines[i], RenderOptions{});
    CHECK(testing::SlackLimitViolation(message).empty());
    if (lines[i].rfind("{\"awslogs\"", 0) == 0) {
      // Subscription payloads whose data the docs cut short with "...": the
      // decoder must refuse them and say why.
      auto batch = DecodeSubscriptionEvent(lines[i]);
      REQUIRE_FALSE(batch.ok());
      CHECK_THAT(batch.status().message(),
                 Catch::StartsWith("payload: base64: invalid character '.'"));
      ++errors;
      continue;
    }
    if (!record.ok()) {
      ++errors;
      // The error names where the JSON broke.
      CHECK_THAT(record.status().message(), Catch::StartsWith("record: "));
      CHECK_THAT(record.status().message(), Catch::Contains("line") && Catch::Contains("column"));
      CHECK(message.find("```") != std::string::npos);
    } else {
      CHECK_FALSE(record->display_identity.empty());
    }
  }
  // Every odd line is broken JSON or an undecodable payload (odd.index.tsv says which).
  CHECK(errors == lines.size());
}

TEST_CASE("Real subscription payloads decode", "[real-data]") {
  for (const std::string& line : ReadLines(kDir / "subscription-samples.jsonl")) {
    auto batch = DecodeSubscriptionEvent(line);
    INFO(batch.status().message());
    REQUIRE(batch.ok());
    CHECK_FALSE(batch->log_events.empty());
    for (const LogEvent& e : batch->log_events) {
      CHECK(testing::SlackLimitViolation(RenderMessage(e.message, RenderOptions{})).empty());
    }
  }
  for (const std::string& line : ReadLines(kDir / "subscription-decoded-samples.jsonl")) {
    auto batch = DecodeSubscriptionEvent(line);
    INFO(batch.status().message());
    REQUIRE(batch.ok());
    // AWS's documented samples carry truncated records: each is reported and
    // rendered as the raw fallback, never dropped.
    for (const LogEvent& e : batch->log_events) {
      const std::string message = RenderMessage(e.message, RenderOptions{});
      CHECK(testing::SlackLimitViolation(message).empty());
    }
  }
}

}  // namespace
}  // namespace iam_audit
