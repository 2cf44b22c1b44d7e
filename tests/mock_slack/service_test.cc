// The service without HTTP: answer order, storage, stats, control API.
#include "mock_slack/service.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace mock_slack {
namespace {

using nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr const char* kHook = "/services/T1/B1/s3cret";

struct Fixture {
  explicit Fixture(RateLimit rate = {true, 1.0, 2.0}, ErrorStatusTable statuses = {}) {
    ServiceOptions options;
    options.rate = rate;
    options.max_messages = 3;
    std::vector<WebhookConfig> hooks = {*ParseWebhookFlag("T1/B1/s3cret,channel=alerts"),
                                        *ParseWebhookFlag("T1/B2/other"),
                                        *ParseWebhookFlag("T1/B3/gone,archived")};
    service = std::make_unique<Service>(hooks, options, statuses, &clock);
  }
  Reply Post(const std::string& path, const std::string& body) {
    return service->HandleWebhook(path, kJson, body);
  }
  json Api(const std::string& method, const std::string& path,
           std::multimap<std::string, std::string> query = {}, const std::string& body = "") {
    Reply r = service->HandleApi(method, path, query, body);
    last_status = r.status;
    return json::parse(r.body);
  }
  FakeClock clock;
  std::unique_ptr<Service> service;
  int last_status = 0;
};

TEST_CASE("service: Slack's answers by path and state", "[mock_slack][service]") {
  Fixture f(RateLimit{false, 1, 1});
  auto [path, status, body] = GENERATE(table<std::string, int, std::string>({
      {"/services/T1/B1/s3cret", 200, "ok"},
      {"/services/T1/B1/wrong", 403, "invalid_token"},
      {"/services/T1/B1/", 403, "invalid_token"},
      {"/services/T1/B9/s3cret", 404, "no_service"},
      {"/services/T9/B1/s3cret", 404, "no_service"},
      {"/services/T1/B1", 404, "no_service"},
      {"/services/T1/B1/s3cret/extra", 404, "no_service"},
      {"/services/", 404, "no_service"},
      {"/services/T1/B3/gone", 410, "channel_is_archived"},
  }));
  CAPTURE(path);
  Reply r = f.Post(path, R"({"text":"hi"})");
  CHECK(r.status == status);
  CHECK(r.body == body);
  CHECK(r.content_type == "text/plain; charset=utf-8");
  CHECK(r.action == Reply::Action::kRespond);
}

TEST_CASE("service: validation errors carry Slack's status", "[mock_slack][service]") {
  Fixture f(RateLimit{false, 1, 1});
  Reply r = f.Post(kHook, "{");
  CHECK(r.status == 400);
  CHECK(r.body == "invalid_payload");
  r = f.Post(kHook, R"({"blocks":"[]"})");
  CHECK(r.status == 400);
  CHECK(r.body == "invalid_blocks_format");
  r = f.service->HandleWrongMethod(kHook);
  CHECK(r.status == 400);
  CHECK(r.body == "invalid_payload");
}

TEST_CASE("service: --status overrides a code's status", "[mock_slack][service]") {
  ErrorStatusTable statuses;
  REQUIRE(statuses.ParseOverride("no_service=410").ok());
  CHECK(statuses.ParseOverride("no_service").error() ==
        "--status 'no_service': expected code=status");
  CHECK(statuses.ParseOverride("no_service=200").error() ==
        "--status 'no_service=200': status must be 400-599");
  Fixture f(RateLimit{false, 1, 1}, statuses);
  Reply r = f.Post("/services/T9/B9/x", R"({"text":"hi"})");
  CHECK(r.status == 410);
  CHECK(r.body == "no_service");
}

TEST_CASE("service: rate limit answers 429 with Retry-After and both body shapes",
          "[mock_slack][service]") {
  Fixture f;  // burst 2, 1/s
  CHECK(f.Post(kHook, R"({"text":"1"})").status == 200);
  CHECK(f.Post(kHook, R"({"text":"2"})").status == 200);
  Reply r = f.Post(kHook, R"({"text":"3"})");
  CHECK(r.status == 429);
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0] == std::make_pair(std::string("Retry-After"), std::string("1")));
  CHECK(json::parse(r.body) ==
        json::parse(R"({"retry_after":1,"ok":false,"error":"rate_limited"})"));
  // Other webhooks have their own bucket.
  CHECK(f.service->HandleWebhook("/services/T1/B2/other", kJson, R"({"text":"x"})").status == 200);
  f.clock.Advance(std::chrono::milliseconds(1000));
  CHECK(f.Post(kHook, R"({"text":"4"})").status == 200);

  ServiceOptions legacy;
  legacy.legacy_rate_limit_body = true;
  legacy.rate = {true, 1.0, 1.0};
  FakeClock clock;
  Service s({*ParseWebhookFlag("T1/B1/s3cret")}, legacy, ErrorStatusTable(), &clock);
  CHECK(s.HandleWebhook(kHook, kJson, R"({"text":"1"})").status == 200);
  r = s.HandleWebhook(kHook, kJson, R"({"text":"2"})");
  CHECK(r.status == 429);
  CHECK(json::parse(r.body)["ok"] == false);
  CHECK(json::parse(r.body).contains("count_minute_ago"));
}

TEST_CASE("service: faults come before the rate limiter and validation", "[mock_slack][service]") {
  Fixture f(RateLimit{true, 1.0, 1.0});
  f.service->faults().Add(*ParseFaultFlag("T1/B1:error,status=503,body=service_unavailable"));
  f.service->faults().Add(*ParseFaultFlag("T1/B1:rate_limit,retry_after=7"));
  f.service->faults().Add(*ParseFaultFlag("T1/B1:drop"));
  f.service->faults().Add(*ParseFaultFlag("T1/B1:hang,ms=1234"));
  f.service->faults().Add(*ParseFaultFlag("T1/B1:delay,ms=250"));

  Reply r = f.Post(kHook, "not even json");
  CHECK(r.status == 503);
  CHECK(r.body == "service_unavailable");
  r = f.Post(kHook, R"({"text":"x"})");
  CHECK(r.status == 429);
  CHECK(r.headers[0].second == "7");
  CHECK(json::parse(r.body)["retry_after"] == 7);
  CHECK(f.Post(kHook, R"({"text":"x"})").action == Reply::Action::kDrop);
  r = f.Post(kHook, R"({"text":"x"})");
  CHECK(r.action == Reply::Action::kHang);
  CHECK(r.hang_ms == 1234);
  // A delay still stores the message; only the answer waits.
  r = f.Post(kHook, R"({"text":"slow"})");
  CHECK(r.action == Reply::Action::kRespond);
  CHECK(r.status == 200);
  CHECK(r.delay_ms == 250);
  CHECK(f.service->Messages("", 0).size() == 1);
  // Faults used up: the rate limiter is back in charge (bucket of 1 was used).
  CHECK(f.Post(kHook, R"({"text":"x"})").status == 429);

  json stats = f.Api("GET", "/api/stats");
  CHECK(stats["faults_served"] ==
        json::parse(R"({"error":1,"rate_limit":1,"drop":1,"hang":1,"delay":1})"));
  CHECK(stats["accepted"] == 1);
  CHECK(stats["rate_limited"] == 1);
  CHECK(stats["webhooks"]["T1/B1"]["requests"] == 6);
}

TEST_CASE("service: messages API, since, webhook filter, delete, cap", "[mock_slack][service]") {
  Fixture f(RateLimit{false, 1, 1});
  REQUIRE(f.Post(kHook, R"({"text":"one","channel":"#ignored"})").status == 200);
  REQUIRE(f.service
              ->HandleWebhook("/services/T1/B2/other", "application/x-www-form-urlencoded",
                              "payload=%7B%22text%22%3A%22two%22%7D")
              .status == 200);
  REQUIRE(f.Post(kHook, R"({"text":"three &lt;x&gt;"})").status == 200);

  json all = f.Api("GET", "/api/messages");
  CHECK(f.last_status == 200);
  CHECK(all["last_seq"] == 3);
  REQUIRE(all["messages"].size() == 3);
  CHECK(all["messages"][0]["seq"] == 1);
  CHECK(all["messages"][0]["webhook"] == "T1/B1");
  CHECK(all["messages"][0]["channel"] == "alerts");
  CHECK(all["messages"][0]["payload"]["channel"] == "#ignored");
  CHECK(all["messages"][1]["channel"] == "alerts-B2");
  CHECK(all["messages"][1]["content_type"] == "application/x-www-form-urlencoded");
  CHECK(all["messages"][2]["text"] == "three &lt;x&gt;");
  CHECK(all["messages"][2]["received_ms"] == f.clock.WallMillis());

  json since = f.Api("GET", "/api/messages", {{"since", "1"}, {"webhook", "T1/B1"}});
  REQUIRE(since["messages"].size() == 1);
  CHECK(since["messages"][0]["seq"] == 3);

  f.Api("GET", "/api/messages", {{"since", "x"}});
  CHECK(f.last_status == 400);

  // The store keeps the newest max_messages (3 here).
  REQUIRE(f.Post(kHook, R"({"text":"four"})").status == 200);
  all = f.Api("GET", "/api/messages");
  REQUIRE(all["messages"].size() == 3);
  CHECK(all["messages"][0]["seq"] == 2);

  CHECK(f.Api("DELETE", "/api/messages")["deleted"] == 3);
  all = f.Api("GET", "/api/messages");
  CHECK(all["messages"].empty());
  CHECK(all["last_seq"] == 4);  // sequence numbers are never reused
  REQUIRE(f.Post(kHook, R"({"text":"five"})").status == 200);
  CHECK(f.Api("GET", "/api/messages")["messages"][0]["seq"] == 5);
}

TEST_CASE("service: control API for faults and health", "[mock_slack][service]") {
  Fixture f(RateLimit{false, 1, 1});
  CHECK(f.Api("GET", "/healthz")["ok"] == true);
  json posted = f.Api("POST", "/api/faults", {}, R"({"webhook":"T1/B1","kind":"error","count":2})");
  CHECK(f.last_status == 200);
  CHECK(posted["faults"][0]["remaining"] == 2);
  CHECK(f.Post(kHook, R"({"text":"x"})").body == "rollup_error");
  CHECK(f.Api("GET", "/api/faults")["faults"][0]["remaining"] == 1);
  CHECK(f.Api("DELETE", "/api/faults", {{"webhook", "T1/B1"}})["removed"] == 1);
  CHECK(f.Post(kHook, R"({"text":"x"})").body == "ok");

  json bad = f.Api("POST", "/api/faults", {}, R"({"webhook":"T1/B1","kind":"meltdown"})");
  CHECK(f.last_status == 400);
  CHECK(bad["error"] == "fault: unknown kind 'meltdown'");
  f.Api("GET", "/api/nothing");
  CHECK(f.last_status == 404);
  f.Api("PUT", "/api/stats");
  CHECK(f.last_status == 405);
}

TEST_CASE("service: stats count rejections by reason", "[mock_slack][service]") {
  Fixture f(RateLimit{false, 1, 1});
  (void)f.Post(kHook, "{}");
  (void)f.Post(kHook, "{}");
  (void)f.Post("/services/T1/B1/nope", "{}");
  (void)f.Post("/services/T7/B7/x", "{}");
  json stats = f.Api("GET", "/api/stats");
  CHECK(stats["requests"] == 4);
  CHECK(stats["rejected"] == json::parse(R"({"no_text":2,"invalid_token":1,"no_service":1})"));
  CHECK(stats["webhooks"]["T1/B1"]["rejected"] ==
        json::parse(R"({"no_text":2,"invalid_token":1})"));
  CHECK(stats["webhooks"]["T1/B3"]["standing_error"] == "channel_is_archived");
}

TEST_CASE("service: webhook flags and redaction never show the secret", "[mock_slack][service]") {
  auto w = ParseWebhookFlag("T1/B1/topsecret,channel=ops,error=no_team");
  REQUIRE(w.ok());
  CHECK(w->Id() == "T1/B1");
  CHECK(w->channel == "ops");
  CHECK(w->error == "no_team");
  for (const char* bad : {"T1/B1", "T1/B1/top secret", "T1/B1/topsecret/x", "T1//topsecret",
                          "T1/B1/topsecret,colour=red"}) {
    CAPTURE(bad);
    auto r = ParseWebhookFlag(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("secret") == std::string::npos);
  }
  CHECK(RedactPath("/services/T1/B1/topsecret") == "/services/T1/B1/***");
  CHECK(RedactPath("/services/T1/B1/topsecret/more") == "/services/T1/B1/***");
  CHECK(RedactPath("/api/stats") == "/api/stats");
}

TEST_CASE("service: the channel page shows messages up to a sequence number",
          "[mock_slack][service]") {
  Fixture f(RateLimit{false, 1, 1});
  REQUIRE(f.Post(kHook, R"({"text":"first *alert*"})").status == 200);
  REQUIRE(f.Post(kHook, R"({"text":"second alert"})").status == 200);
  Reply page = f.service->ChannelPage();
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.find("first <b>alert</b>") != std::string::npos);
  CHECK(page.body.find("second alert") != std::string::npos);
  page = f.service->ChannelPage(1);
  CHECK(page.body.find("second alert") == std::string::npos);
  CHECK(page.body.find("data-last-seq=\"1\"") != std::string::npos);
  json update = f.Api("GET", "/api/page", {{"since", "1"}});
  REQUIRE(update["items"].size() == 1);
  CHECK(update["items"][0]["html"].get<std::string>().find("second alert") != std::string::npos);
}

}  // namespace
}  // namespace mock_slack
