// Micro benchmarks of payload decoding and rendering: base64, inflate, the
// whole subscription event, and one Slack message, with bytes/s and items/s.
#include <benchmark/benchmark.h>

#include <string>

#include "iam_audit/payload.h"
#include "iam_audit/slack_message.h"

namespace iam_audit {
namespace {

constexpr const char* kRecord =
    R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",)"
    R"("arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012",)"
    R"("accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2022-06-21T13:25:23Z",)"
    R"("eventSource":"lambda.amazonaws.com","eventName":"UpdateFunctionCode20150331v2",)"
    R"("awsRegion":"ap-northeast-2","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.7.9",)"
    R"("requestParameters":{"functionName":"audit","publish":false},"responseElements":null,)"
    R"("requestID":"0a1b2c3d","eventID":"f5f387f0-fa63-4811-8b80-cfbd75b27ce2",)"
    R"("readOnly":false,"eventType":"AwsApiCall","managementEvent":true,)"
    R"("recipientAccountId":"123456789012","eventCategory":"Management"})";

std::string MakeBatch(int events) {
  std::string json =
      R"({"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g",)"
      R"("logStream":"123456789012_CloudTrail_us-east-1","subscriptionFilters":["f"],)"
      R"("logEvents":[)";
  std::string escaped;
  for (const char* p = kRecord; *p; ++p) {
    if (*p == '"') escaped += '\\';
    escaped += *p;
  }
  for (int i = 0; i < events; ++i) {
    if (i) json += ',';
    json += R"({"id":"3195310660696698337880902507980421114328961542429822)" +
            std::to_string(1000 + i) + R"(","timestamp":1655817923000,"message":")" + escaped +
            "\"}";
  }
  return json + "]}";
}

std::string MakeEvent(int events) {
  return R"({"awslogs":{"data":")" + Base64Encode(GzipDeflate(MakeBatch(events))) + "\"}}";
}

void BM_Base64Decode(benchmark::State& state) {
  const std::string text = Base64Encode(GzipDeflate(MakeBatch(static_cast<int>(state.range(0)))));
  for (auto _ : state) benchmark::DoNotOptimize(Base64Decode(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Base64Decode)->Arg(1)->Arg(100)->Arg(1000);

void BM_GzipInflate(benchmark::State& state) {
  const std::string plain = MakeBatch(static_cast<int>(state.range(0)));
  const std::string gz = GzipDeflate(plain);
  for (auto _ : state) benchmark::DoNotOptimize(GzipInflate(gz, size_t{64} << 20));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * plain.size()));
}
BENCHMARK(BM_GzipInflate)->Arg(1)->Arg(100)->Arg(1000);

void BM_DecodeSubscriptionEvent(benchmark::State& state) {
  const int events = static_cast<int>(state.range(0));
  const std::string event = MakeEvent(events);
  for (auto _ : state) benchmark::DoNotOptimize(DecodeSubscriptionEvent(event));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * event.size()));
  state.SetItemsProcessed(state.iterations() * events);
}
BENCHMARK(BM_DecodeSubscriptionEvent)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

void BM_RenderMessage(benchmark::State& state) {
  RenderOptions options;
  const std::string record = kRecord;
  for (auto _ : state) benchmark::DoNotOptimize(RenderMessage(record, options));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * record.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenderMessage);

}  // namespace
}  // namespace iam_audit
