// Synthetic CloudTrail (see generator.h): the accounts, users and values of
// a run, the identities (userIdentity) and the record bodies written from the
// templates of record_templates.h. Field shapes follow the CloudTrail User
// Guide's record contents and userIdentity element references; values are
// invented. Records are written by hand, not through a JSON library: it keeps
// CloudTrail's key order and makes 100 000+ records/s easy.
#include "iam_audit/simulator/generator.h"

#include <array>
#include <cstdio>
#include <string_view>

#include "hash.h"
#include "iam_audit/simulator/cloudwatch.h"
#include "record_templates.h"

namespace iam_audit::simulator {
namespace {

using internal::Action;
using internal::kFirstNames;
using internal::kIamActions;
using internal::kReadActions;
using internal::kServicePrincipals;
using internal::kSsoPermissionSets;
using internal::kTrailActions;
using internal::kUserAgents;
using internal::kWriteActions;
using internal::Rng;

std::string Digits(Rng& rng, int n) {
  std::string s;
  s += static_cast<char>('1' + rng.Below(9));
  for (int i = 1; i < n; ++i) s += static_cast<char>('0' + rng.Below(10));
  return s;
}

struct User {
  std::string name;
  std::string principal_id;  // AIDA…
  std::string access_key;    // AKIA…
};

struct Account {
  std::string id;
  std::string alias;  // empty for most
  std::vector<User> users;
  std::string identity_store;  // d-…
};

std::string KeyChars(Rng& rng, int n) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string s;
  for (int i = 0; i < n; ++i) s += kChars[rng.Below(32)];
  return s;
}

void AppendHex(std::string& out, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out += kHex[(v >> (4 * i)) & 15];
}

void AppendUuid(std::string& out, Rng& rng) {
  const uint64_t a = rng.Next(), b = rng.Next();
  AppendHex(out, a >> 32, 8);
  out += '-';
  AppendHex(out, (a >> 16) & 0xffff, 4);
  out += '-';
  AppendHex(out, 0x4000 | (a & 0x0fff), 4);
  out += '-';
  AppendHex(out, 0x8000 | ((b >> 48) & 0x3fff), 4);
  out += '-';
  AppendHex(out, b & 0xffffffffffffULL, 12);
}

// Days since 1970-01-01 → civil date (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

}  // namespace

std::string FormatEventTime(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60));
  return buf;
}

struct Generator::Impl {
  explicit Impl(const GenerateOptions& o) : options(o), rng(o.seed) {}

  GenerateOptions options;
  Rng rng;
  std::vector<Account> accounts;
  std::vector<std::string> account_ids;
  uint64_t produced = 0;
  std::string time;  // eventTime of the current record
  // Per record context for template placeholders.
  const Account* account = nullptr;
  std::string region;
  std::string target;    // a user name acted upon
  std::string function;  // a resource name
  std::string bucket;

  void Setup() {
    for (uint32_t a = 0; a < options.accounts; ++a) {
      Account acct;
      acct.id = Digits(rng, 12);
      if (rng.Percent(30)) acct.alias = "example-corp-" + std::to_string(a);
      acct.identity_store = "d-" + Digits(rng, 10);
      for (uint32_t u = 0; u < options.users; ++u) {
        User user;
        user.name = std::string(kFirstNames[u % kFirstNames.size()]);
        if (u >= kFirstNames.size()) user.name += std::to_string(u / kFirstNames.size());
        user.principal_id = "AIDA" + KeyChars(rng, 17);
        user.access_key = "AKIA" + KeyChars(rng, 16);
        acct.users.push_back(std::move(user));
      }
      account_ids.push_back(acct.id);
      accounts.push_back(std::move(acct));
    }
  }

  const User& PickUser() { return account->users[rng.Below(account->users.size())]; }

  void Ip(std::string& out) {
    switch (rng.Below(10)) {
      case 0:
        out += "2001:db8:" + std::to_string(rng.Below(9000) + 1000) +
               "::" + std::to_string(rng.Below(99) + 1);
        return;
      case 1:
      case 2:
      case 3:
        out += "198.51.100." + std::to_string(rng.Below(254) + 1);
        return;
      case 4:
      case 5:
      case 6:
        out += "203.0.113." + std::to_string(rng.Below(254) + 1);
        return;
      default:
        out += "192.0.2." + std::to_string(rng.Below(254) + 1);
        return;
    }
  }

  // Replaces {placeholders} in `tmpl` (JSON text) with values of this record.
  void Fill(std::string& out, std::string_view tmpl) {
    size_t pos = 0;
    while (pos < tmpl.size()) {
      const size_t open = tmpl.find('{', pos);
      if (open == std::string_view::npos) break;
      const size_t close = tmpl.find('}', open);
      const std::string_view key = close == std::string_view::npos
                                       ? std::string_view()
                                       : tmpl.substr(open + 1, close - open - 1);
      const bool known = key == "account" || key == "region" || key == "target" ||
                         key == "function" || key == "bucket" || key == "uuid" || key == "hex8" ||
                         key == "key16" || key == "kmskey" || key == "time" || key == "cmd" ||
                         key == "svc";
      if (!known) {  // a JSON brace
        out.append(tmpl.substr(pos, open + 1 - pos));
        pos = open + 1;
        continue;
      }
      out.append(tmpl.substr(pos, open - pos));
      if (key == "account")
        out += account->id;
      else if (key == "region")
        out += region;
      else if (key == "target")
        out += target;
      else if (key == "function")
        out += function;
      else if (key == "bucket")
        out += bucket;
      else if (key == "uuid" || key == "kmskey")
        AppendUuid(out, rng);
      else if (key == "hex8")
        AppendHex(out, rng.Next(), 8);
      else if (key == "key16")
        out += KeyChars(rng, 16);
      else if (key == "time")
        out += time;
      else if (key == "cmd")
        out += "ec2.describe-instances";
      else if (key == "svc")
        out += "ec2";
      pos = close + 1;
    }
    out.append(tmpl.substr(pos));
  }

  enum class Who {
    kIamUser,
    kRoot,
    kAssumedRole,
    kSso,
    kAwsService,
    kFederated,
    kIdentityCenter,
    kNoType
  };

  Who PickIdentity() {
    const uint64_t r = rng.Below(100);
    if (r < 40) return Who::kIamUser;
    if (r < 60) return Who::kAssumedRole;
    if (r < 72) return Who::kSso;
    if (r < 75) return Who::kRoot;
    if (r < 85) return Who::kAwsService;
    if (r < 90) return Who::kFederated;
    if (r < 96) return Who::kIdentityCenter;
    return Who::kNoType;
  }

  void SessionAttributes(std::string& out, bool mfa) {
    out += R"(,"attributes":{"creationDate":")";
    out += time;
    out += R"(","mfaAuthenticated":")";
    out += mfa ? "true" : "false";
    out += "\"}";
  }

  // Writes "userIdentity":{…}; returns the invoking service (for sourceIPAddress) if any.
  std::string_view Identity(std::string& out, Who who, const User& user) {
    const std::string& acct = account->id;
    out += "\"userIdentity\":{";
    std::string_view service;
    switch (who) {
      case Who::kIamUser:
        out += R"("type":"IAMUser","principalId":")" + user.principal_id +
               R"(","arn":"arn:aws:iam::)" + acct + ":user/" + user.name + R"(","accountId":")" +
               acct + R"(","accessKeyId":")" + user.access_key + R"(","userName":")" + user.name +
               "\"";
        break;
      case Who::kRoot:
        out += R"("type":"Root","principalId":")" + acct + R"(","arn":"arn:aws:iam::)" + acct +
               R"(:root","accountId":")" + acct + R"(","accessKeyId":"ASIA)" + KeyChars(rng, 16) +
               "\"";
        if (!account->alias.empty()) out += R"(,"userName":")" + account->alias + "\"";
        break;
      case Who::kAssumedRole:
      case Who::kSso: {
        std::string role, path = "/";
        std::string session;
        if (who == Who::kSso) {
          role = "AWSReservedSSO_" + std::string(kSsoPermissionSets[rng.Below(3)]) + "_";
          AppendHex(role, rng.Next() & 0xffffffffffffffffULL, 16);
          path = "/aws-reserved/sso.amazonaws.com/";
          session = user.name + "@example.com";
        } else {
          role = rng.Percent(50) ? "OrganizationAccountAccessRole" : "deploy-" + function;
          session = rng.Percent(50) ? user.name : "i-0" + std::to_string(rng.Below(1000000000));
        }
        const std::string role_id = "AROA" + KeyChars(rng, 17);
        out += R"("type":"AssumedRole","principalId":")" + role_id + ":" + session +
               R"(","arn":"arn:aws:sts::)" + acct + ":assumed-role/" + role + "/" + session +
               R"(","accountId":")" + acct + R"(","accessKeyId":"ASIA)" + KeyChars(rng, 16) +
               R"(","sessionContext":{"sessionIssuer":{"type":"Role","principalId":")" + role_id +
               R"(","arn":"arn:aws:iam::)" + acct + ":role" + path + role + R"(","accountId":")" +
               acct + R"(","userName":")" + role + R"("},"webIdFederationData":{})";
        SessionAttributes(out, who == Who::kSso);
        out += "}";
        break;
      }
      case Who::kAwsService:
        service = kServicePrincipals[rng.Below(std::size(kServicePrincipals))];
        out += R"("type":"AWSService","invokedBy":")";
        out += service;
        out += "\"";
        break;
      case Who::kFederated:
        out += R"("type":"FederatedUser","principalId":")" + acct + ":" + user.name +
               R"(","arn":"arn:aws:sts::)" + acct + ":federated-user/" + user.name +
               R"(","accountId":")" + acct + R"(","accessKeyId":"ASIA)" + KeyChars(rng, 16) +
               R"(","sessionContext":{"sessionIssuer":{"type":"IAMUser","principalId":")" +
               user.principal_id + R"(","arn":"arn:aws:iam::)" + acct + ":user/" + user.name +
               R"(","accountId":")" + acct + R"(","userName":")" + user.name +
               R"("},"webIdFederationData":{})";
        SessionAttributes(out, false);
        out += "}";
        break;
      case Who::kIdentityCenter:
        out +=
            R"("type":"IdentityCenterUser","accountId":")" + acct + R"(","onBehalfOf":{"userId":")";
        AppendUuid(out, rng);
        out += R"(","identityStoreArn":"arn:aws:identitystore::)" + acct + ":identitystore/" +
               account->identity_store + R"("},"credentialId":")" + KeyChars(rng, 24) + "\"";
        break;
      case Who::kNoType:
        service = "AWS Internal";
        out += R"("accountId":")" + acct + R"(","invokedBy":"AWS Internal")";
        break;
    }
    out += "}";
    return service;
  }

  void Head(std::string& out, std::string_view version) {
    out += "{\"eventVersion\":\"";
    out += version;
    out += "\",";
  }

  void Common(std::string& out, std::string_view source, std::string_view name,
              std::string_view ip_or_service, std::string_view agent) {
    out += ",\"eventTime\":\"" + time + "\",\"eventSource\":\"";
    out += source;
    if (source.find('.') == std::string_view::npos) out += ".amazonaws.com";
    out += "\",\"eventName\":\"";
    out += name;
    out += "\",\"awsRegion\":\"" + region + "\",\"sourceIPAddress\":\"";
    if (ip_or_service.empty())
      Ip(out);
    else
      out += ip_or_service;
    out += "\",\"userAgent\":";
    std::string ua;
    if (agent.empty()) {
      Fill(ua, kUserAgents[rng.Below(std::size(kUserAgents))]);
    } else {
      ua = agent;
    }
    AppendJsonString(out, ua);
  }

  void Tail(std::string& out, bool read_only, std::string_view event_type, bool console) {
    out += ",\"requestID\":\"";
    AppendUuid(out, rng);
    out += "\",\"eventID\":\"";
    AppendUuid(out, rng);
    out += "\",\"readOnly\":";
    out += read_only ? "true" : "false";
    out += ",\"eventType\":\"";
    out += event_type;
    out += "\",\"managementEvent\":true,\"recipientAccountId\":\"" + account->id +
           "\",\"eventCategory\":\"Management\"";
    if (event_type == "AwsApiCall") {
      out +=
          R"(,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":")";
      out += "sts.amazonaws.com\"}";
    }
    if (console)
      out += rng.Percent(50) ? R"(,"sessionCredentialFromConsole":"true")"
                             : R"(,"sessionCredentialFromConsole":true)";
    out += "}";
  }

  void ApiCall(std::string& out, const Action& action, bool access_denied) {
    const Who who = PickIdentity();
    const User& user = PickUser();
    if (action.source == "iam" || action.source == "sts") region = "us-east-1";
    Head(out, rng.Percent(80) ? "1.08" : rng.Percent(50) ? "1.09" : "1.11");
    const std::string_view service = Identity(out, who, user);
    const bool console = !service.empty() ? false : rng.Percent(15);
    Common(out, action.source, action.name, service,
           !service.empty() ? service
           : console        ? "AWS Internal"
                            : "");
    if (access_denied) {
      const bool ec2 = action.source == "ec2";
      out += ",\"errorCode\":\"";
      out += ec2 ? "Client.UnauthorizedOperation" : "AccessDenied";
      out += "\",\"errorMessage\":\"";
      out += ec2 ? "You are not authorized to perform this operation."
                 : "User is not authorized to perform: ";
      if (!ec2) {
        out += action.source;
        out += ':';
        out += action.name;
        out += " because no identity-based policy allows the action";
      }
      out += "\"";
    }
    out += ",\"requestParameters\":";
    Fill(out, action.request);
    out += ",\"responseElements\":";
    if (access_denied || action.read_only)
      out += "null";
    else
      Fill(out, action.response);
    Tail(out, action.read_only, "AwsApiCall", console);
  }

  void ConsoleLogin(std::string& out) {
    const User& user = PickUser();
    const uint64_t kind =
        rng.Below(10);  // 0-4 user ok, 5-6 root ok, 7 wrong password, 8 hidden user, 9 sso role
    region = rng.Percent(70) ? "us-east-1" : options.regions[rng.Below(options.regions.size())];
    Head(out, "1.08");
    const std::string& acct = account->id;
    bool failure = false;
    std::string mfa;
    if (kind <= 4) {
      out += R"("userIdentity":{"type":"IAMUser","principalId":")" + user.principal_id +
             R"(","arn":"arn:aws:iam::)" + acct + ":user/" + user.name + R"(","accountId":")" +
             acct + R"(","userName":")" + user.name + "\"}";
      mfa = rng.Percent(60) ? "Yes" : "No";
    } else if (kind <= 6) {
      out += R"("userIdentity":{"type":"Root","principalId":")" + acct +
             R"(","arn":"arn:aws:iam::)" + acct + R"(:root","accountId":")" + acct +
             R"(","accessKeyId":"")";
      if (!account->alias.empty()) out += R"(,"userName":")" + account->alias + "\"";
      out += "}";
      mfa = rng.Percent(50) ? "YES" : rng.Percent(50) ? "Yes" : "No";
    } else if (kind == 7) {
      failure = true;
      out += R"("userIdentity":{"type":"IAMUser","principalId":")" + user.principal_id +
             R"(","accountId":")" + acct + R"(","accessKeyId":"","userName":")" + user.name + "\"}";
      mfa = "No";
    } else if (kind == 8) {
      failure = true;
      out += R"("userIdentity":{"type":"IAMUser","accountId":")" + acct +
             R"(","accessKeyId":"","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"})";
      mfa = "No";
    } else {
      Identity(out, Who::kSso, user);
      mfa = "No";
    }
    Common(out, "signin", "ConsoleLogin", "",
           "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0");
    if (failure) {
      out += kind == 7 ? R"(,"errorMessage":"Failed authentication")"
                       : R"(,"errorMessage":"No username found in supplied account")";
    }
    out += R"(,"requestParameters":null,"responseElements":{"ConsoleLogin":")";
    out += failure ? "Failure" : "Success";
    out += "\"}";
    if (rng.Percent(95)) {
      out +=
          R"(,"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_)" +
          region + R"(_)";
      AppendHex(out, rng.Next(), 16);
      out += R"(","MobileVersion":"No","MFAUsed":")" + mfa + "\"";
      if (mfa != "No")
        out += R"(,"MFAIdentifier":"arn:aws:iam::)" + acct + ":mfa/" + user.name + "\"";
      out += "}";
    }
    Tail(out, false, "AwsConsoleSignIn", false);
  }

  void ServiceEvent(std::string& out) {
    Head(out, "1.08");
    out += R"("userIdentity":{"accountId":")" + account->id + R"(","invokedBy":"AWS Internal"})";
    Common(out, "kms", "RotateKey", rng.Percent(50) ? "AWS Internal" : "AWS Internal/3",
           "AWS Internal");
    out += R"(,"requestParameters":null,"responseElements":null,"additionalEventData":{"keyId":")";
    std::string key;
    AppendUuid(key, rng);
    out += key + "\"}";
    out += ",\"requestID\":\"";
    AppendUuid(out, rng);
    out += "\",\"eventID\":\"";
    AppendUuid(out, rng);
    out += R"(","readOnly":false,"resources":[{"accountId":")" + account->id +
           R"(","type":"AWS::KMS::Key","ARN":"arn:aws:kms:)" + region + ":" + account->id +
           ":key/" + key +
           R"("}],"eventType":"AwsServiceEvent","managementEvent":true,"recipientAccountId":")" +
           account->id + R"(","serviceEventDetails":{"keyId":")" + key +
           R"("},"eventCategory":"Management"})";
  }

  void Make(GeneratedRecord& record) {
    std::string& out = record.json;
    out.clear();
    const int64_t slot =
        options.events > 0 ? options.duration_ms / static_cast<int64_t>(options.events) : 0;
    record.timestamp_ms =
        options.start_ms + slot * static_cast<int64_t>(produced) +
        (slot > 0 ? static_cast<int64_t>(rng.Below(static_cast<uint64_t>(slot))) : 0);
    time = FormatEventTime(record.timestamp_ms);
    account = &accounts[rng.Below(accounts.size())];
    region = options.regions[rng.Below(options.regions.size())];
    target = account->users[rng.Below(account->users.size())].name;
    if (rng.Percent(20)) target = "svc-" + std::to_string(rng.Below(1000));
    static constexpr std::string_view kApps[] = {"billing", "orders", "audit-demo", "search",
                                                 "ingest"};
    function = std::string(kApps[rng.Below(std::size(kApps))]);
    bucket = "example-" + function + "-" + account->id;

    const uint64_t r = rng.Below(1000);
    if (r < 500) {
      ApiCall(out, kReadActions[rng.Below(std::size(kReadActions))], false);
    } else if (r < 700) {
      ApiCall(out, kWriteActions[rng.Below(std::size(kWriteActions))], false);
    } else if (r < 780) {
      const bool write = rng.Percent(50);
      ApiCall(out,
              write ? kWriteActions[rng.Below(std::size(kWriteActions))]
                    : kIamActions[rng.Below(std::size(kIamActions))],
              true);
    } else if (r < 850) {
      ConsoleLogin(out);
    } else if (r < 920) {
      ApiCall(out, kIamActions[rng.Below(std::size(kIamActions))], false);
    } else if (r < 940) {
      ApiCall(out, kTrailActions[rng.Below(std::size(kTrailActions))], false);
    } else {
      ServiceEvent(out);
    }
    record.account = account->id;
    record.region = region;
  }
};

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Generator::~Generator() = default;

StatusOr<std::unique_ptr<Generator>> Generator::Create(const GenerateOptions& options) {
  if (options.regions.empty()) return InvalidArgumentError("--regions: at least one region");
  for (const std::string& r : options.regions) {
    if (r.empty() ||
        r.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
      return InvalidArgumentError("--regions: bad region name '" + r + "'");
    }
  }
  if (options.users == 0) return InvalidArgumentError("--users must be at least 1");
  if (options.accounts == 0) return InvalidArgumentError("--accounts must be at least 1");
  if (options.duration_ms < 0) return InvalidArgumentError("--days must not be negative");
  auto impl = std::make_unique<Impl>(options);
  impl->Setup();
  return std::unique_ptr<Generator>(new Generator(std::move(impl)));
}

bool Generator::Next(GeneratedRecord& record) {
  if (impl_->produced >= impl_->options.events) return false;
  impl_->Make(record);
  ++impl_->produced;
  return true;
}

const std::vector<std::string>& Generator::accounts() const { return impl_->account_ids; }

}  // namespace iam_audit::simulator
