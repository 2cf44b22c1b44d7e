// Never crash on any input: seeded random mutations of valid payloads and of
// mrkdwn go through validation and rendering (run under ASan/UBSan in CI).
#include <catch2/catch.hpp>
#include <random>
#include <string>

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
      case 0: s[pos] = kAlphabet[rng() % kAlphabet.size()]; break;
      case 1: s.erase(pos, 1 + rng() % 4); break;
      default: s.insert(pos, 1 + rng() % 3, kAlphabet[rng() % kAlphabet.size()]); break;
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
    (void)service.HandleApi("GET", Mutate("/api/messages", rng), {{"since", Mutate("12", rng)}}, "");
    (void)service.HandleApi("POST", "/api/faults", {}, Mutate(R"({"webhook":"*","kind":"delay","ms":5})", rng));
  }
}

}  // namespace
}  // namespace mock_slack
