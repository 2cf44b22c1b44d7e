#include "iam_audit/status.h"

#include <catch2/catch.hpp>

namespace iam_audit {
namespace {

TEST_CASE("Status carries code and message, OK is the default", "[status]") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.ToString() == "OK");
  Status bad = DataLossError("gzip: truncated stream after 10 bytes");
  CHECK_FALSE(bad.ok());
  CHECK(bad.code() == StatusCode::kDataLoss);
  CHECK(bad.WithPrefix("payload").message() == "payload: gzip: truncated stream after 10 bytes");
  CHECK(ok.WithPrefix("payload").ok());
  CHECK(StatusCodeName(StatusCode::kResourceExhausted) == "resource_exhausted");
}

TEST_CASE("StatusOr holds a value or an error, never both", "[status]") {
  StatusOr<int> value = 42;
  REQUIRE(value.ok());
  CHECK(*value == 42);
  StatusOr<int> error = InvalidArgumentError("bad");
  CHECK_FALSE(error.ok());
  CHECK(error.status().message() == "bad");
  StatusOr<int> misuse = Status::Ok();  // a bug, turned into an internal error
  CHECK_FALSE(misuse.ok());
  CHECK(misuse.status().code() == StatusCode::kInternal);
}

}  // namespace
}  // namespace iam_audit
