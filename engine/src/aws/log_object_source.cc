// LogObjectSource over the engine's S3 client: GetObject streamed in chunks;
// the environment's configuration read at first use.
#include "iam_audit/log_object_source.h"

#include <optional>

namespace iam_audit {
namespace {

class S3Source : public LogObjectSource {
 public:
  explicit S3Source(std::optional<s3::S3Config> config) : config_(std::move(config)) {}

  Status Get(const std::string& bucket, const std::string& key,
             const std::function<Status(std::string_view chunk)>& on_chunk,
             int64_t timeout_ms) override {
    if (client_ == nullptr) {
      if (!config_) {
        auto loaded = s3::S3Config::FromEnvironment();
        if (!loaded.ok()) {
          return loaded.status().WithPrefix("s3: GetObject s3://" + bucket + "/" + key);
        }
        config_ = std::move(loaded).value();
      }
      client_ = std::make_unique<s3::S3Client>(*config_);
    }
    return client_->GetObject(bucket, key, on_chunk, timeout_ms);
  }

 private:
  std::optional<s3::S3Config> config_;
  std::unique_ptr<s3::S3Client> client_;
};

}  // namespace

std::unique_ptr<LogObjectSource> MakeS3LogObjectSource(s3::S3Config config) {
  return std::make_unique<S3Source>(std::move(config));
}

std::unique_ptr<LogObjectSource> MakeS3LogObjectSourceFromEnvironment() {
  return std::make_unique<S3Source>(std::nullopt);
}

}  // namespace iam_audit
