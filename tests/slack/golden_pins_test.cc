// Hand-written expectations for the fixture records: what each one must render
// to (time zone Asia/Seoul, default console URL template), written out here
// from the sources below, not from the renderer's output. The goldens
// (fixtures/records/*.expected.json) are checked against the same literals, so
// a golden rewritten with IAM_AUDIT_UPDATE_GOLDEN cannot drift from them
// unnoticed: the check file, the simulate test and the pipeline tests reuse
// those goldens as their expected output.
//
// Sources (each pin below names the one it follows):
//  [orig]      The original project's alert (a2tt/Audit-AWS-IAM-User, its README's
//              two Slack screenshots and its handler). Its README states no licence,
//              so neither the screenshots nor the README are copied into this
//              repository; the layout they show is this:
//                section 1 (mrkdwn):  *<userName> (<sourceIPAddress>)*       (bold)
//                                     Time: 2022.06.21 22:25:23   (eventTime + 9 h,
//                                                                  "%Y.%m.%d %H:%M:%S")
//                                     Type: AwsApiCall            (eventType)
//                                     Source: lambda.amazonaws.com (eventSource)
//                                     Name: UpdateFunctionCode20150331v2 (eventName)
//                                     Region: ap-northeast-2      (awsRegion)
//                section 2 (mrkdwn):  _<console URL|eventID>_     (italic link)
//              The login screenshot has the same six lines for ConsoleLogin at
//              2022.06.21 13:56:13 (Type: AwsConsoleSignIn, Source: signin.amazonaws.com).
//              It had no Error:, Login: or MFA: line and no identity other than userName.
//  [contract]  This project's additions, as engine/include/iam_audit/slack_message.h
//              (the Error:/Login:/MFA: lines, "-" for a missing value, the fences)
//              and engine/include/iam_audit/cloudtrail.h (the display identity of each
//              userIdentity.type) state them.
//  [slack-fmt] Slack, "Formatting text for app surfaces": '&', '<' and '>' are control
//              characters and must be sent as &amp; &lt; &gt;; '*' bold, '_' italic,
//              '~' strike, '`' code; "verbatim": true turns off auto-linking of URLs,
//              channel names and mentions.
//  [slack-bk]  Slack, Block Kit reference: a section's text is at most 3000 characters,
//              a message has at most 50 blocks.
//  [aws-ui]    AWS CloudTrail User Guide, "CloudTrail userIdentity element": the types
//              Root, IAMUser, AssumedRole, FederatedUser, AWSAccount, AWSService,
//              IdentityCenterUser, Unknown, and SAMLUser/WebIdentityUser for STS
//              AssumeRoleWithSAML/AssumeRoleWithWebIdentity; which field each carries.
//  [aws-signin] AWS CloudTrail User Guide, "AWS Management Console sign-in events":
//              responseElements.ConsoleLogin is "Success" or "Failure";
//              additionalEventData.MFAUsed is "Yes"/"No" (the root example writes "YES");
//              a failed sign-in has errorMessage "Failed authentication" and no
//              errorCode; a wrong user name reads userName HIDDEN_DUE_TO_SECURITY_REASONS
//              with errorMessage "No username found in supplied account".
//  [aws-record] AWS CloudTrail User Guide, "CloudTrail record contents": errorCode and
//              errorMessage are present when the request failed; eventType values
//              AwsApiCall, AwsServiceEvent, AwsConsoleSignIn, AwsCloudTrailInsight.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "iam_audit/slack_message.h"
#include "iam_audit/time_zone.h"

namespace {

namespace fs = std::filesystem;

// U+200B ZERO WIDTH SPACE (fences '*', '_', '~') and U+02CB MODIFIER LETTER
// GRAVE ACCENT (stands for '`'), as UTF-8 [contract].
#define ZW "\xE2\x80\x8B"
#define GRAVE "\xCB\x8B"

struct Pin {
  const char* fixture;       // fixtures/records/<fixture>.json
  const char* notification;  // top-level "text"
  const char* section1;      // blocks[0].text.text
  const char* section2;      // blocks[1].text.text; nullptr: the console link, built below
};

// The default console link for an eventID in a region [orig: section 2 is
// _<url|eventID>_; the URL is the CloudTrail console's event page].
std::string ConsoleLink(const std::string& region, const std::string& event_id) {
  return "_<https://" + region + ".console.aws.amazon.com/cloudtrailv2/home?region=" + region +
         "#/events/" + event_id + "|" + event_id + ">_";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::vector<Pin>& Pins() {
  static const std::vector<Pin> pins = {
      // [orig] API-call screenshot: the six lines, 13:25:23Z shown as 22:25:23 (UTC+9).
      {"iam_user_api_call", "alice (203.0.113.5): UpdateFunctionCode20150331v2",
       "*alice (203.0.113.5)*\nTime: 2022.06.21 22:25:23\nType: AwsApiCall\nSource: "
       "lambda.amazonaws.com\n"
       "Name: UpdateFunctionCode20150331v2\nRegion: ap-northeast-2",
       nullptr},
      // [orig] login screenshot's six lines + [aws-signin] ConsoleLogin Success, MFAUsed Yes.
      {"console_login_success_mfa", "alice (203.0.113.5): ConsoleLogin",
       "*alice (203.0.113.5)*\nTime: 2022.06.21 13:56:13\nType: AwsConsoleSignIn\nSource: "
       "signin.amazonaws.com\n"
       "Name: ConsoleLogin\nRegion: ap-northeast-2\nLogin: Success\nMFA: Yes",
       nullptr},
      // [aws-signin] Success without MFA (MFAUsed "No"); 16:24:34Z on 10 Nov is 01:24:34 on 11 Nov
      // in Seoul.
      {"console_login_success_no_mfa", "bob (198.51.100.23): ConsoleLogin",
       "*bob (198.51.100.23)*\nTime: 2022.11.11 01:24:34\nType: AwsConsoleSignIn\nSource: "
       "signin.amazonaws.com\n"
       "Name: ConsoleLogin\nRegion: us-east-1\nLogin: Success\nMFA: No",
       nullptr},
      // [aws-signin] wrong password: errorMessage without errorCode, Failure; [contract] Error:
      // with the message alone.
      {"console_login_failure_password", "bob (198.51.100.23): ConsoleLogin (Failure)",
       "*bob (198.51.100.23)*\nTime: 2022.11.11 01:23:58\nType: AwsConsoleSignIn\nSource: "
       "signin.amazonaws.com\n"
       "Name: ConsoleLogin\nRegion: us-east-1\nError: Failed authentication\nLogin: Failure\nMFA: "
       "No",
       nullptr},
      // [aws-signin] wrong user name: HIDDEN_DUE_TO_SECURITY_REASONS, no additionalEventData (so no
      // MFA: line).
      {"console_login_failure_hidden_user",
       "user name hidden by CloudTrail (192.0.2.77): ConsoleLogin (Failure)",
       "*user name hidden by CloudTrail (192.0.2.77)*\nTime: 2023.01.06 08:11:07\nType: "
       "AwsConsoleSignIn\n"
       "Source: signin.amazonaws.com\nName: ConsoleLogin\nRegion: us-east-2\n"
       "Error: No username found in supplied account\nLogin: Failure",
       nullptr},
      // [aws-ui] Root without an alias reads "root"; [aws-signin] MFAUsed "YES" shown as Yes
      // [contract].
      {"root_console_login", "root (192.0.2.10): ConsoleLogin",
       "*root (192.0.2.10)*\nTime: 2023.03.01 17:00:05\nType: AwsConsoleSignIn\nSource: "
       "signin.amazonaws.com\n"
       "Name: ConsoleLogin\nRegion: us-east-1\nLogin: Success\nMFA: Yes",
       nullptr},
      // [aws-ui] Root with the account alias in userName: "root of <alias>" [contract].
      {"root_alias_api_call", "root of example-corp (192.0.2.10): CreateAccessKey",
       "*root of example-corp (192.0.2.10)*\nTime: 2023.03.01 17:02:41\nType: AwsApiCall\nSource: "
       "iam.amazonaws.com\n"
       "Name: CreateAccessKey\nRegion: us-east-1",
       nullptr},
      // [aws-ui] AssumedRole: role and session from arn ".../assumed-role/Admin/alice" [contract].
      {"assumed_role_api_call", "Admin/alice (203.0.113.5): RunInstances",
       "*Admin/alice (203.0.113.5)*\nTime: 2022.06.21 14:40:00\nType: AwsApiCall\nSource: "
       "ec2.amazonaws.com\n"
       "Name: RunInstances\nRegion: ap-northeast-2",
       nullptr},
      // [aws-ui] FederatedUser: the name from arn ".../federated-user/carol" [contract].
      {"federated_user_api_call", "federated user carol (198.51.100.40): PutBucketPolicy",
       "*federated user carol (198.51.100.40)*\nTime: 2022.08.02 19:04:12\nType: "
       "AwsApiCall\nSource: s3.amazonaws.com\n"
       "Name: PutBucketPolicy\nRegion: eu-west-1",
       nullptr},
      // [aws-ui] AWSService: invokedBy names the service, sourceIPAddress is the service name too.
      {"aws_service_assume_role",
       "AWS service lambda.amazonaws.com (lambda.amazonaws.com): AssumeRole",
       "*AWS service lambda.amazonaws.com (lambda.amazonaws.com)*\nTime: 2022.06.21 "
       "22:25:31\nType: AwsApiCall\n"
       "Source: sts.amazonaws.com\nName: AssumeRole\nRegion: ap-northeast-2",
       nullptr},
      // [aws-ui] AWSAccount: the other account's accountId [contract].
      {"aws_account_cross_account", "AWS account 111122223333 (198.51.100.77): AssumeRole",
       "*AWS account 111122223333 (198.51.100.77)*\nTime: 2022.09.14 16:30:00\nType: AwsApiCall\n"
       "Source: sts.amazonaws.com\nName: AssumeRole\nRegion: us-east-1",
       nullptr},
      // [aws-ui] IdentityCenterUser: only onBehalfOf.userId identifies the person [contract].
      {"identity_center_user",
       "Identity Center user 544894e8-80c1-707f-60e3-3ba6510dfac1 (203.0.113.200): "
       "ListAccountRoles",
       "*Identity Center user 544894e8-80c1-707f-60e3-3ba6510dfac1 (203.0.113.200)*\nTime: "
       "2024.05.02 11:15:40\n"
       "Type: AwsApiCall\nSource: sso.amazonaws.com\nName: ListAccountRoles\nRegion: us-west-2",
       nullptr},
      // [aws-ui] SAMLUser (AssumeRoleWithSAML): userName [contract].
      {"saml_user_assume_role", "SAML user dana@example.com (192.0.2.150): AssumeRoleWithSAML",
       "*SAML user dana@example.com (192.0.2.150)*\nTime: 2022.10.03 18:00:00\nType: AwsApiCall\n"
       "Source: sts.amazonaws.com\nName: AssumeRoleWithSAML\nRegion: us-east-1",
       nullptr},
      // [aws-ui] WebIdentityUser from an IPv6 address; 23:59:59Z on 24 Dec is 08:59:59 on 25 Dec in
      // Seoul.
      {"web_identity_user_ipv6",
       "web identity user 105554321234567890123 (2001:db8::8a2e:370:7334): "
       "AssumeRoleWithWebIdentity",
       "*web identity user 105554321234567890123 (2001:db8::8a2e:370:7334)*\nTime: 2022.12.25 "
       "08:59:59\n"
       "Type: AwsApiCall\nSource: sts.amazonaws.com\nName: AssumeRoleWithWebIdentity\nRegion: "
       "ap-southeast-1",
       nullptr},
      // [aws-ui] Unknown: userName as given; [aws-record] AwsServiceEvent, no ConsoleLogin so no
      // Login: line.
      {"unknown_type_signin", "erin (198.51.100.9): UserAuthentication",
       "*erin (198.51.100.9)*\nTime: 2024.01.15 21:00:00\nType: AwsServiceEvent\nSource: "
       "signin.amazonaws.com\n"
       "Name: UserAuthentication\nRegion: us-east-1",
       nullptr},
      // [aws-record] a service event whose userIdentity has no type, only invokedBy "AWS Internal".
      {"service_event_no_identity_type", "AWS Internal (AWS Internal): RotateKey",
       "*AWS Internal (AWS Internal)*\nTime: 2023.06.30 09:00:12\nType: AwsServiceEvent\nSource: "
       "kms.amazonaws.com\n"
       "Name: RotateKey\nRegion: ap-northeast-2",
       nullptr},
      // [aws-record] an Insights event: no userIdentity, eventSource, eventName or IP; [contract]
      // "-" and no "()".
      {"insights_event_no_identity", "unknown identity: AwsCloudTrailInsight",
       "*unknown identity*\nTime: 2023.02.14 19:15:00\nType: AwsCloudTrailInsight\nSource: "
       "-\nName: -\n"
       "Region: us-east-2",
       nullptr},
      // [aws-record] errorCode and errorMessage of a denied call; [contract] "Error: <code>:
      // <message>".
      {"access_denied", "bob (198.51.100.23): CreateUser (AccessDenied)",
       "*bob (198.51.100.23)*\nTime: 2022.11.11 01:30:02\nType: AwsApiCall\nSource: "
       "iam.amazonaws.com\n"
       "Name: CreateUser\nRegion: us-east-1\nError: AccessDenied: User: "
       "arn:aws:iam::123456789012:user/bob is not "
       "authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/mallory "
       "because no "
       "identity-based policy allows the iam:CreateUser action",
       nullptr},
      // [orig] the six lines for a read-only call (the original alerted on every call its filter
      // let through).
      {"read_only_call", "alice (203.0.113.5): DescribeInstances",
       "*alice (203.0.113.5)*\nTime: 2022.06.21 15:01:44\nType: AwsApiCall\nSource: "
       "ec2.amazonaws.com\n"
       "Name: DescribeInstances\nRegion: ap-northeast-2",
       nullptr},
      // [slack-fmt] & < > as entities, * _ ~ fenced by U+200B, ` as U+02CB, the newline in
      // errorMessage
      // folded to a space so "Error: none" cannot start a line of its own [contract].
      {"injection_attempt",
       "web identity user &lt;!channel&gt; " ZW "*" ZW "URGENT" ZW "*" ZW " " ZW "_" ZW "rotate" ZW
       "_" ZW " " ZW "~" ZW "now" ZW "~" ZW " " GRAVE "keys" GRAVE
       " &lt;http://evil.example/login|click here&gt; &amp; &lt;@U024BE7LH&gt; (203.0.113.66): "
       "AssumeRoleWithWebIdentity (InvalidIdentityToken)",
       "*web identity user &lt;!channel&gt; " ZW "*" ZW "URGENT" ZW "*" ZW " " ZW "_" ZW "rotate" ZW
       "_" ZW " " ZW "~" ZW "now" ZW "~" ZW " " GRAVE "keys" GRAVE
       " &lt;http://evil.example/login|click here&gt; &amp; &lt;@U024BE7LH&gt; (203.0.113.66)*\n"
       "Time: 2024.04.01 09:00:00\nType: AwsApiCall\nSource: sts.amazonaws.com\nName: "
       "AssumeRoleWithWebIdentity\n"
       "Region: ap-northeast-2\nError: InvalidIdentityToken: Token &lt;!everyone&gt; is not valid "
       "Error: none, all "
       "fine " ZW "*" ZW "really" ZW "*" ZW,
       nullptr},
  };
  return pins;
}

// The eventID and awsRegion of a fixture, for its console link.
std::pair<std::string, std::string> RegionAndEventId(const std::string& record_text) {
  const nlohmann::json record = nlohmann::json::parse(record_text);
  return {record.value("awsRegion", ""), record.value("eventID", "")};
}

// Checks one rendered message (renderer output or golden) against a pin.
void CheckAgainstPin(const Pin& pin, const std::string& message, const std::string& section2) {
  const nlohmann::json m = nlohmann::json::parse(message);
  CHECK(m["text"] == pin.notification);
  // [orig] two sections; [slack-bk] well under 50 blocks.
  CHECK(m["blocks"].size() == 2);
  if (m["blocks"].size() != 2) return;
  for (const nlohmann::json& block : m["blocks"]) {
    CHECK(block["type"] == "section");
    CHECK(block["text"]["type"] == "mrkdwn");
    CHECK(block["text"]["verbatim"] == true);  // [slack-fmt] no auto-linking of record values
  }
  CHECK(m["blocks"][0]["text"]["text"] == pin.section1);
  CHECK(m["blocks"][1]["text"]["text"] == section2);
}

iam_audit::RenderOptions SeoulOptions() {
  iam_audit::RenderOptions options;
  options.time_zone = *iam_audit::TimeZone::Parse("Asia/Seoul");
  return options;
}

}  // namespace

TEST_CASE("golden pins: every fixture renders to its hand-written alert", "[golden-pins]") {
  const fs::path dir = fs::path(IAM_AUDIT_FIXTURES_DIR) / "records";
  for (const Pin& pin : Pins()) {
    CAPTURE(pin.fixture);
    const fs::path input = dir / (std::string(pin.fixture) + ".json");
    REQUIRE(fs::exists(input));
    const std::string record = ReadFile(input);
    const auto [region, event_id] = RegionAndEventId(record);
    const std::string section2 =
        pin.section2 != nullptr ? pin.section2 : ConsoleLink(region, event_id);

    {
      INFO("the renderer's output");
      CheckAgainstPin(pin, iam_audit::RenderMessage(record, SeoulOptions()), section2);
    }
    const fs::path golden = dir / (std::string(pin.fixture) + ".expected.json");
    CHECK(fs::exists(golden));
    if (fs::exists(golden)) {
      INFO("the golden file " << golden.filename().string());
      CheckAgainstPin(pin, ReadFile(golden), section2);
    }
  }
}

TEST_CASE("golden pins: every fixture record has a pin", "[golden-pins]") {
  const fs::path dir = fs::path(IAM_AUDIT_FIXTURES_DIR) / "records";
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".json";
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0 ||
        name.find(".expected.json") != std::string::npos) {
      continue;
    }
    const std::string stem = name.substr(0, name.size() - suffix.size());
    bool pinned = false;
    for (const Pin& pin : Pins()) pinned = pinned || stem == pin.fixture;
    CAPTURE(name);
    CHECK(pinned);
  }
}

// [orig] the API-call screenshot's section 2: the eventID, in italics, linked to the console.
TEST_CASE("golden pins: the console link of the original's API-call screenshot fixture",
          "[golden-pins]") {
  const std::string message = iam_audit::RenderMessage(
      ReadFile(fs::path(IAM_AUDIT_FIXTURES_DIR) / "records" / "iam_user_api_call.json"),
      SeoulOptions());
  CHECK(nlohmann::json::parse(message)["blocks"][1]["text"]["text"] ==
        "_<https://ap-northeast-2.console.aws.amazon.com/cloudtrailv2/home?region=ap-northeast-2#/"
        "events/"
        "0b3e5658-28a4-4b89-afa7-29428a4d62d5|0b3e5658-28a4-4b89-afa7-29428a4d62d5>_");
}

// [slack-fmt] none of the injection fixture's control sequences reaches Slack
// as markup, and what the alert has no line for (userAgent, requestParameters)
// is not shown at all [orig: no such lines].
TEST_CASE("golden pins: the injection fixture carries no live markup", "[golden-pins]") {
  const fs::path dir = fs::path(IAM_AUDIT_FIXTURES_DIR) / "records";
  for (const std::string& message :
       {iam_audit::RenderMessage(ReadFile(dir / "injection_attempt.json"), SeoulOptions()),
        ReadFile(dir / "injection_attempt.expected.json")}) {
    const nlohmann::json m = nlohmann::json::parse(message);
    const std::string section1 = m["blocks"][0]["text"]["text"];
    const std::string notification = m["text"];
    for (const std::string& text : {section1, notification}) {
      CHECK(text.find('<') == std::string::npos);      // no <!channel>, <@U…>, <http…|…> link
      CHECK(text.find('`') == std::string::npos);      // no code span
      CHECK(text.find("!here") == std::string::npos);  // userAgent's <!here> not shown
      CHECK(text.find("curl") == std::string::npos);   // userAgent not shown
      CHECK(text.find("rm -rf") == std::string::npos);  // requestParameters not shown
      CHECK(text.find("script") == std::string::npos);  // requestParameters not shown
    }
    // The forged "Error:" after the newline stays on the real Error: line.
    CHECK(section1.find("\nError: none") == std::string::npos);
    size_t error_lines = 0;
    for (size_t p = section1.find("\nError: "); p != std::string::npos;
         p = section1.find("\nError: ", p + 1)) {
      ++error_lines;
    }
    CHECK(error_lines == 1);
  }
}
