// FakeHttpClient: a scripted HttpClient (iam_audit/http_client.h) for the
// delivery, handler and robustness tests, on a FakeClock when given one.
#ifndef IAM_AUDIT_TESTS_TESTING_FAKE_HTTP_CLIENT_H_
#define IAM_AUDIT_TESTS_TESTING_FAKE_HTTP_CLIENT_H_

#include <deque>
#include <string>
#include <vector>

#include "iam_audit/http_client.h"
#include "testing/fake_clock.h"

namespace iam_audit::testing {

// Answers each Post() with the next scripted reply (a response or a Status);
// once the script is exhausted it answers 200 "ok". Every call is recorded.
class FakeHttpClient : public HttpClient {
 public:
  struct Call {
    HttpUrl url;
    std::string body;
    std::string content_type;
    int64_t timeout_ms;
    int64_t at_ms;
  };
  struct Reply {
    Status error;  // non-OK: no response
    HttpResponse response;
    int64_t latency_ms = 0;  // fake time the call takes
  };

  explicit FakeHttpClient(FakeClock* clock = nullptr) : clock_(clock) {}

  void Respond(int status, std::string body, std::string retry_after = "", int64_t latency_ms = 0) {
    Reply r;
    r.response.status = status;
    r.response.body = std::move(body);
    r.response.retry_after = std::move(retry_after);
    r.latency_ms = latency_ms;
    script_.push_back(std::move(r));
  }
  void Fail(Status error, int64_t latency_ms = 0) {
    Reply r;
    r.error = std::move(error);
    r.latency_ms = latency_ms;
    script_.push_back(std::move(r));
  }

  StatusOr<HttpResponse> Post(const HttpUrl& url, std::string_view body,
                              std::string_view content_type, int64_t timeout_ms) override {
    calls_.push_back(Call{url, std::string(body), std::string(content_type), timeout_ms,
                          clock_ ? clock_->NowMs() : 0});
    Reply r;
    if (script_.empty()) {
      r.response.status = 200;
      r.response.body = "ok";
    } else {
      r = std::move(script_.front());
      script_.pop_front();
    }
    if (clock_ && r.latency_ms > 0) clock_->Advance(std::min(r.latency_ms, timeout_ms));
    if (!r.error.ok()) return r.error;
    if (r.latency_ms > timeout_ms) return DeadlineExceededError("fake: timed out");
    return r.response;
  }

  const std::vector<Call>& calls() const { return calls_; }

 private:
  FakeClock* clock_;
  std::deque<Reply> script_;
  std::vector<Call> calls_;
};

}  // namespace iam_audit::testing

#endif  // IAM_AUDIT_TESTS_TESTING_FAKE_HTTP_CLIENT_H_
