// Never crash on any input: seeded random mutations of valid payloads and of
// mrkdwn go through validation and rendering (run under ASan/UBSan in CI).
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "mock_slack/payload.h"
#include "mock_slack/render.h"
#include "mock_slack/service.h"

namespace mock_slack {
namespace {

std::string Mutate(std::string s, std::mt19937& rng) {
  static const std::string kAlphabet = "{}[]\":,*_~`<>|&;!@#^\\\n xX0\xc3\xa9\xff";
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    std::size_t pos = rng() % s.size();
    switch (rng() % 3) {
      case 0:
        s[pos] = kAlphabet[rng() % kAlphabet.size()];
        break;
      case 1:
        s.erase(pos, 1 + rng() % 4);
        break;
      default:
        s.insert(pos, 1 + rng() % 3, kAlphabet[rng() % kAlphabet.size()]);
        break;
    }
  }
  return s;
}

TEST_CASE("hostile input: mutated payloads and mrkdwn never crash", "[mock_slack][hostile]") {
  const std::string seeds[] = {
      R"({"text":"*a* _b_ ~c~ `d` <https://e|f> &lt;g&gt;","blocks":[{"type":"header","text":{"type":"plain_text","text":"h"}},{"type":"section","text":{"type":"mrkdwn","text":"```x```"},"fields":[{"type":"mrkdwn","text":"> q"}]},{"type":"context","elements":[{"type":"image","image_url":"https://i","alt_text":"a"}]},{"type":"rich_text","elements":[{"type":"rich_text_list","elements":[{"type":"rich_text_section","elements":[{"type":"link","url":"https://x"}]}]}]}],"attachments":[{"color":"#abc","fields":[{"title":"t","value":"v"}],"blocks":[{"type":"divider"}]}]})",
  };
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string input = Mutate(seeds[0], rng);
    PayloadVerdict v = ValidatePayload(input, "application/json");
    if (v.accepted) {
      ++accepted;
      CHECK_FALSE(RenderMessageHtml(v.payload_json).empty());
    } else {
      REQUIRE_FALSE(v.error.empty());
    }
    (void)RenderMrkdwn(input);
    (void)RenderMessageHtml(input);
  }
  // The mutations are small enough that some still pass validation.
  CHECK(accepted > 0);
}

TEST_CASE("hostile input: paths and API queries never crash", "[mock_slack][hostile]") {
  FakeClock clock;
  Service service({*ParseWebhookFlag("T1/B1/s")}, ServiceOptions(), ErrorStatusTable(), &clock);
  std::mt19937 rng(99);
  for (int i = 0; i < 500; ++i) {
    std::string path = Mutate("/services/T1/B1/s", rng);
    Reply r = service.HandleWebhook(path, "", R"({"text":"x"})");
    CHECK(r.status >= 200);
    CHECK(RedactPath(path).find("/s/") == std::string::npos);
    (void)service.HandleApi("GET", Mutate("/api/messages", rng), {{"since", Mutate("12", rng)}},
                            "");
    (void)service.HandleApi("POST", "/api/faults", {},
                            Mutate(R"({"webhook":"*","kind":"delay","ms":5})", rng));
  }
}

// Multipart posts as the front end hands them over (parsed parts). Bodies
// cpp-httplib cannot split into parts (no or wrong boundary) never get here;
// mock_slack_e2e.py sends those, raw, to the real binary.
TEST_CASE("hostile input: multipart form posts get Slack's answers, never a 5xx",
          "[mock_slack][hostile]") {
  struct Case {
    const char* name;
    std::vector<FormPart> parts;
    int status;
    const char* body;
  };
  const std::string good = R"({"text":"from a form"})";
  const Case cases[] = {
      {"payload field", {{"payload", "", "", good}}, 200, "ok"},
      {"payload field with its own Content-Type",
       {{"payload", "", "application/json", good}},
       200,
       "ok"},
      {"payload field and a file part",
       {{"file", "a.txt", "text/plain", "not json"}, {"payload", "", "", good}},
       200,
       "ok"},
      {"payload field whose JSON holds 'payload='",
       {{"payload", "", "", R"({"text":"a&payload={}"})"}},
       200,
       "ok"},
      {"the first of two payload fields counts",
       {{"payload", "", "", good}, {"payload", "", "", "{"}},
       200,
       "ok"},
      {"no parts", {}, 400, "invalid_payload"},
      {"no payload field", {{"text", "", "", "hello"}}, 400, "invalid_payload"},
      {"payload in upper case is another field",
       {{"PAYLOAD", "", "", good}},
       400,
       "invalid_payload"},
      {"only a file part", {{"file", "a.json", "application/json", good}}, 400, "invalid_payload"},
      {"payload sent as a file part",
       {{"payload", "p.json", "application/json", good}},
       400,
       "invalid_payload"},
      {"payload field with broken JSON",
       {{"payload", "", "", R"({"text":)"}},
       400,
       "invalid_payload"},
      {"payload field urlencoded",
       {{"payload", "", "", "payload=%7B%22text%22%3A%22x%22%7D"}},
       400,
       "invalid_payload"},
      {"payload field empty", {{"payload", "", "", ""}}, 400, "invalid_payload"},
      {"payload field not an object", {{"payload", "", "", "[1]"}}, 400, "invalid_payload"},
      {"payload field with no text", {{"payload", "", "", R"({"username":"x"})"}}, 400, "no_text"},
      {"payload field with bad blocks",
       {{"payload", "", "", R"({"blocks":[{"type":"divider","x":1}]})"}},
       400,
       "invalid_blocks"},
      {"payload field with binary junk",
       {{"payload", "", "", std::string("\0\xff{", 3)}},
       400,
       "invalid_payload"},
  };
  for (const Case& c : cases) {
    FakeClock clock;
    ServiceOptions options;
    options.rate.enabled = false;
    Service service({*ParseWebhookFlag("T1/B1/s")}, options, ErrorStatusTable(), &clock);
    Reply r =
        service.HandleWebhookForm("/services/T1/B1/s", "multipart/form-data; boundary=b", c.parts);
    INFO(c.name << ": " << r.log_note);
    CHECK(r.status == c.status);
    CHECK(r.body == c.body);
    CHECK(service.Messages("", 0).size() == (c.status == 200 ? 1u : 0u));
  }
  // Mutated payload fields and part names: always an answer below 500.
  FakeClock clock;
  ServiceOptions options;
  options.rate.enabled = false;
  Service service({*ParseWebhookFlag("T1/B1/s")}, options, ErrorStatusTable(), &clock);
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::vector<FormPart> parts = {{Mutate("payload", rng), "", "", Mutate(good, rng)},
                                   {"file", Mutate("f.bin", rng), "", Mutate(good, rng)}};
    Reply r = service.HandleWebhookForm("/services/T1/B1/s", "multipart/form-data", parts);
    CHECK(r.status >= 200);
    CHECK(r.status < 500);
  }
}

}  // namespace
}  // namespace mock_slack
