// The handler's bounded memory of delivered alert keys (delivered_ids.h): a
// set for the look-ups and a queue for the order in which they are forgotten.
#include "handler/delivered_ids.h"

namespace iam_audit::internal {

bool DeliveredIds::Contains(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return set_.count(id) != 0;
}

void DeliveredIds::Add(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (capacity_ == 0 || !set_.insert(id).second) return;
  order_.push_back(id);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace iam_audit::internal
