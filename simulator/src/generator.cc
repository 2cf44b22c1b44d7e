// Synthetic CloudTrail (see generator.h). Field shapes follow the CloudTrail
// User Guide's record contents and userIdentity element references; values
// are invented. Records are written by hand, not through a JSON library: it
// keeps CloudTrail's key order and makes 100 000+ records/s easy.
#include "iam_audit/simulator/generator.h"

#include <array>
#include <cstdio>
#include <string_view>

#include "hash.h"
#include "iam_audit/simulator/cloudwatch.h"

namespace iam_audit::simulator {
namespace {

using internal::Rng;

constexpr std::array<std::string_view, 24> kFirstNames = {
    "alice", "bob",    "carol",   "dave", "erin",   "frank", "grace",      "heidi",
    "ivan",  "judy",   "mallory", "niaj", "olivia", "peggy", "rupert",     "sybil",
    "trent", "victor", "walter",  "yuki", "minji",  "jisoo", "deploy-bot", "ci-runner"};

struct Action {
  std::string_view source;  // without ".amazonaws.com"
  std::string_view name;
  bool read_only;
  // Templates: JSON text with {placeholders} (see Fill), or "null".
  std::string_view request;
  std::string_view response;
};

// Read-only calls.
constexpr Action kReadActions[] = {
    {"ec2", "DescribeInstances", true, R"({"instancesSet":{},"filterSet":{}})", "null"},
    {"ec2", "DescribeSecurityGroups", true,
     R"({"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}})", "null"},
    {"ec2", "DescribeVpcs", true, R"({"vpcSet":{},"filterSet":{}})", "null"},
    {"s3", "GetBucketLocation", true,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","location":""})", "null"},
    {"s3", "ListBuckets", true, R"({"Host":"s3.{region}.amazonaws.com"})", "null"},
    {"s3", "GetBucketPolicy", true,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","policy":""})", "null"},
    {"iam", "GetUser", true, R"({"userName":"{target}"})", "null"},
    {"iam", "ListUsers", true, R"({"maxItems":100})", "null"},
    {"iam", "ListRoles", true, "null", "null"},
    {"iam", "GetAccountAuthorizationDetails", true, R"({"filter":["User","Role","Group"]})",
     "null"},
    {"kms", "DescribeKey", true, R"({"keyId":"{kmskey}"})", "null"},
    {"kms", "ListKeys", true, R"({"limit":100})", "null"},
    {"sts", "GetCallerIdentity", true, "null", "null"},
    {"lambda", "ListFunctions20150331", true, "null", "null"},
    {"lambda", "GetFunction20150331v2", true, R"({"functionName":"{function}"})", "null"},
    {"rds", "DescribeDBInstances", true, "null", "null"},
    {"ssm", "DescribeInstanceInformation", true, R"({"maxResults":50})", "null"},
    {"ssm", "GetParameter", true, R"({"name":"/app/{function}/db-password","withDecryption":true})",
     "null"},
    {"secretsmanager", "ListSecrets", true, "null", "null"},
    {"secretsmanager", "DescribeSecret", true, R"({"secretId":"prod/{function}/api-key"})", "null"},
    {"cloudtrail", "DescribeTrails", true, R"({"includeShadowTrails":true})", "null"},
    {"cloudtrail", "LookupEvents", true, R"({"maxResults":50})", "null"},
    {"logs", "DescribeLogGroups", true, R"({"limit":50})", "null"},
    {"dynamodb", "DescribeTable", true, R"({"tableName":"{function}-state"})", "null"},
    {"monitoring", "DescribeAlarms", true, R"({"maxRecords":100})", "null"},
};

// Mutating calls outside IAM and CloudTrail.
constexpr Action kWriteActions[] = {
    {"ec2", "RunInstances", false,
     R"({"instancesSet":{"items":[{"imageId":"ami-0{hex8}","minCount":1,"maxCount":1}]},"instanceType":"t3.micro","monitoring":{"enabled":false},"disableApiTermination":false})",
     R"({"requestId":"{uuid}","reservationId":"r-0{hex8}{hex8}","ownerId":"{account}","instancesSet":{"items":[{"instanceId":"i-0{hex8}{hex8}","imageId":"ami-0{hex8}","instanceType":"t3.micro"}]}})"},
    {"ec2", "TerminateInstances", false,
     R"({"instancesSet":{"items":[{"instanceId":"i-0{hex8}{hex8}"}]}})",
     R"({"requestId":"{uuid}","instancesSet":{"items":[{"instanceId":"i-0{hex8}{hex8}","currentState":{"code":32,"name":"shutting-down"},"previousState":{"code":16,"name":"running"}}]}})"},
    {"ec2", "AuthorizeSecurityGroupIngress", false,
     R"({"groupId":"sg-0{hex8}","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}})",
     R"({"requestId":"{uuid}","_return":true})"},
    {"ec2", "CreateSnapshot", false, R"({"volumeId":"vol-0{hex8}{hex8}","description":"nightly"})",
     R"({"requestId":"{uuid}","snapshotId":"snap-0{hex8}{hex8}","status":"pending"})"},
    {"s3", "PutBucketPolicy", false,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","policy":"","bucketPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}]}})",
     "null"},
    {"s3", "CreateBucket", false, R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com"})",
     "null"},
    {"s3", "DeleteBucket", false, R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com"})",
     "null"},
    {"s3", "PutBucketAcl", false,
     R"({"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","acl":""})", "null"},
    {"lambda", "UpdateFunctionCode20150331v2", false,
     R"({"functionName":"{function}","publish":false,"dryRun":false})",
     R"({"functionName":"{function}","functionArn":"arn:aws:lambda:{region}:{account}:function:{function}","runtime":"provided.al2023","lastUpdateStatus":"InProgress"})"},
    {"lambda", "CreateFunction20150331", false,
     R"({"functionName":"{function}","runtime":"provided.al2023","role":"arn:aws:iam::{account}:role/{function}-role","handler":"bootstrap"})",
     R"({"functionName":"{function}","functionArn":"arn:aws:lambda:{region}:{account}:function:{function}","state":"Pending"})"},
    {"rds", "ModifyDBInstance", false,
     R"({"dBInstanceIdentifier":"{function}-db","publiclyAccessible":true,"applyImmediately":true})",
     R"({"dBInstanceIdentifier":"{function}-db","dBInstanceStatus":"available"})"},
    {"rds", "CreateDBSnapshot", false,
     R"({"dBSnapshotIdentifier":"{function}-snap-{hex8}","dBInstanceIdentifier":"{function}-db"})",
     R"({"dBSnapshotIdentifier":"{function}-snap-{hex8}","status":"creating"})"},
    {"ssm", "PutParameter", false,
     R"({"name":"/app/{function}/db-password","type":"SecureString","value":"HIDDEN_DUE_TO_SECURITY_REASONS","overwrite":true})",
     R"({"version":3,"tier":"Standard"})"},
    {"ssm", "SendCommand", false,
     R"({"instanceIds":["i-0{hex8}{hex8}"],"documentName":"AWS-RunShellScript","parameters":"HIDDEN_DUE_TO_SECURITY_REASONS"})",
     R"({"command":{"commandId":"{uuid}","documentName":"AWS-RunShellScript","status":"Pending"}})"},
    {"secretsmanager", "PutSecretValue", false,
     R"({"secretId":"prod/{function}/api-key","clientRequestToken":"{uuid}"})",
     R"({"arn":"arn:aws:secretsmanager:{region}:{account}:secret:prod/{function}/api-key-AbCdEf","versionId":"{uuid}"})"},
    {"kms", "ScheduleKeyDeletion", false, R"({"keyId":"{kmskey}","pendingWindowInDays":7})",
     R"({"keyId":"arn:aws:kms:{region}:{account}:key/{kmskey}","keyState":"PendingDeletion","pendingWindowInDays":7})"},
    {"kms", "CreateKey", false, R"({"keyUsage":"ENCRYPT_DECRYPT","keySpec":"SYMMETRIC_DEFAULT"})",
     R"({"keyMetadata":{"aWSAccountId":"{account}","keyId":"{kmskey}","arn":"arn:aws:kms:{region}:{account}:key/{kmskey}","enabled":true}})"},
    {"dynamodb", "CreateTable", false,
     R"({"tableName":"{function}-state","billingMode":"PAY_PER_REQUEST"})",
     R"({"tableDescription":{"tableName":"{function}-state","tableStatus":"CREATING"}})"},
    {"logs", "PutRetentionPolicy", false,
     R"({"logGroupName":"/aws/lambda/{function}","retentionInDays":1})", "null"},
};

// IAM changes (global service: recorded in us-east-1).
constexpr Action kIamActions[] = {
    {"iam", "CreateUser", false, R"({"userName":"{target}"})",
     R"({"user":{"path":"/","userName":"{target}","userId":"AIDA{key16}","arn":"arn:aws:iam::{account}:user/{target}","createDate":"{time}"}})"},
    {"iam", "DeleteUser", false, R"({"userName":"{target}"})", "null"},
    {"iam", "CreateAccessKey", false, R"({"userName":"{target}"})",
     R"({"accessKey":{"userName":"{target}","accessKeyId":"AKIA{key16}","status":"Active","createDate":"{time}"}})"},
    {"iam", "DeleteAccessKey", false, R"({"userName":"{target}","accessKeyId":"AKIA{key16}"})",
     "null"},
    {"iam", "AttachUserPolicy", false,
     R"({"userName":"{target}","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"})",
     "null"},
    {"iam", "AttachRolePolicy", false,
     R"({"roleName":"{function}-role","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"})",
     "null"},
    {"iam", "PutUserPolicy", false,
     R"({"userName":"{target}","policyName":"inline-admin","policyDocument":"{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]\n}"})",
     "null"},
    {"iam", "CreateLoginProfile", false, R"({"userName":"{target}","passwordResetRequired":true})",
     R"({"loginProfile":{"userName":"{target}","createDate":"{time}","passwordResetRequired":true}})"},
    {"iam", "UpdateLoginProfile", false, R"({"userName":"{target}"})", "null"},
    {"iam", "AddUserToGroup", false, R"({"groupName":"Admins","userName":"{target}"})", "null"},
    {"iam", "CreateRole", false,
     R"({"roleName":"{function}-role","assumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"})",
     R"({"role":{"path":"/","roleName":"{function}-role","roleId":"AROA{key16}","arn":"arn:aws:iam::{account}:role/{function}-role","createDate":"{time}"}})"},
    {"iam", "UpdateAssumeRolePolicy", false,
     R"({"roleName":"{function}-role","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}"})",
     "null"},
    {"iam", "DeactivateMFADevice", false,
     R"({"userName":"{target}","serialNumber":"arn:aws:iam::{account}:mfa/{target}"})", "null"},
};

// Trail tampering.
constexpr Action kTrailActions[] = {
    {"cloudtrail", "StopLogging", false,
     R"({"name":"arn:aws:cloudtrail:{region}:{account}:trail/management-events"})", "null"},
    {"cloudtrail", "DeleteTrail", false, R"({"name":"management-events"})", "null"},
    {"cloudtrail", "UpdateTrail", false,
     R"({"name":"management-events","isMultiRegionTrail":false,"includeGlobalServiceEvents":false})",
     R"({"name":"management-events","s3BucketName":"aws-cloudtrail-logs-{account}-{hex8}","isMultiRegionTrail":false,"trailARN":"arn:aws:cloudtrail:{region}:{account}:trail/management-events"})"},
    {"cloudtrail", "PutEventSelectors", false,
     R"({"trailName":"management-events","eventSelectors":[{"readWriteType":"ReadOnly","includeManagementEvents":false,"dataResources":[]}]})",
     R"({"trailARN":"arn:aws:cloudtrail:{region}:{account}:trail/management-events","eventSelectors":[{"readWriteType":"ReadOnly","includeManagementEvents":false,"dataResources":[]}]})"},
};

constexpr std::string_view kUserAgents[] = {
    "aws-cli/2.15.10 Python/3.11.6 Linux/6.1.0-17-amd64 exe/x86_64.debian.12 prompt/off "
    "command/{cmd}",
    "Boto3/1.34.14 md/Botocore#1.34.14 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2 "
    "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.14",
    "aws-sdk-go-v2/1.24.1 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.0.0",
    "console.amazonaws.com",
    "Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 "
    "aws-sdk-go-v2/1.24.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "aws-internal/3 aws-sdk-java/1.12.617 Linux/5.10.205 OpenJDK_64-Bit_Server_VM/25.392-b08 "
    "java/1.8.0_392",
    // Slack control characters, to exercise escaping downstream.
    "curl/8.5.0 <!channel> <https://example.com|click> & more",
};

constexpr std::string_view kServicePrincipals[] = {
    "lambda.amazonaws.com", "ec2.amazonaws.com", "cloudformation.amazonaws.com",
    "elasticbeanstalk.amazonaws.com", "ecs-tasks.amazonaws.com"};

constexpr std::string_view kSsoPermissionSets[] = {"AdministratorAccess", "ReadOnlyAccess",
                                                   "PowerUserAccess"};

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
