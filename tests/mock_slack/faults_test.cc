#include "mock_slack/faults.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

namespace mock_slack {
namespace {

TEST_CASE("faults: --fault flags", "[mock_slack][faults]") {
  auto f = ParseFaultFlag("T1/B1:error,status=503,body=service_unavailable,count=2");
  REQUIRE(f.ok());
  CHECK(f->webhook == "T1/B1");
  CHECK(f->kind == FaultKind::kError);
  CHECK(f->status == 503);
  CHECK(f->body == "service_unavailable");
  CHECK(f->count == 2);
  CHECK_FALSE(f->probability.has_value());

  f = ParseFaultFlag("*:hang");
  REQUIRE(f.ok());
  CHECK(f->kind == FaultKind::kHang);
  CHECK(f->millis == 30000);

  f = ParseFaultFlag("T1/B1:drop,probability=0.25,seed=7");
  REQUIRE(f.ok());
  CHECK(f->probability == Approx(0.25));
  CHECK(f->seed == 7);

  f = ParseFaultFlag("T1/B1:rate_limit,retry_after=30");
  REQUIRE(f.ok());
  CHECK(f->retry_after_seconds == 30);
}

TEST_CASE("faults: bad flags name what is wrong", "[mock_slack][faults]") {
  auto [flag, message] = GENERATE(table<std::string, std::string>({
      {"T1/B1", "--fault 'T1/B1': expected <webhook>:<kind>[,key=value]..."},
      {"T1/B1:explode", "fault: unknown kind 'explode'"},
      {"T1/B1:error,status=99", "fault: status='99': not an HTTP status"},
      {"T1/B1:error,count=0", "fault: count='0': not a count >= 1"},
      {"T1/B1:drop,probability=1.5", "fault: probability='1.5': not a probability in (0, 1]"},
      {"T1/B1:drop,probability=0", "fault: probability='0': not a probability in (0, 1]"},
      {"T1/B1:delay,ms=-1", "fault: ms='-1': not milliseconds in 0-600000"},
      {"T1/B1:delay,colour=red", "fault: unknown option 'colour'"},
      {"T1/B1:delay,ms", "fault: option 'ms' is not key=value"},
      {"T1/B1:error,match=", "fault: match='': empty"},
  }));
  CAPTURE(flag);
  auto f = ParseFaultFlag(flag);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error() == message);
}

TEST_CASE("faults: JSON as posted to /api/faults", "[mock_slack][faults]") {
  auto one = ParseFaultJson(R"({"webhook":"T1/B1","kind":"delay","ms":250,"count":3})");
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].kind == FaultKind::kDelay);
  CHECK((*one)[0].millis == 250);
  CHECK((*one)[0].count == 3);

  auto many = ParseFaultJson(
      R"([{"webhook":"*","kind":"error"},{"webhook":"T1/B1","kind":"rate_limit","retry_after":"5"}])");
  REQUIRE(many.ok());
  REQUIRE(many->size() == 2);
  CHECK((*many)[0].status == 500);
  CHECK((*many)[0].body == "rollup_error");
  CHECK((*many)[1].retry_after_seconds == 5);

  CHECK(ParseFaultJson("{").error() == "faults: body is not JSON");
  CHECK(ParseFaultJson(R"({"kind":"drop"})").error() ==
        "fault: 'webhook' missing (\"T…/B…\" or \"*\")");
  CHECK(ParseFaultJson(R"([{"webhook":"*","kind":"drop"},{"webhook":"*","kind":"x"}])").error() ==
        "faults[1]: fault: unknown kind 'x'");
  CHECK(ParseFaultJson(R"({"webhook":"*","kind":"drop","count":[1]})").error() ==
        "fault: count: not a string or number");
}

TEST_CASE("faults: counted faults fire N times, in order, per webhook", "[mock_slack][faults]") {
  FaultTable table;
  table.Add(*ParseFaultFlag("T1/B1:error,count=2"));
  table.Add(*ParseFaultFlag("T1/B1:drop"));
  CHECK_FALSE(table.Next("T1/B2").has_value());
  CHECK(table.Next("T1/B1")->spec.kind == FaultKind::kError);
  CHECK(table.Next("T1/B1")->spec.kind == FaultKind::kError);
  CHECK(table.Next("T1/B1")->spec.kind == FaultKind::kDrop);
  CHECK_FALSE(table.Next("T1/B1").has_value());

  table.Add(*ParseFaultFlag("*:hang,count=1"));
  CHECK(table.Next("T9/B9")->spec.kind == FaultKind::kHang);
  CHECK_FALSE(table.Next("T9/B9").has_value());

  table.Add(*ParseFaultFlag("T1/B1:drop,count=5"));
  CHECK(table.Clear("T1/B2") == 0);
  CHECK(table.Clear("T1/B1") == 1);
  CHECK_FALSE(table.Next("T1/B1").has_value());
}

TEST_CASE("faults: probability is seeded and reproducible", "[mock_slack][faults]") {
  auto run = [](uint64_t seed) {
    FaultTable table;
    FaultSpec spec = *ParseFaultFlag("T1/B1:error,probability=0.5");
    spec.seed = seed;
    table.Add(spec);
    std::string pattern;
    for (int i = 0; i < 64; ++i) pattern += table.Next("T1/B1") ? '1' : '0';
    return pattern;
  };
  std::string a = run(42);
  CHECK(a == run(42));
  CHECK(a != run(43));
  // Both outcomes occur at p = 0.5 over 64 draws with this seed.
  CHECK(a.find('1') != std::string::npos);
  CHECK(a.find('0') != std::string::npos);

  FaultTable always;
  always.Add(*ParseFaultFlag("T1/B1:drop,probability=1"));
  for (int i = 0; i < 20; ++i) REQUIRE(always.Next("T1/B1").has_value());
  CHECK(always.ToJson().find("\"fired\":20") != std::string::npos);
}

TEST_CASE("faults: match concerns only bodies holding the text, and leaves the others' draws alone",
          "[mock_slack][faults]") {
  auto poison = ParseFaultFlag("*:error,status=503,probability=1,match=0b1d-42");
  REQUIRE(poison.ok());
  CHECK(poison->match == "0b1d-42");
  auto from_json = ParseFaultJson(R"({"webhook":"*","kind":"error","count":2,"match":"0b1d-42"})");
  REQUIRE(from_json.ok());
  CHECK((*from_json)[0].match == "0b1d-42");

  // The same seeded schedule for the other requests, whether or not the
  // poisoned message is also being posted (and failed by its match fault).
  auto schedule = [](bool with_poison) {
    FaultTable table;
    if (with_poison) table.Add(*ParseFaultFlag("*:error,status=503,probability=1,match=0b1d-42"));
    table.Add(*ParseFaultFlag("T1/B1:drop,probability=0.3,seed=5"));
    std::string out;
    for (int i = 0; i < 200; ++i) {
      if (!with_poison && i % 10 == 3) {
        out += '-';  // not posted in this run
        continue;
      }
      const std::string body =
          i % 10 == 3 ? R"({"text":"event 0b1d-42"})" : R"({"text":"event x"})";
      auto fired = table.Next("T1/B1", body);
      out += !fired ? '.' : fired->spec.kind == FaultKind::kError ? 'E' : 'D';
    }
    return out;
  };
  const std::string plain = schedule(false);
  const std::string poisoned = schedule(true);
  CHECK(plain.find('D') != std::string::npos);
  CHECK(plain.find('.') != std::string::npos);
  for (int i = 0; i < 200; ++i) {
    CAPTURE(i);
    if (i % 10 == 3) {
      CHECK(poisoned[i] == 'E');  // every request of that message fails
    } else {
      CHECK(poisoned[i] == plain[i]);  // the schedule draws exactly as without the poisoned posts
    }
  }
  // A counted match fault is used up only by the requests it concerns.
  FaultTable counted;
  counted.Add((*from_json)[0]);
  CHECK_FALSE(counted.Next("T1/B1", "other").has_value());
  CHECK(counted.Next("T1/B1", "x 0b1d-42 y").has_value());
  CHECK_FALSE(counted.Next("T1/B1", "other").has_value());
  CHECK(counted.Next("T1/B1", "0b1d-42").has_value());
  CHECK_FALSE(counted.Next("T1/B1", "0b1d-42").has_value());
  CHECK(counted.ToJson() == "[]");
  FaultTable listed;
  listed.Add(*poison);
  CHECK(listed.ToJson().find(R"("match":"0b1d-42")") != std::string::npos);
}

TEST_CASE("faults: several probabilistic faults compose, first that fires wins",
          "[mock_slack][faults]") {
  // A schedule of 10 % error, 10 % rate_limit, 5 % drop, 5 % delay: each
  // later fault is asked only when the earlier ones did not fire, so its
  // probability is its share of what is left (0.10/0.90, 0.05/0.80, 0.05/0.75).
  FaultTable table;
  table.Add(*ParseFaultFlag("*:error,status=503,probability=0.1,seed=11"));
  table.Add(*ParseFaultFlag("*:rate_limit,retry_after=1,probability=0.111111,seed=12"));
  table.Add(*ParseFaultFlag("*:drop,probability=0.0625,seed=13"));
  table.Add(*ParseFaultFlag("*:delay,ms=200,probability=0.0666667,seed=14"));
  std::map<FaultKind, int> fired;
  int none = 0;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    if (auto f = table.Next("T1/B1")) {
      ++fired[f->spec.kind];
    } else {
      ++none;
    }
  }
  // Seeded, so these are fixed numbers; the bounds say what they mean (±10 %).
  CHECK(fired[FaultKind::kError] == Approx(0.10 * kDraws).epsilon(0.1));
  CHECK(fired[FaultKind::kRateLimit] == Approx(0.10 * kDraws).epsilon(0.1));
  CHECK(fired[FaultKind::kDrop] == Approx(0.05 * kDraws).epsilon(0.1));
  CHECK(fired[FaultKind::kDelay] == Approx(0.05 * kDraws).epsilon(0.1));
  CHECK(none == Approx(0.70 * kDraws).epsilon(0.02));
}

}  // namespace
}  // namespace mock_slack
