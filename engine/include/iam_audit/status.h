// Status and StatusOr<T>: errors as values at every library boundary.
//
// A Status is either OK or carries a code from a small closed set plus a
// message that names the thing and the place that failed, for example
// "payload: gzip: truncated stream after 4096 bytes". StatusOr<T> holds
// either a T or a non-OK Status. Both are plain values: copyable, movable and
// safe to share between threads once built (no member is mutated after
// construction).
#ifndef IAM_AUDIT_STATUS_H_
#define IAM_AUDIT_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace iam_audit {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the input is malformed (bad base64, bad JSON, bad pattern)
  kDataLoss,           // compressed data is truncated or corrupt
  kResourceExhausted,  // a configured limit was hit (inflated size, nesting depth)
  kNotFound,           // a file or a named thing does not exist
  kUnavailable,        // a remote peer could not be reached
  kDeadlineExceeded,   // time ran out
  kInternal,           // a bug: should never happen
};

// Returns the canonical lower-case name of `code` ("invalid_argument", ...).
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK" for success, otherwise the message alone (it already names the place).
  std::string ToString() const { return ok() ? std::string("OK") : message_; }

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithPrefix(std::string_view prefix) const {
    if (ok()) return *this;
    return Status(code_, std::string(prefix) + ": " + message_);
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status DataLossError(std::string message) {
  return Status(StatusCode::kDataLoss, std::move(message));
}
inline Status ResourceExhaustedError(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message));
}
inline Status NotFoundError(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status UnavailableError(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
inline Status DeadlineExceededError(std::string message) {
  return Status(StatusCode::kDeadlineExceeded, std::move(message));
}
inline Status InternalError(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

// A value of type T, or the Status that explains why there is none.
// Constructing from an OK Status is a bug and becomes an kInternal error.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const T& value) : value_(value) {}             // NOLINT(google-explicit-constructor)
  StatusOr(T&& value) : value_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = InternalError("StatusOr constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

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
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;  // OK when value_ is set
  std::optional<T> value_;
};

}  // namespace iam_audit

#endif  // IAM_AUDIT_STATUS_H_
