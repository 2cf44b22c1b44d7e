// Expected<T>: a value, or an error message that names what failed and where.
//
// mock_slack is a stand-alone service and does not link the audit engine, so
// it carries this small value-or-error type instead of iam_audit::StatusOr.
// Messages follow the project's convention: "fault: unknown kind 'x'".
// Plain value type; safe to share between threads once built.
#ifndef MOCK_SLACK_EXPECTED_H_
#define MOCK_SLACK_EXPECTED_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace mock_slack {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Expected(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  // The error message; empty when ok().
  const std::string& error() const { return error_.message; }

  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T& value() & {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Error error_;
};

}  // namespace mock_slack

#endif  // MOCK_SLACK_EXPECTED_H_
