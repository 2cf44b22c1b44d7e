// Synthetic CloudTrail: deterministic, valid, varied, in time order.
#include "iam_audit/simulator/generator.h"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace iam_audit::simulator {
namespace {

std::string All(uint64_t seed, uint64_t n) {
  GenerateOptions o;
  o.seed = seed;
  o.events = n;
  auto g = Generator::Create(o);
  REQUIRE(g.ok());
  std::string out;
  GeneratedRecord r;
  while ((*g)->Next(r)) out += r.json + "\n";
  return out;
}

TEST_CASE("FormatEventTime against date(1)", "[generator]") {
  CHECK(FormatEventTime(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatEventTime(1704067200000) == "2024-01-01T00:00:00Z");
  CHECK(FormatEventTime(951782400999) == "2000-02-29T00:00:00Z");  // date -u -d 2000-02-29 +%s
  CHECK(FormatEventTime(1655817923000) == "2022-06-21T13:25:23Z");
}

TEST_CASE("same seed, same bytes, another seed, other bytes", "[generator]") {
  CHECK(All(1, 500) == All(1, 500));
  CHECK(All(1, 500) != All(2, 500));
}

TEST_CASE("records are valid CloudTrail shapes with the promised variety", "[generator]") {
  GenerateOptions o;
  o.seed = 42;
  o.events = 5000;
  o.accounts = 3;
  auto g = Generator::Create(o);
  REQUIRE(g.ok());
  GeneratedRecord r;
  std::map<std::string, int> types, names, mfa;
  std::set<std::string> accounts, ids;
  int hidden = 0, failed_password = 0, denied = 0, no_type = 0, no_additional_login = 0;
  std::string last_time;
  while ((*g)->Next(r)) {
    const auto j = nlohmann::ordered_json::parse(r.json);  // throws on invalid JSON
    REQUIRE(j.begin().key() == "eventVersion");
    for (const char* key :
         {"eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
          "eventID", "eventType", "recipientAccountId", "readOnly", "managementEvent"}) {
      CAPTURE(key, r.json);
      REQUIRE(j.contains(key));
    }
    CHECK(j["readOnly"].is_boolean());
    const std::string time = j["eventTime"];
    CHECK(time.size() == 20);
    CHECK(time >= last_time);
    last_time = time;
    CHECK(ids.insert(j["eventID"].get<std::string>()).second);
    accounts.insert(j["recipientAccountId"].get<std::string>());
    const auto& ui = j["userIdentity"];
    if (ui.contains("type"))
      ++types[ui["type"]];
    else
      ++no_type;
    ++names[j["eventName"]];
    if (ui.value("userName", "") == "HIDDEN_DUE_TO_SECURITY_REASONS") ++hidden;
    if (j.value("errorMessage", "") == "Failed authentication") ++failed_password;
    if (j.value("errorCode", "") == "AccessDenied") ++denied;
    if (j["eventName"] == "ConsoleLogin") {
      if (j.contains("additionalEventData"))
        ++mfa[j["additionalEventData"]["MFAUsed"]];
      else
        ++no_additional_login;
    }
    if (j["eventSource"] == "iam.amazonaws.com") CHECK(j["awsRegion"] == "us-east-1");
  }
  CHECK(accounts.size() == 3);
  for (const char* t :
       {"IAMUser", "Root", "AssumedRole", "AWSService", "FederatedUser", "IdentityCenterUser"}) {
    CAPTURE(t);
    CHECK(types[t] > 0);
  }
  CHECK(no_type > 0);
  CHECK(hidden > 0);
  CHECK(failed_password > 0);
  CHECK(denied > 0);
  CHECK(mfa["Yes"] > 0);
  CHECK(mfa["No"] > 0);
  CHECK(mfa["YES"] > 0);
  CHECK(no_additional_login > 0);
  for (const char* n : {"StopLogging", "DeleteTrail", "CreateUser", "AttachUserPolicy",
                        "CreateAccessKey", "DescribeInstances", "ConsoleLogin", "RotateKey"}) {
    CAPTURE(n);
    CHECK(names[n] > 0);
  }
  CHECK(names.size() > 50);
}

TEST_CASE("bad generator options are refused", "[generator]") {
  GenerateOptions o;
  o.regions = {};
  CHECK_FALSE(Generator::Create(o).ok());
  o.regions = {"us-east-1", "Bad Region"};
  CHECK_FALSE(Generator::Create(o).ok());
  o.regions = {"us-east-1"};
  o.users = 0;
  CHECK_FALSE(Generator::Create(o).ok());
}

}  // namespace
}  // namespace iam_audit::simulator
