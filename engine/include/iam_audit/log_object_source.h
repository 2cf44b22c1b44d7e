// Where the handler reads CloudTrail log files named by an S3 notification:
// an interface, so that tests can serve objects from memory, and the real
// one over the engine's S3 client (s3_client.h).
#ifndef IAM_AUDIT_LOG_OBJECT_SOURCE_H_
#define IAM_AUDIT_LOG_OBJECT_SOURCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "iam_audit/s3_client.h"
#include "iam_audit/status.h"

namespace iam_audit {

class LogObjectSource {
 public:
  virtual ~LogObjectSource() = default;
  // Streams the object's bytes to `on_chunk` in order; a non-OK return from
  // it stops the read and is the result. Errors name the bucket and key.
  // Called by one thread at a time.
  virtual Status Get(const std::string& bucket, const std::string& key,
                     const std::function<Status(std::string_view chunk)>& on_chunk,
                     int64_t timeout_ms) = 0;
};

// GetObject over S3Client with this configuration.
std::unique_ptr<LogObjectSource> MakeS3LogObjectSource(s3::S3Config config);

// The same, configured by S3Config::FromEnvironment (AWS_* variables) when
// first used: a missing variable is then the answer of every Get, so that a
// function that never receives an S3 notification needs no S3 setting.
std::unique_ptr<LogObjectSource> MakeS3LogObjectSourceFromEnvironment();

}  // namespace iam_audit

#endif  // IAM_AUDIT_LOG_OBJECT_SOURCE_H_
