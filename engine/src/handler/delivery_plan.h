// Internal: the handler's delivery plan as pure functions (no clock, no
// HTTP): which messages each destination gets, and in which order they are
// posted. handler.cc evaluates the alerts, runs these, then posts.
//
//   BuildItems: an alert of a group larger than the digest threshold joins
//     its group's digest for each of its destinations; any other alert is a
//     single message to each.
//   FoldToFit: when a destination's items cannot all be posted before the
//     deadline at its pace (items × (interval + min_request) > usable time),
//     its items are merged into one per group: merged, never dropped (a group
//     of one stays a single alert).
//   OrderPosts: every item of every destination, by its first alert, so that
//     the waits of one destination's pace overlap with posts to the others.
#ifndef IAM_AUDIT_SRC_HANDLER_DELIVERY_PLAN_H_
#define IAM_AUDIT_SRC_HANDLER_DELIVERY_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace iam_audit::internal {

// One alert as the plan sees it. Alerts are given in event order.
struct PlannedAlert {
  size_t group = 0;                       // alerts of one group may share a digest
  std::vector<std::string> destinations;  // names, each at most once
};

// Numbers groups: one group per (identity, first rule name) pair.
class AlertGroups {
 public:
  // The group of an alert from `identity` whose first rule is `first_rule`
  // (empty without rules): 0, 1, 2… in order of first appearance.
  size_t GroupOf(std::string_view identity, std::string_view first_rule);

 private:
  std::map<std::string, size_t, std::less<>> index_;
};

// One message to one destination.
struct PlanItem {
  std::vector<size_t> members;  // indexes into the alerts, ascending
  bool digest = false;          // posted as a digest when it has more than one member
  bool operator==(const PlanItem& other) const {
    return members == other.members && digest == other.digest;
  }
};

// Destination name → its items, in order of each item's first alert.
using DestinationItems = std::map<std::string, std::vector<PlanItem>>;

// Items per destination. A group is digested when it has more than
// `digest_threshold` alerts (counted once however many destinations they
// have): its alerts to one destination are one digest item, placed where
// its first alert to that destination is.
DestinationItems BuildItems(const std::vector<PlannedAlert>& alerts, size_t digest_threshold);

// Folds the items of every destination that has more than one and whose
// items.size() × (interval_ms + min_request_ms) exceeds `usable_ms`: items
// of one group become one, placed where the group's first item was, a digest
// when it has several members (or was one already).
void FoldToFit(DestinationItems& plan, const std::vector<PlannedAlert>& alerts, int64_t interval_ms,
               int64_t min_request_ms, int64_t usable_ms);

// One post: an item for a destination.
struct PlannedPost {
  std::string_view destination;  // a key of the plan
  const PlanItem* item = nullptr;
};

// Every item of `plan` (which must outlive the result), ordered by the first
// alert of each; items with the same first alert in destination-name order.
std::vector<PlannedPost> OrderPosts(const DestinationItems& plan);

}  // namespace iam_audit::internal

#endif  // IAM_AUDIT_SRC_HANDLER_DELIVERY_PLAN_H_
