#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "iam_audit/cloudtrail.h"

namespace iam_audit {

namespace {

using nlohmann::json;

// The literal CloudTrail writes instead of a user name typed at a failed
// console sign-in (it might have been a password).
constexpr std::string_view kHiddenUserName = "HIDDEN_DUE_TO_SECURITY_REASONS";
constexpr std::string_view kHiddenDisplay = "user name hidden by CloudTrail";
constexpr std::string_view kUnknownIdentity = "unknown identity";

// obj[key] as a string; "" when obj is not an object, the key is missing or
// the value is not a string. Never throws.
std::string Str(const json& obj, std::string_view key) {
  if (!obj.is_object()) return {};
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

// obj[key] when it is an object, otherwise a shared null (never throws).
const json& Obj(const json& obj, std::string_view key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return kNull;
  return *it;
}

std::optional<bool> Bool(const json& obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  // Hand-edited records carry "true"/"True" strings (AWS writes some booleans
  // as strings, e.g. sessionCredentialFromConsole).
  if (it->is_string()) {
    std::string s = it->get<std::string>();
    for (char& c : s) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

// The part of an ARN after "<marker>", e.g. ":assumed-role/" → "Admin/alice".
std::string ArnResourceAfter(const std::string& arn, std::string_view marker) {
  const size_t at = arn.find(marker);
  if (at == std::string::npos) return {};
  return arn.substr(at + marker.size());
}

// The last '/'-separated segment (IAM paths: "user/division/alice" → "alice").
std::string LastSegment(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "AROAEXAMPLE:alice" → "alice"; "" when there is no ':'.
std::string AfterColon(const std::string& principal_id) {
  const size_t colon = principal_id.find(':');
  return colon == std::string::npos ? std::string() : principal_id.substr(colon + 1);
}

std::string Hidden(const std::string& name) {
  return name == kHiddenUserName ? std::string(kHiddenDisplay) : name;
}

std::string FirstNonEmpty(std::initializer_list<std::string> values) {
  for (const auto& v : values) {
    if (!v.empty()) return v;
  }
  return {};
}

std::string WithPrefix(std::string_view prefix, const std::string& name) {
  return name.empty() ? std::string(prefix) : std::string(prefix) + " " + name;
}

// The display rules (docs: CloudTrail userIdentity element). Plain text; the
// Slack layer escapes it.
std::string DisplayIdentity(const json& ui) {
  if (!ui.is_object()) return std::string(kUnknownIdentity);  // absent (Insights) or null
  const std::string type = Str(ui, "type");
  const std::string user_name = Str(ui, "userName");
  const std::string arn = Str(ui, "arn");
  const std::string principal_id = Str(ui, "principalId");
  const std::string account_id = Str(ui, "accountId");
  const std::string invoked_by = Str(ui, "invokedBy");
  const json& issuer = Obj(Obj(ui, "sessionContext"), "sessionIssuer");

  std::string out;
  if (type == "IAMUser") {
    out = FirstNonEmpty({Hidden(user_name), LastSegment(ArnResourceAfter(arn, ":user/")),
                         principal_id, std::string("IAM user")});
  } else if (type == "Root") {
    // userName holds the account alias when one is set.
    // Some hand-made records put "root" there; that is no alias.
    out = (user_name.empty() || user_name == "root") ? "root" : "root of " + Hidden(user_name);
  } else if (type == "AssumedRole") {
    // arn:aws:sts::<acct>:assumed-role/<role>/<session> → "<role>/<session>".
    out = ArnResourceAfter(arn, ":assumed-role/");
    if (out.empty()) {
      const std::string role = FirstNonEmpty(
          {Str(issuer, "userName"), LastSegment(ArnResourceAfter(Str(issuer, "arn"), ":role/"))});
      const std::string session = AfterColon(principal_id);
      if (!role.empty()) out = session.empty() ? role : role + "/" + session;
    }
    if (out.empty()) out = WithPrefix("assumed role", principal_id);
  } else if (type == "Role") {
    out = FirstNonEmpty({LastSegment(ArnResourceAfter(arn, ":role/")), Hidden(user_name),
                         principal_id, std::string("IAM role")});
  } else if (type == "FederatedUser") {
    // arn:aws:sts::<acct>:federated-user/<name>; principalId "<acct>:<name>".
    out = WithPrefix("federated user",
                     FirstNonEmpty({ArnResourceAfter(arn, ":federated-user/"),
                                    AfterColon(principal_id), Hidden(user_name), principal_id}));
  } else if (type == "AWSService") {
    out = WithPrefix("AWS service", FirstNonEmpty({invoked_by, principal_id}));
  } else if (type == "AWSAccount") {
    out = WithPrefix("AWS account", FirstNonEmpty({account_id, principal_id}));
  } else if (type == "IdentityCenterUser") {
    // No arn, userName or principalId: the user is onBehalfOf.userId.
    out = WithPrefix("Identity Center user",
                     FirstNonEmpty({Str(Obj(ui, "onBehalfOf"), "userId"), Hidden(user_name),
                                    Str(ui, "credentialId")}));
  } else if (type == "SAMLUser") {
    out = WithPrefix("SAML user", FirstNonEmpty({Hidden(user_name), principal_id}));
  } else if (type == "WebIdentityUser") {
    out = WithPrefix("web identity user", FirstNonEmpty({Hidden(user_name), principal_id}));
  } else if (type == "Unknown") {
    // IAM Identity Center sign-ins, for example, carry a userName.
    out = FirstNonEmpty({Hidden(user_name), principal_id});
  } else if (type.empty()) {
    // Service events: userIdentity is often just {accountId, invokedBy}.
    if (invoked_by == "AWS Internal" || invoked_by.rfind("AWS Internal/", 0) == 0) {
      out = invoked_by;
    } else if (!invoked_by.empty()) {
      out = "AWS service " + invoked_by;
    } else {
      out = FirstNonEmpty({Hidden(user_name), LastSegment(ArnResourceAfter(arn, ":user/")),
                           principal_id});
      if (out.empty() && !account_id.empty()) out = "AWS account " + account_id;
    }
  } else {
    // Directory and types added after this code was written.
    const std::string name = FirstNonEmpty({Hidden(user_name), LastSegment(arn), principal_id});
    out = name.empty() ? type : type + " " + name;
  }
  return out.empty() ? std::string(kUnknownIdentity) : out;
}

// nlohmann's parse_error::what() reads "[json.exception.parse_error.101] parse
// error at line 1, column 5: syntax error ... ". We keep the place and the
// reason, bounded in length (the reason quotes the offending token, which can
// be long).
std::string DescribeParseError(const json::parse_error& e) {
  std::string what = e.what();
  std::string place;
  const size_t at = what.find(" at line ");
  if (at != std::string::npos) {
    const size_t colon = what.find(": ", at);
    if (colon != std::string::npos) {
      place = what.substr(at + 4, colon - at - 4);  // "line 1, column 5"
      what = what.substr(colon + 2);
    }
  } else {
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
  }
  constexpr size_t kMaxReason = 160;
  if (what.size() > kMaxReason) {
    size_t cut = kMaxReason;
    while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xC0) == 0x80) --cut;
    what = what.substr(0, cut) + "...";
  }
  if (place.empty()) place = "byte " + std::to_string(e.byte);
  return "record: not JSON: " + what + " at " + place;
}

void FillIdentity(const json& ui, CloudTrailRecord* r) {
  r->identity_type = Str(ui, "type");
  r->user_name = Str(ui, "userName");
  r->arn = Str(ui, "arn");
  r->account_id = Str(ui, "accountId");
  r->principal_id = Str(ui, "principalId");
  r->invoked_by = Str(ui, "invokedBy");
  r->display_identity = DisplayIdentity(ui);
}

}  // namespace

StatusOr<CloudTrailRecord> ParseCloudTrailRecord(std::string_view message) {
  json doc;
  try {
    // The parser is iterative (no recursion on nesting) and validates UTF-8.
    doc = json::parse(message.begin(), message.end());
  } catch (const json::parse_error& e) {
    return InvalidArgumentError(DescribeParseError(e));
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("record: not JSON: ") + e.what());
  }
  if (!doc.is_object()) {
    return InvalidArgumentError(std::string("record: not a JSON object (a JSON ") + doc.type_name() +
                                ")");
  }

  CloudTrailRecord r;
  r.event_version = Str(doc, "eventVersion");
  r.event_time = Str(doc, "eventTime");
  r.event_type = Str(doc, "eventType");
  r.event_source = Str(doc, "eventSource");
  r.event_name = Str(doc, "eventName");
  r.aws_region = Str(doc, "awsRegion");
  r.source_ip_address = Str(doc, "sourceIPAddress");
  r.user_agent = Str(doc, "userAgent");
  r.event_id = Str(doc, "eventID");
  r.error_code = Str(doc, "errorCode");
  r.error_message = Str(doc, "errorMessage");
  r.recipient_account_id = Str(doc, "recipientAccountId");
  r.read_only = Bool(doc, "readOnly");
  r.mfa_used = Str(Obj(doc, "additionalEventData"), "MFAUsed");
  r.console_login = Str(Obj(doc, "responseElements"), "ConsoleLogin");
  FillIdentity(Obj(doc, "userIdentity"), &r);
  return r;
}

std::string DisplayIdentityFromJson(std::string_view user_identity_json) {
  try {
    return DisplayIdentity(json::parse(user_identity_json.begin(), user_identity_json.end()));
  } catch (const std::exception&) {
    return std::string(kUnknownIdentity);
  }
}

}  // namespace iam_audit
