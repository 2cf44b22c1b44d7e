// The CloudTrail record model: field extraction, the display identity for each
// userIdentity.type, and hostile or malformed messages.
#include "iam_audit/cloudtrail.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using iam_audit::DisplayIdentityFromJson;
using iam_audit::ParseCloudTrailRecord;
using iam_audit::StatusCode;

std::string IdentityOfRecord(const std::string& user_identity_json) {
  const auto r =
      ParseCloudTrailRecord(R"({"eventVersion":"1.08","userIdentity":)" + user_identity_json + "}");
  return r.ok() ? r->display_identity : "error: " + r.status().message();
}

}  // namespace

TEST_CASE("display identity for every userIdentity.type", "[cloudtrail][identity]") {
  const auto [user_identity, expected] = GENERATE(table<std::string, std::string>({
      // IAMUser: the user name; the ARN's last path segment when userName is missing.
      {R"({"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice"})",
       "alice"},
      {R"({"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/division/bob"})", "bob"},
      {R"({"type":"IAMUser","principalId":"AIDAEXAMPLE"})", "AIDAEXAMPLE"},
      {R"({"type":"IAMUser"})", "IAM user"},
      {R"({"type":"IAMUser","accountId":"123456789012","accessKeyId":"","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"})",
       "user name hidden by CloudTrail"},
      // Root: the account alias (in userName) when set.
      {R"({"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"})",
       "root"},
      {R"({"type":"Root","arn":"arn:aws:iam::123456789012:root","userName":"example-corp"})",
       "root of example-corp"},
      {R"({"type":"Root","arn":"arn:aws:iam::123456789012:root","userName":"root"})", "root"},
      // AssumedRole: role/session from the ARN, else the issuer and the session from principalId.
      {R"({"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::123456789012:assumed-role/Admin/alice","sessionContext":{"sessionIssuer":{"type":"Role","userName":"Admin"}}})",
       "Admin/alice"},
      {R"({"type":"AssumedRole","principalId":"AROAEXAMPLE:i-0123456789abcdef0","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123456789012:role/service-role/ec2-app","userName":"ec2-app"}}})",
       "ec2-app/i-0123456789abcdef0"},
      {R"({"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::123456789012:role/path/Deployer"}}})",
       "Deployer"},
      {R"({"type":"AssumedRole","principalId":"AROAEXAMPLE"})", "assumed role AROAEXAMPLE"},
      {R"({"type":"AssumedRole"})", "assumed role"},
      {R"({"type":"Role","arn":"arn:aws:iam::123456789012:role/Admin"})", "Admin"},
      // FederatedUser: the name from the ARN or from "<account>:<name>".
      {R"({"type":"FederatedUser","principalId":"123456789012:carol","arn":"arn:aws:sts::123456789012:federated-user/carol"})",
       "federated user carol"},
      {R"({"type":"FederatedUser","principalId":"123456789012:dave"})", "federated user dave"},
      {R"({"type":"FederatedUser"})", "federated user"},
      // AWSService: the service principal.
      {R"({"type":"AWSService","invokedBy":"lambda.amazonaws.com"})",
       "AWS service lambda.amazonaws.com"},
      {R"({"type":"AWSService"})", "AWS service"},
      // AWSAccount: the other account.
      {R"({"type":"AWSAccount","principalId":"AIDAEXAMPLE","accountId":"111122223333"})",
       "AWS account 111122223333"},
      {R"({"type":"AWSAccount","principalId":"AIDAEXAMPLE"})", "AWS account AIDAEXAMPLE"},
      // IdentityCenterUser: no arn, userName or principalId.
      {R"({"type":"IdentityCenterUser","accountId":"123456789012","onBehalfOf":{"userId":"544894e8-80c1-707f-60e3-3ba6510dfac1","identityStoreArn":"arn:aws:identitystore::123456789012:identitystore/d-9067642ac7"},"credentialId":"EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"})",
       "Identity Center user 544894e8-80c1-707f-60e3-3ba6510dfac1"},
      {R"({"type":"IdentityCenterUser","credentialId":"CRED"})", "Identity Center user CRED"},
      {R"({"type":"IdentityCenterUser"})", "Identity Center user"},
      {R"({"type":"SAMLUser","principalId":"SampleUkh1i4+ExamplexL/jEvs=:SamlExample","userName":"SamlExample","identityProvider":"bdGOnTesti4+ExamplexL/jEvs="})",
       "SAML user SamlExample"},
      {R"({"type":"WebIdentityUser","principalId":"accounts.google.com:app.apps.googleusercontent.com:1234","userName":"1234","identityProvider":"accounts.google.com"})",
       "web identity user 1234"},
      {R"({"type":"WebIdentityUser","principalId":"cognito-identity.amazonaws.com:us-east-1:1"})",
       "web identity user cognito-identity.amazonaws.com:us-east-1:1"},
      {R"({"type":"Unknown","principalId":"123456789012","userName":"erin"})", "erin"},
      {R"({"type":"Unknown"})", "unknown identity"},
      {R"({"type":"Directory","userName":"frank"})", "Directory frank"},
      {R"({"type":"SomethingNew"})", "SomethingNew"},
      // Missing type: service events with accountId and invokedBy only.
      {R"({"accountId":"123456789012","invokedBy":"AWS Internal"})", "AWS Internal"},
      {R"({"accountId":"123456789012","invokedBy":"AWS Internal/3"})", "AWS Internal/3"},
      {R"({"invokedBy":"cloudtrail.amazonaws.com"})", "AWS service cloudtrail.amazonaws.com"},
      {R"({"accountId":"123456789012"})", "AWS account 123456789012"},
      {R"({"userName":"grace"})", "grace"},
      {R"({})", "unknown identity"},
      {R"(null)", "unknown identity"},
      {R"("IAMUser")", "unknown identity"},
      {R"([{"type":"IAMUser","userName":"alice"}])", "unknown identity"},
      // Wrongly typed fields are treated as missing.
      {R"({"type":"IAMUser","userName":42,"arn":"arn:aws:iam::123456789012:user/heidi"})", "heidi"},
      {R"({"type":7,"userName":"ivan"})", "ivan"},
      {R"({"type":"AssumedRole","arn":null,"sessionContext":"oops","principalId":"AROAX:s"})",
       "assumed role AROAX:s"},
  }));
  CAPTURE(user_identity);
  CHECK(DisplayIdentityFromJson(user_identity) == expected);
  CHECK(IdentityOfRecord(user_identity) == expected);
}

TEST_CASE("display identity when userIdentity is absent", "[cloudtrail][identity]") {
  const auto r = ParseCloudTrailRecord(R"({"eventVersion":"1.07","eventCategory":"Insight"})");
  REQUIRE(r.ok());
  CHECK(r->display_identity == "unknown identity");
  CHECK(r->identity_type.empty());
  CHECK(DisplayIdentityFromJson("not json") == "unknown identity");
  CHECK(DisplayIdentityFromJson("") == "unknown identity");
}

TEST_CASE("record fields are read from a ConsoleLogin record", "[cloudtrail]") {
  const auto r = ParseCloudTrailRecord(
      R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",)"
      R"("arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice",)"
      R"("invokedBy":"signin.amazonaws.com"},"eventTime":"2022-06-21T04:56:13Z",)"
      R"("eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1",)"
      R"("sourceIPAddress":"203.0.113.5","userAgent":"Mozilla/5.0","requestParameters":null,)"
      R"("responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes"},)"
      R"("eventID":"3fcfb2c8-5e2a-4b9b-9b8a-0a1b2c3d4e5f","readOnly":false,"eventType":"AwsConsoleSignIn",)"
      R"("recipientAccountId":"123456789012","eventContext":{"future":true}})");
  REQUIRE(r.ok());
  CHECK(r->event_version == "1.08");
  CHECK(r->event_time == "2022-06-21T04:56:13Z");
  CHECK(r->event_type == "AwsConsoleSignIn");
  CHECK(r->event_source == "signin.amazonaws.com");
  CHECK(r->event_name == "ConsoleLogin");
  CHECK(r->aws_region == "us-east-1");
  CHECK(r->source_ip_address == "203.0.113.5");
  CHECK(r->user_agent == "Mozilla/5.0");
  CHECK(r->event_id == "3fcfb2c8-5e2a-4b9b-9b8a-0a1b2c3d4e5f");
  CHECK(r->error_code.empty());
  CHECK(r->error_message.empty());
  CHECK(r->recipient_account_id == "123456789012");
  CHECK(r->read_only == false);
  CHECK(r->mfa_used == "Yes");
  CHECK(r->console_login == "Success");
  CHECK(r->identity_type == "IAMUser");
  CHECK(r->user_name == "alice");
  CHECK(r->arn == "arn:aws:iam::123456789012:user/alice");
  CHECK(r->account_id == "123456789012");
  CHECK(r->principal_id == "AIDAEXAMPLE");
  CHECK(r->invoked_by == "signin.amazonaws.com");
  CHECK(r->display_identity == "alice");
}

TEST_CASE("missing and wrongly typed fields are empty", "[cloudtrail]") {
  const auto r = ParseCloudTrailRecord(
      R"({"eventTime":1655819773,"eventName":["ConsoleLogin"],"awsRegion":null,"errorCode":{},)"
      R"("readOnly":"yes","responseElements":"Success","additionalEventData":{"MFAUsed":true}})");
  REQUIRE(r.ok());
  CHECK(r->event_time.empty());
  CHECK(r->event_name.empty());
  CHECK(r->aws_region.empty());
  CHECK(r->error_code.empty());
  CHECK_FALSE(r->read_only.has_value());
  CHECK(r->console_login.empty());
  CHECK(r->mfa_used.empty());
  CHECK(r->event_id.empty());
  CHECK(r->display_identity == "unknown identity");
}

TEST_CASE("readOnly accepts booleans and boolean strings", "[cloudtrail]") {
  const auto [json, expected] = GENERATE(table<std::string, int>({
      {R"({"readOnly":true})", 1},
      {R"({"readOnly":false})", 0},
      {R"({"readOnly":"True"})", 1},
      {R"({"readOnly":"false"})", 0},
      {R"({"readOnly":1})", -1},
      {R"({})", -1},
  }));
  CAPTURE(json);
  const auto r = ParseCloudTrailRecord(json);
  REQUIRE(r.ok());
  CHECK((r->read_only.has_value() ? (*r->read_only ? 1 : 0) : -1) == expected);
}

TEST_CASE("a message that is not JSON names the line and column", "[cloudtrail]") {
  const auto [message, fragment] = GENERATE(table<std::string, std::string>({
      {"", "at line 1, column 1"},
      {"not json", "at line 1, column 2"},
      {R"({"eventVersion":"1.03","userIdentity":{"type":"Root"})", "at line 1, column 54"},
      {"{\n  \"a\": 1,\n  \"b\": ,\n}", "at line 3, column 8"},
      {R"({"a":1} trailing)", "at line 1, column 11"},
      {"{\"userName\":\"\xff\"}", "at line 1, column 14"},
  }));
  CAPTURE(message);
  const auto r = ParseCloudTrailRecord(message);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message().rfind("record: not JSON: ", 0) == 0);
  CHECK_THAT(r.status().message(), Catch::Contains(fragment));
  CHECK_THAT(r.status().message(), !Catch::Contains("json.exception"));
  CHECK_THAT(r.status().message(), !Catch::Contains("at at"));
}

TEST_CASE("JSON that is not an object is refused", "[cloudtrail]") {
  const auto [message, expected] = GENERATE(table<std::string, std::string>({
      {"[]", "record: not a JSON object (a JSON array)"},
      {R"("text")", "record: not a JSON object (a JSON string)"},
      {"42", "record: not a JSON object (a JSON number)"},
      {"null", "record: not a JSON object (a JSON null)"},
  }));
  const auto r = ParseCloudTrailRecord(message);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == expected);
}

TEST_CASE("hostile messages neither crash nor throw", "[cloudtrail]") {
  SECTION("deep nesting") {
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    const auto r = ParseCloudTrailRecord(deep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "record: not a JSON object (a JSON array)");
  }
  SECTION("deep nesting inside a record") {
    const std::string deep =
        R"({"userIdentity":{"type":"IAMUser","userName":"alice"},"requestParameters":)" +
        std::string(200000, '[') + std::string(200000, ']') + "}";
    const auto r = ParseCloudTrailRecord(deep);
    REQUIRE(r.ok());
    CHECK(r->display_identity == "alice");
  }
  SECTION("a long bad token is reported briefly") {
    const std::string message = "{\"a\":\"" + std::string(100000, 'x');  // unterminated string
    const auto r = ParseCloudTrailRecord(message);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().size() < 300);
  }
  SECTION("NUL bytes") {
    const auto r = ParseCloudTrailRecord(std::string("{\"a\":\0}", 7));
    REQUIRE_FALSE(r.ok());
  }
}

// The record is read by simdjson's DOM when it accepts the message, and by
// nlohmann otherwise; both paths must read a record the same way.
TEST_CASE("duplicate keys: the last one wins, on every level", "[cloudtrail]") {
  const auto [json, name, identity] = GENERATE(table<std::string, std::string, std::string>({
      {R"({"eventName":"A","eventName":"B"})", "B", "unknown identity"},
      {R"({"eventName":"A","eventName":5})", "", "unknown identity"},
      {R"({"eventName":"A","userIdentity":{"type":"IAMUser","userName":"x","userName":"y"}})", "A",
       "y"},
      {R"({"userIdentity":{"type":"IAMUser","userName":"x"},"userIdentity":null})", "",
       "unknown identity"},
      {R"({"userIdentity":{"type":"AssumedRole","principalId":"AROAX:s","sessionContext":{"sessionIssuer":{"userName":"R1"},"sessionIssuer":{"userName":"R2"}}}})",
       "", "R2/s"},
  }));
  CAPTURE(json);
  const auto r = ParseCloudTrailRecord(json);
  REQUIRE(r.ok());
  CHECK(r->event_name == name);
  CHECK(r->display_identity == identity);
  // The same through the fallback parser (a byte-order mark sends it there).
  const auto bom = ParseCloudTrailRecord("\xEF\xBB\xBF" + json);
  REQUIRE(bom.ok());
  CHECK(bom->event_name == name);
  CHECK(bom->display_identity == identity);
}

TEST_CASE("JSON that simdjson refuses is still read as a record", "[cloudtrail]") {
  const std::string fields =
      R"("eventName":"DeleteUser","readOnly":"TRUE",)"
      R"("additionalEventData":{"MFAUsed":"No"},"responseElements":{"ConsoleLogin":"Failure"},)"
      R"("userIdentity":{"type":"IAMUser","userName":"alice"})";
  const auto [message, what] = GENERATE_COPY(table<std::string, std::string>({
      {"\xEF\xBB\xBF{" + fields + "}", "byte-order mark"},
      {"{" + fields + R"(,"requestParameters":{"n":123456789012345678901234567890}})",
       "integer past 64 bits"},
      {"{" + fields + R"(,"requestParameters":)" + std::string(2000, '[') + std::string(2000, ']') +
           "}",
       "2000 levels of nesting"},
      {"{" + fields + R"(,"requestParameters":{"n":-18446744073709551616}})",
       "integer below -2^64"},
  }));
  CAPTURE(what);
  const auto r = ParseCloudTrailRecord(message);
  REQUIRE(r.ok());
  CHECK(r->event_name == "DeleteUser");
  CHECK(r->read_only == true);
  CHECK(r->mfa_used == "No");
  CHECK(r->console_login == "Failure");
  CHECK(r->display_identity == "alice");
}

TEST_CASE("out-of-range numbers and lone surrogates are errors, as before", "[cloudtrail]") {
  const auto [message, fragment] = GENERATE(table<std::string, std::string>({
      {R"({"eventName":"X","n":1e400})", "number overflow parsing '1e400'"},
      {R"({"eventName":"X","n":"\udc00"})", "surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF"},
      {R"({"eventName":"X","n":"\ud800"})",
       "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"},
  }));
  CAPTURE(message);
  const auto r = ParseCloudTrailRecord(message);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().rfind("record: not JSON: ", 0) == 0);
  CHECK_THAT(r.status().message(), Catch::Contains(fragment));
}
