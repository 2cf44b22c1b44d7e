// The CloudTrail record model (iam_audit/cloudtrail.h): ParseCloudTrailRecord
// (simdjson first, nlohmann as the fallback that words the errors) and the
// display identity of every userIdentity.type (DisplayIdentityFromJson).
#include <simdjson.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "iam_audit/cloudtrail.h"
#include "iam_audit/json_error_text.h"

namespace iam_audit {

namespace {

using nlohmann::json;

// The literal CloudTrail writes instead of a user name typed at a failed
// console sign-in (it might have been a password).
constexpr std::string_view kHiddenUserName = "HIDDEN_DUE_TO_SECURITY_REASONS";
constexpr std::string_view kHiddenDisplay = "user name hidden by CloudTrail";
constexpr std::string_view kUnknownIdentity = "unknown identity";

// The userIdentity fields the display rules read, each "" when missing or not
// a string. Filled from either JSON library (the simdjson fast path or the
// nlohmann fallback), so that the rules below exist once.
struct IdentityFields {
  bool is_object = false;  // false: absent, null or not an object
  std::string type, user_name, arn, principal_id, account_id, invoked_by, credential_id;
  std::string on_behalf_of_user_id;  // onBehalfOf.userId
  std::string issuer_user_name;      // sessionContext.sessionIssuer.userName
  std::string issuer_arn;            // sessionContext.sessionIssuer.arn
};

// ---- nlohmann (the fallback: documents simdjson refuses, and precise errors)

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

// Hand-edited records carry "true"/"True" strings (AWS writes some booleans
// as strings, e.g. sessionCredentialFromConsole).
std::optional<bool> BoolFromString(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  if (s == "true") return true;
  if (s == "false") return false;
  return std::nullopt;
}

std::optional<bool> Bool(const json& obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) return BoolFromString(it->get_ref<const std::string&>());
  return std::nullopt;
}

IdentityFields IdentityFromNlohmann(const json& ui) {
  IdentityFields f;
  f.is_object = ui.is_object();
  if (!f.is_object) return f;
  f.type = Str(ui, "type");
  f.user_name = Str(ui, "userName");
  f.arn = Str(ui, "arn");
  f.principal_id = Str(ui, "principalId");
  f.account_id = Str(ui, "accountId");
  f.invoked_by = Str(ui, "invokedBy");
  f.credential_id = Str(ui, "credentialId");
  f.on_behalf_of_user_id = Str(Obj(ui, "onBehalfOf"), "userId");
  const json& issuer = Obj(Obj(ui, "sessionContext"), "sessionIssuer");
  f.issuer_user_name = Str(issuer, "userName");
  f.issuer_arn = Str(issuer, "arn");
  return f;
}

// ---- simdjson DOM (the fast path)
//
// nlohmann keeps the last of duplicate keys; so do these readers, by walking
// each object once and letting a later member overwrite an earlier one (the
// DOM's at_key() would return the first).

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// `value` as a string, "" when it is not one (nlohmann's Str on a present key).
std::string_view StrOf(element value) {
  std::string_view sv;
  if (value.get_string().get(sv) != simdjson::SUCCESS) return {};
  return sv;
}

// The last member `key` of `obj` when it is an object; nullopt otherwise.
std::optional<object> ObjMember(object obj, std::string_view key) {
  std::optional<element> last;
  for (auto field : obj) {
    if (field.key == key) last = field.value;
  }
  object out;
  if (!last || last->get_object().get(out) != simdjson::SUCCESS) return std::nullopt;
  return out;
}

std::string_view StrMember(std::optional<object> obj, std::string_view key) {
  if (!obj) return {};
  std::string_view out;
  for (auto field : *obj) {
    if (field.key == key) out = StrOf(field.value);
  }
  return out;
}

IdentityFields IdentityFromDom(element ui) {
  IdentityFields f;
  object obj;
  if (ui.get_object().get(obj) != simdjson::SUCCESS) return f;
  f.is_object = true;
  bool saw_on_behalf_of = false, saw_session_context = false;
  element on_behalf_of_value, session_context_value;
  for (auto field : obj) {
    const std::string_view k = field.key;
    if (k == "type") {
      f.type = StrOf(field.value);
    } else if (k == "userName") {
      f.user_name = StrOf(field.value);
    } else if (k == "arn") {
      f.arn = StrOf(field.value);
    } else if (k == "principalId") {
      f.principal_id = StrOf(field.value);
    } else if (k == "accountId") {
      f.account_id = StrOf(field.value);
    } else if (k == "invokedBy") {
      f.invoked_by = StrOf(field.value);
    } else if (k == "credentialId") {
      f.credential_id = StrOf(field.value);
    } else if (k == "onBehalfOf") {
      saw_on_behalf_of = true;
      on_behalf_of_value = field.value;
    } else if (k == "sessionContext") {
      saw_session_context = true;
      session_context_value = field.value;
    }
  }
  object nested;
  if (saw_on_behalf_of && on_behalf_of_value.get_object().get(nested) == simdjson::SUCCESS) {
    f.on_behalf_of_user_id = StrMember(nested, "userId");
  }
  if (saw_session_context && session_context_value.get_object().get(nested) == simdjson::SUCCESS) {
    const std::optional<object> issuer = ObjMember(nested, "sessionIssuer");
    f.issuer_user_name = StrMember(issuer, "userName");
    f.issuer_arn = StrMember(issuer, "arn");
  }
  return f;
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
std::string DisplayIdentity(const IdentityFields& ui) {
  if (!ui.is_object) return std::string(kUnknownIdentity);  // absent (Insights) or null
  const std::string& type = ui.type;
  const std::string& user_name = ui.user_name;
  const std::string& arn = ui.arn;
  const std::string& principal_id = ui.principal_id;
  const std::string& account_id = ui.account_id;
  const std::string& invoked_by = ui.invoked_by;

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
          {ui.issuer_user_name, LastSegment(ArnResourceAfter(ui.issuer_arn, ":role/"))});
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
                     FirstNonEmpty({ui.on_behalf_of_user_id, Hidden(user_name), ui.credential_id}));
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
      out = FirstNonEmpty(
          {Hidden(user_name), LastSegment(ArnResourceAfter(arn, ":user/")), principal_id});
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
  std::string what;
  std::string place;
  std::string_view where, reason;
  if (SplitJsonParseError(e.what(), where, reason) && where.rfind("line ", 0) == 0) {
    place = where;  // "line 1, column 5"
    what = reason;
  } else {
    what = JsonErrorWithoutTag(e.what());
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

void FillIdentity(const IdentityFields& ui, CloudTrailRecord* r) {
  r->identity_type = ui.type;
  r->user_name = ui.user_name;
  r->arn = ui.arn;
  r->account_id = ui.account_id;
  r->principal_id = ui.principal_id;
  r->invoked_by = ui.invoked_by;
  r->display_identity = DisplayIdentity(ui);
}

// The nlohmann path: exact errors for what is not JSON, and the documents
// simdjson refuses although they are JSON (nesting deeper than its 1024
// levels, integers past 64 bits, a leading byte-order mark).
StatusOr<CloudTrailRecord> ParseWithNlohmann(std::string_view message) {
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
    return InvalidArgumentError(std::string("record: not a JSON object (a JSON ") +
                                doc.type_name() + ")");
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
  FillIdentity(IdentityFromNlohmann(Obj(doc, "userIdentity")), &r);
  return r;
}

// nlohmann's type_name() for what simdjson parsed.
const char* TypeName(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
    default:
      return "number";
  }
}

// One parser per thread: it keeps its buffers, sized by the largest record
// seen (CloudWatch Logs caps an event at 256 KB).
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// The fast path. simdjson accepts a subset of what nlohmann accepts (both
// validate UTF-8, escapes and surrogate pairs, and refuse trailing content);
// whatever it refuses goes to ParseWithNlohmann, which either reads it the
// same way or reports the error exactly as before. One walk over the top
// level picks the fields (the last of duplicate keys wins, as in nlohmann).
StatusOr<CloudTrailRecord> ParseWithSimdjson(std::string_view message, bool* refused) {
  *refused = false;
  element doc;
  if (ThreadParser().parse(message.data(), message.size()).get(doc) != simdjson::SUCCESS) {
    *refused = true;
    return InvalidArgumentError("record: refused by the fast parser");
  }
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return InvalidArgumentError(std::string("record: not a JSON object (a JSON ") +
                                TypeName(doc.type()) + ")");
  }
  CloudTrailRecord r;
  element read_only, additional, response, identity;
  bool has_read_only = false, has_additional = false, has_response = false, has_identity = false;
  for (auto field : root) {
    const std::string_view k = field.key;
    if (k.empty() || k.size() > 19)
      continue;  // "recipientAccountId"/"additionalEventData" are the longest
    std::string* target = nullptr;
    switch (k[0]) {
      case 'a':
        if (k == "awsRegion")
          target = &r.aws_region;
        else if (k == "additionalEventData")
          has_additional = true, additional = field.value;
        break;
      case 'e':
        if (k == "eventVersion")
          target = &r.event_version;
        else if (k == "eventTime")
          target = &r.event_time;
        else if (k == "eventType")
          target = &r.event_type;
        else if (k == "eventSource")
          target = &r.event_source;
        else if (k == "eventName")
          target = &r.event_name;
        else if (k == "eventID")
          target = &r.event_id;
        else if (k == "errorCode")
          target = &r.error_code;
        else if (k == "errorMessage")
          target = &r.error_message;
        break;
      case 'r':
        if (k == "recipientAccountId")
          target = &r.recipient_account_id;
        else if (k == "readOnly")
          has_read_only = true, read_only = field.value;
        else if (k == "responseElements")
          has_response = true, response = field.value;
        break;
      case 's':
        if (k == "sourceIPAddress") target = &r.source_ip_address;
        break;
      case 'u':
        if (k == "userAgent")
          target = &r.user_agent;
        else if (k == "userIdentity")
          has_identity = true, identity = field.value;
        break;
      default:
        break;
    }
    if (target != nullptr) target->assign(StrOf(field.value));
  }
  if (has_read_only) {
    bool b = false;
    std::string_view sv;
    if (read_only.get_bool().get(b) == simdjson::SUCCESS) {
      r.read_only = b;
    } else if (read_only.get_string().get(sv) == simdjson::SUCCESS) {
      r.read_only = BoolFromString(sv);
    }
  }
  object nested;
  if (has_additional && additional.get_object().get(nested) == simdjson::SUCCESS) {
    r.mfa_used = StrMember(nested, "MFAUsed");
  }
  if (has_response && response.get_object().get(nested) == simdjson::SUCCESS) {
    r.console_login = StrMember(nested, "ConsoleLogin");
  }
  FillIdentity(has_identity ? IdentityFromDom(identity) : IdentityFields{}, &r);
  return r;
}

}  // namespace

StatusOr<CloudTrailRecord> ParseCloudTrailRecord(std::string_view message) {
  bool refused = false;
  StatusOr<CloudTrailRecord> fast = ParseWithSimdjson(message, &refused);
  if (!refused) return fast;
  return ParseWithNlohmann(message);
}

std::string DisplayIdentityFromJson(std::string_view user_identity_json) {
  element doc;
  if (ThreadParser().parse(user_identity_json.data(), user_identity_json.size()).get(doc) ==
      simdjson::SUCCESS) {
    return DisplayIdentity(IdentityFromDom(doc));
  }
  try {
    return DisplayIdentity(
        IdentityFromNlohmann(json::parse(user_identity_json.begin(), user_identity_json.end())));
  } catch (const std::exception&) {
    return std::string(kUnknownIdentity);
  }
}

}  // namespace iam_audit
