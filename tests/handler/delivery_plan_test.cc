// The delivery plan's pure functions (engine/src/handler/delivery_plan.h),
// with the expected items written out from the rules in that header.
#include "handler/delivery_plan.h"

#include <catch2/catch.hpp>
#include <limits>
#include <string>
#include <vector>

namespace iam_audit::internal {
namespace {

using Items = std::vector<PlanItem>;

PlanItem Single(size_t alert) { return PlanItem{{alert}, false}; }
PlanItem Digest(std::vector<size_t> members) { return PlanItem{std::move(members), true}; }

TEST_CASE("plan: groups are numbered per (identity, first rule) in order of appearance",
          "[handler][plan]") {
  AlertGroups groups;
  CHECK(groups.GroupOf("alice", "iam-change") == 0);
  CHECK(groups.GroupOf("bob", "iam-change") == 1);
  CHECK(groups.GroupOf("alice", "iam-change") == 0);
  CHECK(groups.GroupOf("alice", "") == 2);  // no rules: its own group
  CHECK(groups.GroupOf("alice", "root-login") == 3);
  CHECK(groups.GroupOf("bob", "iam-change") == 1);
}

TEST_CASE("plan: 5 alerts in 2 groups, threshold 3: the group of 4 is one digest per destination",
          "[handler][plan]") {
  // Group 0 has 4 alerts (> 3): digested; group 1 has 1: a single message.
  const std::vector<PlannedAlert> alerts = {
      {0, {"audit"}},         // 0
      {1, {"audit"}},         // 1
      {0, {"audit", "sec"}},  // 2
      {0, {"audit"}},         // 3
      {0, {"sec"}},           // 4
  };
  const DestinationItems plan = BuildItems(alerts, 3);
  REQUIRE(plan.size() == 2);
  // The digest sits where its first alert to that destination is.
  CHECK(plan.at("audit") == Items{Digest({0, 2, 3}), Single(1)});
  CHECK(plan.at("sec") == Items{Digest({2, 4})});
}

TEST_CASE("plan: a group of exactly the threshold is posted alert by alert", "[handler][plan]") {
  const std::vector<PlannedAlert> alerts = {{0, {"audit"}}, {0, {"audit"}}, {0, {"audit"}}};
  CHECK(BuildItems(alerts, 3).at("audit") == Items{Single(0), Single(1), Single(2)});
  CHECK(BuildItems(alerts, 2).at("audit") == Items{Digest({0, 1, 2})});
  // Without a configuration the threshold is the largest size_t: never a digest.
  CHECK(BuildItems(alerts, std::numeric_limits<size_t>::max()).at("audit") ==
        Items{Single(0), Single(1), Single(2)});
}

TEST_CASE("plan: an alert without a destination is in no item", "[handler][plan]") {
  const std::vector<PlannedAlert> alerts = {{0, {}}, {1, {"audit"}}};
  const DestinationItems plan = BuildItems(alerts, 10);
  REQUIRE(plan.size() == 1);
  CHECK(plan.at("audit") == Items{Single(1)});
}

TEST_CASE("plan: a destination whose posts do not fit before the deadline is folded per group",
          "[handler][plan]") {
  // "audit": 5 single alerts in groups 0, 1, 0, 1, 2; "sec": 2 alerts.
  const std::vector<PlannedAlert> alerts = {
      {0, {"audit", "sec"}}, {1, {"audit"}}, {0, {"audit"}}, {1, {"audit", "sec"}}, {2, {"audit"}},
  };
  DestinationItems plan = BuildItems(alerts, 10);
  REQUIRE(plan.at("audit").size() == 5);
  SECTION("5 posts × (1000 + 500) ms = 7500 ms fit in 7500 ms: nothing folded") {
    FoldToFit(plan, alerts, 1000, 500, 7500);
    CHECK(plan.at("audit") == Items{Single(0), Single(1), Single(2), Single(3), Single(4)});
    CHECK(plan.at("sec") == Items{Single(0), Single(3)});
  }
  SECTION("7499 ms: audit folds into one item per group; sec's 2 posts (3000 ms) still fit") {
    FoldToFit(plan, alerts, 1000, 500, 7499);
    // A group of one stays a single alert.
    CHECK(plan.at("audit") == Items{Digest({0, 2}), Digest({1, 3}), Single(4)});
    CHECK(plan.at("sec") == Items{Single(0), Single(3)});
  }
  SECTION("2999 ms: sec folds too, its two groups stay two single alerts") {
    FoldToFit(plan, alerts, 1000, 500, 2999);
    CHECK(plan.at("audit") == Items{Digest({0, 2}), Digest({1, 3}), Single(4)});
    CHECK(plan.at("sec") == Items{Single(0), Single(3)});
  }
}

TEST_CASE("plan: folding keeps groups apart, a threshold digest included", "[handler][plan]") {
  // Group 0 (3 alerts, threshold 2) is a digest; group 1 has 1 alert. 2
  // items × 100 ms > 150 ms, but they are of different groups: nothing to merge.
  const std::vector<PlannedAlert> alerts = {{0, {"a"}}, {1, {"a"}}, {0, {"a"}}, {0, {"a"}}};
  DestinationItems plan = BuildItems(alerts, 2);
  REQUIRE(plan.at("a") == Items{Digest({0, 2, 3}), Single(1)});
  FoldToFit(plan, alerts, 100, 0, 150);
  CHECK(plan.at("a") == Items{Digest({0, 2, 3}), Single(1)});
}

TEST_CASE("plan: one item is never folded, whatever the time left", "[handler][plan]") {
  const std::vector<PlannedAlert> alerts = {{0, {"a"}}, {0, {"b"}}, {0, {"b"}}};
  DestinationItems plan = BuildItems(alerts, 10);
  FoldToFit(plan, alerts, 1000, 500, -1);
  CHECK(plan.at("a") == Items{Single(0)});
  CHECK(plan.at("b") == Items{Digest({1, 2})});
}

TEST_CASE("plan: posts across destinations are ordered by their first alert", "[handler][plan]") {
  const std::vector<PlannedAlert> alerts = {
      {0, {"tg", "audit"}},  // 0
      {1, {"sec"}},          // 1
      {2, {}},               // 2: nowhere
      {3, {"audit"}},        // 3
      {1, {"sec"}},          // 4
  };
  const DestinationItems plan = BuildItems(alerts, 1);  // group 1 (alerts 1, 4) is a digest
  const std::vector<PlannedPost> posts = OrderPosts(plan);
  REQUIRE(posts.size() == 4);
  // Alert 0 goes to two destinations: in name order, audit before tg.
  CHECK(posts[0].destination == "audit");
  CHECK(*posts[0].item == Single(0));
  CHECK(posts[1].destination == "tg");
  CHECK(*posts[1].item == Single(0));
  CHECK(posts[2].destination == "sec");
  CHECK(*posts[2].item == Digest({1, 4}));
  CHECK(posts[3].destination == "audit");
  CHECK(*posts[3].item == Single(3));
}

}  // namespace
}  // namespace iam_audit::internal
