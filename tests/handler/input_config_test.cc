// The configuration of the S3 and EventBridge inputs: IAM_AUDIT_FILTER_PATTERN
// (its default, an explicit value, IAM_AUDIT_CONFIG's effect, a bad pattern)
// and IAM_AUDIT_ACCOUNT_ALIASES (strict parsing, errors naming the variable
// and the entry).
#include <catch2/catch.hpp>

#include "iam_audit/handler_config.h"

namespace iam_audit {
namespace {

const std::string kWebhook = "https://hooks.example.test/services/T1/B1/XyZsecret";
const std::string kRules =
    R"({"version":1,"rules":[{"name":"all","pattern":"{ $.eventName = * }"}]})";

TEST_CASE("config: IAM_AUDIT_FILTER_PATTERN defaults to the templates' pattern", "[input-config]") {
  auto plain = LoadHandlerConfig({{"SLACK_WEBHOOK_URL", kWebhook}});
  REQUIRE(plain.ok());
  CHECK(
      plain->filter_pattern ==
      R"({ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && ($.eventName != "Describe*") })");
  CHECK(plain->filter_pattern_is_default);
  CHECK(DescribeConfig(*plain).find(" filter_pattern=default") != std::string::npos);
}

TEST_CASE("config: IAM_AUDIT_FILTER_PATTERN set, set empty, and with IAM_AUDIT_CONFIG",
          "[input-config]") {
  auto set = LoadHandlerConfig(
      {{"SLACK_WEBHOOK_URL", kWebhook}, {"IAM_AUDIT_FILTER_PATTERN", R"({ $.eventName = "X" })"}});
  REQUIRE(set.ok());
  CHECK(set->filter_pattern == R"({ $.eventName = "X" })");
  CHECK(DescribeConfig(*set).find(" filter_pattern=set") != std::string::npos);

  auto off = LoadHandlerConfig({{"SLACK_WEBHOOK_URL", kWebhook}, {"IAM_AUDIT_FILTER_PATTERN", ""}});
  REQUIRE(off.ok());
  CHECK(off->filter_pattern.empty());
  CHECK(DescribeConfig(*off).find(" filter_pattern=none") != std::string::npos);

  auto with_rules =
      LoadHandlerConfig({{"SLACK_WEBHOOK_URL", kWebhook}, {"IAM_AUDIT_CONFIG", kRules}});
  REQUIRE(with_rules.ok());
  CHECK(with_rules->filter_pattern.empty());

  auto with_both = LoadHandlerConfig({{"SLACK_WEBHOOK_URL", kWebhook},
                                      {"IAM_AUDIT_CONFIG", kRules},
                                      {"IAM_AUDIT_FILTER_PATTERN", R"({ $.eventName = "X" })"}});
  REQUIRE(with_both.ok());
  CHECK(with_both->filter_pattern == R"({ $.eventName = "X" })");
}

TEST_CASE("config: a bad IAM_AUDIT_FILTER_PATTERN is an error naming it and the column",
          "[input-config]") {
  auto bad = LoadHandlerConfig(
      {{"SLACK_WEBHOOK_URL", kWebhook}, {"IAM_AUDIT_FILTER_PATTERN", "{ $.eventName = }"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("IAM_AUDIT_FILTER_PATTERN: ", 0) == 0);
  CHECK(bad.status().message().find("at column 17") != std::string::npos);
}

TEST_CASE("config: IAM_AUDIT_ACCOUNT_ALIASES", "[input-config]") {
  auto ok =
      LoadHandlerConfig({{"SLACK_WEBHOOK_URL", kWebhook},
                         {"IAM_AUDIT_ACCOUNT_ALIASES", "111122223333=prod,444455556666=dev team"}});
  REQUIRE(ok.ok());
  CHECK(ok->account_aliases ==
        std::map<std::string, std::string>{{"111122223333", "prod"}, {"444455556666", "dev team"}});
  CHECK(DescribeConfig(*ok).find(" account_aliases=2") != std::string::npos);

  const std::pair<const char*, const char*> bad[] = {
      {"111122223333=prod,", "IAM_AUDIT_ACCOUNT_ALIASES: entry 2 is empty"},
      {"111122223333",
       "IAM_AUDIT_ACCOUNT_ALIASES: entry 1 ('111122223333'): expected ACCOUNT=ALIAS"},
      {"1111=prod",
       "IAM_AUDIT_ACCOUNT_ALIASES: entry 1 ('1111=prod'): the account must be 12 digits"},
      {"11112222333x=prod",
       "IAM_AUDIT_ACCOUNT_ALIASES: entry 1 ('11112222333x=prod'): the account must be 12 digits"},
      {"111122223333=",
       "IAM_AUDIT_ACCOUNT_ALIASES: entry 1 ('111122223333='): the alias must be 1 to 64 "
       "characters"},
      {"111122223333=a=b",
       "IAM_AUDIT_ACCOUNT_ALIASES: entry 1 ('111122223333=a=b'): the alias may not hold '=' or "
       "control characters"},
      {"111122223333=a,111122223333=b",
       "IAM_AUDIT_ACCOUNT_ALIASES: entry 2 ('111122223333=b'): account 111122223333 is given "
       "twice"},
  };
  for (const auto& [value, message] : bad) {
    INFO(value);
    auto r =
        LoadHandlerConfig({{"SLACK_WEBHOOK_URL", kWebhook}, {"IAM_AUDIT_ACCOUNT_ALIASES", value}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == message);
  }
  auto tab = ParseAccountAliases("111122223333=a\tb");
  REQUIRE_FALSE(tab.ok());
  CHECK(tab.status().message().find("control characters") != std::string::npos);
}

}  // namespace
}  // namespace iam_audit
