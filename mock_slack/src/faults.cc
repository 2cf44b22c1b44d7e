// Fault injection (faults.h): parsing a fault from the --fault flag or from
// the JSON posted to /api/faults, and the table of armed faults that decides
// which one fires for a request and lists them for GET /api/faults. Turning
// a fired fault into an answer is the Service's (service_faults.cc).
#include "mock_slack/faults.h"

#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace mock_slack {
namespace {

using nlohmann::json;

bool ParseKind(std::string_view name, FaultKind* kind) {
  static constexpr std::pair<std::string_view, FaultKind> kKinds[] = {
      {"error", FaultKind::kError}, {"rate_limit", FaultKind::kRateLimit},
      {"delay", FaultKind::kDelay}, {"drop", FaultKind::kDrop},
      {"hang", FaultKind::kHang},
  };
  for (const auto& [n, k] : kKinds) {
    if (n == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

template <typename T>
bool ParseInt(std::string_view s, T* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Applies one key=value option; returns an error message or "".
std::string ApplyOption(FaultSpec* spec, std::string_view key, std::string_view value) {
  auto bad = [&](std::string_view what) {
    return "fault: " + std::string(key) + "='" + std::string(value) + "': " + std::string(what);
  };
  if (key == "status") {
    if (!ParseInt(value, &spec->status) || spec->status < 100 || spec->status > 599)
      return bad("not an HTTP status");
  } else if (key == "body") {
    spec->body = std::string(value);
  } else if (key == "retry_after") {
    if (!ParseInt(value, &spec->retry_after_seconds) || spec->retry_after_seconds < 0)
      return bad("not a whole number of seconds >= 0");
  } else if (key == "ms") {
    if (!ParseInt(value, &spec->millis) || spec->millis < 0 || spec->millis > 600000)
      return bad("not milliseconds in 0-600000");
  } else if (key == "count") {
    if (!ParseInt(value, &spec->count) || spec->count < 1) return bad("not a count >= 1");
  } else if (key == "probability") {
    std::string copy(value);
    char* end = nullptr;
    double p = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !(p > 0.0 && p <= 1.0))
      return bad("not a probability in (0, 1]");
    spec->probability = p;
  } else if (key == "seed") {
    if (!ParseInt(value, &spec->seed)) return bad("not an unsigned integer");
  } else if (key == "match") {
    if (value.empty()) return bad("empty");
    spec->match = std::string(value);
  } else {
    return "fault: unknown option '" + std::string(key) + "'";
  }
  return "";
}

void ApplyKindDefaults(FaultSpec* spec, bool millis_given) {
  if (spec->kind == FaultKind::kHang && !millis_given) spec->millis = 30000;
  if (spec->kind == FaultKind::kDelay && !millis_given) spec->millis = 1000;
}

Expected<FaultSpec> FromJsonObject(const json& j) {
  if (!j.is_object()) return Error{"fault: not a JSON object"};
  FaultSpec spec;
  auto webhook = j.find("webhook");
  if (webhook == j.end() || !webhook->is_string() || webhook->get<std::string>().empty())
    return Error{"fault: 'webhook' missing (\"T…/B…\" or \"*\")"};
  spec.webhook = webhook->get<std::string>();
  auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) return Error{"fault: 'kind' missing"};
  if (!ParseKind(kind->get<std::string>(), &spec.kind))
    return Error{"fault: unknown kind '" + kind->get<std::string>() + "'"};
  bool millis_given = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "webhook" || key == "kind") continue;
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number()) {
      text = value.dump();
    } else {
      return Error{"fault: " + key + ": not a string or number"};
    }
    if (std::string e = ApplyOption(&spec, key, text); !e.empty()) return Error{e};
    millis_given = millis_given || key == "ms";
  }
  ApplyKindDefaults(&spec, millis_given);
  return spec;
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kError:
      return "error";
    case FaultKind::kRateLimit:
      return "rate_limit";
    case FaultKind::kDelay:
      return "delay";
    case FaultKind::kDrop:
      return "drop";
    case FaultKind::kHang:
      return "hang";
  }
  return "error";
}

Expected<FaultSpec> ParseFaultFlag(std::string_view flag) {
  std::size_t colon = flag.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return Error{"--fault '" + std::string(flag) + "': expected <webhook>:<kind>[,key=value]..."};
  FaultSpec spec;
  spec.webhook = std::string(flag.substr(0, colon));
  std::string_view rest = flag.substr(colon + 1);
  std::size_t comma = rest.find(',');
  std::string_view kind = rest.substr(0, comma);
  if (!ParseKind(kind, &spec.kind)) return Error{"fault: unknown kind '" + std::string(kind) + "'"};
  bool millis_given = false;
  while (comma != std::string_view::npos) {
    rest = rest.substr(comma + 1);
    comma = rest.find(',');
    std::string_view option = rest.substr(0, comma);
    std::size_t eq = option.find('=');
    if (eq == std::string_view::npos)
      return Error{"fault: option '" + std::string(option) + "' is not key=value"};
    std::string_view key = option.substr(0, eq);
    if (std::string e = ApplyOption(&spec, key, option.substr(eq + 1)); !e.empty()) return Error{e};
    millis_given = millis_given || key == "ms";
  }
  ApplyKindDefaults(&spec, millis_given);
  return spec;
}

Expected<std::vector<FaultSpec>> ParseFaultJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{"faults: body is not JSON"};
  std::vector<FaultSpec> specs;
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      auto spec = FromJsonObject(j[i]);
      if (!spec.ok()) return Error{"faults[" + std::to_string(i) + "]: " + spec.error()};
      specs.push_back(*spec);
    }
  } else {
    auto spec = FromJsonObject(j);
    if (!spec.ok()) return Error{spec.error()};
    specs.push_back(*spec);
  }
  return specs;
}

void FaultTable::Add(const FaultSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_.push_back(Armed{spec, std::mt19937_64(spec.seed), spec.count});
}

int FaultTable::Clear(std::string_view webhook) {
  std::lock_guard<std::mutex> lock(mu_);
  auto before = armed_.size();
  std::erase_if(armed_, [&](const Armed& a) { return a.spec.webhook == webhook; });
  return static_cast<int>(before - armed_.size());
}

void FaultTable::ClearAll() {
  std::lock_guard<std::mutex> lock(mu_);
  armed_.clear();
}

std::optional<FiredFault> FaultTable::Next(std::string_view webhook, std::string_view body) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = armed_.begin(); it != armed_.end(); ++it) {
    if (it->spec.webhook != webhook && it->spec.webhook != "*") continue;
    // Not this fault's request: no roll, so the other requests' draws stay as seeded.
    if (!it->spec.match.empty() && body.find(it->spec.match) == std::string_view::npos) continue;
    if (it->spec.probability) {
      // Uniform in [0, 1) from the fault's own seeded generator.
      double roll = std::generate_canonical<double, 53>(it->rng);
      if (roll >= *it->spec.probability) continue;
      ++it->fired;
      return FiredFault{it->spec};
    }
    FiredFault fired{it->spec};
    if (--it->remaining <= 0) armed_.erase(it);
    return fired;
  }
  return std::nullopt;
}

std::string FaultTable::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  json out = json::array();
  for (const Armed& a : armed_) {
    json f = {{"webhook", a.spec.webhook}, {"kind", FaultKindName(a.spec.kind)}};
    switch (a.spec.kind) {
      case FaultKind::kError:
        f["status"] = a.spec.status;
        f["body"] = a.spec.body;
        break;
      case FaultKind::kRateLimit:
        f["retry_after"] = a.spec.retry_after_seconds;
        break;
      case FaultKind::kDelay:
      case FaultKind::kHang:
        f["ms"] = a.spec.millis;
        break;
      case FaultKind::kDrop:
        break;
    }
    if (!a.spec.match.empty()) f["match"] = a.spec.match;
    if (a.spec.probability) {
      f["probability"] = *a.spec.probability;
      f["seed"] = a.spec.seed;
      f["fired"] = a.fired;
    } else {
      f["remaining"] = a.remaining;
    }
    out.push_back(std::move(f));
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace mock_slack
