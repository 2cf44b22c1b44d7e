// Internal: the handler's bounded memory of delivered alerts, so that
// Lambda's redeliveries of a payload do not post an alert twice (handler.h,
// "Redelivery"). Keys are the handler's ("event:<eventID>" or "log:<id>").
#ifndef IAM_AUDIT_SRC_HANDLER_DELIVERED_IDS_H_
#define IAM_AUDIT_SRC_HANDLER_DELIVERED_IDS_H_

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace iam_audit::internal {

// Keys of delivered alerts, oldest forgotten first once `capacity` is
// reached; a capacity of 0 remembers nothing. Thread-safe.
class DeliveredIds {
 public:
  explicit DeliveredIds(size_t capacity) : capacity_(capacity) {}
  DeliveredIds(const DeliveredIds&) = delete;
  DeliveredIds& operator=(const DeliveredIds&) = delete;

  bool Contains(const std::string& id) const;
  // Remembers `id`; an id already remembered keeps its age.
  void Add(const std::string& id);

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> set_;  // guarded by mu_
  std::deque<std::string> order_;        // guarded by mu_; oldest first
};

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_SRC_HANDLER_DELIVERED_IDS_H_
