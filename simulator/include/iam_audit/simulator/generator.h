// Synthetic CloudTrail records for load tests and for rule tests.
//
// A Generator produces records one at a time, in non-decreasing eventTime,
// as compact JSON in CloudTrail's key order: read-only and mutating API
// calls across many services, IAM changes, trail tampering, AccessDenied
// errors, console sign-ins (with and without MFA, "YES" for root, failures
// with "Failed authentication" and with HIDDEN_DUE_TO_SECURITY_REASONS), and
// AWS service events, made by a mix of identities (IAMUser, Root,
// AssumedRole incl. IAM Identity Center permission sets, AWSService,
// FederatedUser, IdentityCenterUser, and service-internal records with no
// type). Values are invented (documentation IP ranges, example.com, GUIDs
// from the seeded generator); no real record is copied.
//
// Deterministic: the same options (seed included) give the same bytes on
// every machine. One Generator per thread.
#ifndef IAM_AUDIT_SIMULATOR_GENERATOR_H_
#define IAM_AUDIT_SIMULATOR_GENERATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "iam_audit/status.h"

namespace iam_audit::simulator {

struct GenerateOptions {
  uint64_t seed = 1;
  uint64_t events = 1000;
  uint32_t users = 20;    // IAM users per account (also SSO users)
  uint32_t accounts = 1;  // synthetic 12-digit account ids
  std::vector<std::string> regions = {"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-2"};
  int64_t start_ms = 1704067200000;           // 2024-01-01T00:00:00Z
  int64_t duration_ms = 30LL * 86400 * 1000;  // spread over 30 days
};

struct GeneratedRecord {
  std::string json;  // compact JSON, no trailing newline
  std::string account;
  std::string region;
  int64_t timestamp_ms = 0;
};

class Generator {
 public:
  // Errors: no regions, zero users or accounts, a region name with
  // characters outside [a-z0-9-].
  static StatusOr<std::unique_ptr<Generator>> Create(const GenerateOptions& options);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // The next record (overwrites `record`, reusing its buffers). Returns false
  // once options.events records have been produced.
  bool Next(GeneratedRecord& record);

  const std::vector<std::string>& accounts() const;

 private:
  struct Impl;
  explicit Generator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "YYYY-MM-DDThh:mm:ssZ" for ms since the epoch (the ms are dropped).
std::string FormatEventTime(int64_t ms);

}  // namespace iam_audit::simulator

#endif  // IAM_AUDIT_SIMULATOR_GENERATOR_H_
