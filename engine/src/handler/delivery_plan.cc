// The delivery plan's pure functions (delivery_plan.h): groups, digest items
// per destination, folding under the deadline, and the order of the posts.
#include "handler/delivery_plan.h"

#include <algorithm>

namespace iam_audit::internal {

size_t AlertGroups::GroupOf(std::string_view identity, std::string_view first_rule) {
  std::string key;
  key.reserve(identity.size() + 1 + first_rule.size());
  key.append(identity).append(1, '\x1f').append(first_rule);
  return index_.emplace(std::move(key), index_.size()).first->second;
}

DestinationItems BuildItems(const std::vector<PlannedAlert>& alerts, size_t digest_threshold) {
  std::vector<size_t> group_size;
  for (const PlannedAlert& alert : alerts) {
    if (alert.group >= group_size.size()) group_size.resize(alert.group + 1, 0);
    ++group_size[alert.group];
  }
  DestinationItems plan;
  for (size_t i = 0; i < alerts.size(); ++i) {
    const size_t group = alerts[i].group;
    for (const std::string& d : alerts[i].destinations) {
      std::vector<PlanItem>& items = plan[d];
      if (group_size[group] <= digest_threshold) {
        items.push_back(PlanItem{{i}, false});
        continue;
      }
      auto found = std::find_if(items.begin(), items.end(), [&](const PlanItem& item) {
        return item.digest && alerts[item.members.front()].group == group;
      });
      if (found != items.end()) {
        found->members.push_back(i);
      } else {
        items.push_back(PlanItem{{i}, true});
      }
    }
  }
  return plan;
}

void FoldToFit(DestinationItems& plan, const std::vector<PlannedAlert>& alerts, int64_t interval_ms,
               int64_t min_request_ms, int64_t usable_ms) {
  const int64_t per_post = interval_ms + min_request_ms;
  for (auto& [name, items] : plan) {
    if (items.size() <= 1 || static_cast<int64_t>(items.size()) * per_post <= usable_ms) continue;
    std::vector<PlanItem> folded;
    for (PlanItem& item : items) {
      const size_t group = alerts[item.members.front()].group;
      auto found = std::find_if(folded.begin(), folded.end(), [&](const PlanItem& f) {
        return alerts[f.members.front()].group == group;
      });
      if (found == folded.end()) {
        folded.push_back(std::move(item));
      } else {
        found->members.insert(found->members.end(), item.members.begin(), item.members.end());
        found->digest = true;
      }
    }
    items = std::move(folded);
  }
}

std::vector<PlannedPost> OrderPosts(const DestinationItems& plan) {
  std::vector<PlannedPost> posts;
  for (const auto& [name, items] : plan) {
    for (const PlanItem& item : items) posts.push_back(PlannedPost{name, &item});
  }
  std::stable_sort(posts.begin(), posts.end(), [](const PlannedPost& a, const PlannedPost& b) {
    return a.item->members.front() < b.item->members.front();
  });
  return posts;
}

}  // namespace iam_audit::internal
