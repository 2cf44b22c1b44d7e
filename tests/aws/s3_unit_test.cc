// The S3 client's pieces that need no server: the XML reader on S3's
// documents (as S3's API reference shows them), endpoint and addressing
// rules, and the configuration read from the environment.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "aws/s3_request.h"
#include "aws/s3_xml.h"
#include "iam_audit/s3_client.h"

namespace {

using iam_audit::StatusCode;
namespace aws = iam_audit::aws;
namespace s3 = iam_audit::s3;

s3::S3Config::Getenv Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("s3 xml: ListBucketResult with entities, pages and an empty result", "[aws][s3]") {
  const std::string doc = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>AWSLogs/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>AWSLogs/a &amp; b&lt;c&gt;&#233;&#x4E2D;.json.gz</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>
<ETag>&quot;abc&quot;</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key><![CDATA[AWSLogs/x]]></Key><Size>0</Size></Contents>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>)";
  auto r = aws::ParseListBucketResult(doc);
  REQUIRE(r.ok());
  REQUIRE(r->objects.size() == 2);
  CHECK(r->objects[0].key == "AWSLogs/a & b<c>\xC3\xA9\xE4\xB8\xAD.json.gz");
  CHECK(r->objects[0].size == 1234);
  CHECK(r->objects[1].key == "AWSLogs/x");
  CHECK(r->objects[1].size == 0);
  CHECK(r->is_truncated);
  CHECK(r->next_continuation_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  auto empty = aws::ParseListBucketResult(
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>0</KeyCount>)"
      R"(<IsTruncated>false</IsTruncated></ListBucketResult>)");
  REQUIRE(empty.ok());
  CHECK(empty->objects.empty());
  CHECK_FALSE(empty->is_truncated);
}

// The shape of the example "Listing keys using the prefix and delimiter
// parameters" of https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html:
// a folder marker in Contents and two CommonPrefixes, each with its <Prefix>
// (the document's own <Prefix> is the request's, not a common prefix).
TEST_CASE("s3 xml: ListBucketResult with a delimiter: CommonPrefixes", "[aws][s3]") {
  const std::string doc = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix>photos/2006/</Prefix>
  <KeyCount>3</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>photos/2006/</Key>
    <LastModified>2016-04-30T23:51:29.000Z</LastModified>
    <ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag>
    <Size>0</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>photos/2006/February/</Prefix>
  </CommonPrefixes>
  <CommonPrefixes>
    <Prefix>photos/2006/January/</Prefix>
  </CommonPrefixes>
</ListBucketResult>)";
  auto r = aws::ParseListBucketResult(doc);
  REQUIRE(r.ok());
  REQUIRE(r->objects.size() == 1);
  CHECK(r->objects[0].key == "photos/2006/");
  CHECK(r->objects[0].size == 0);
  CHECK(r->common_prefixes ==
        std::vector<std::string>{"photos/2006/February/", "photos/2006/January/"});
  CHECK_FALSE(r->is_truncated);

  // encoding-type=url: prefixes are encoded like keys.
  auto encoded = aws::ParseListBucketResult(
      "<ListBucketResult><EncodingType>url</EncodingType><Delimiter>%2F</Delimiter>"
      "<IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>my+trail%2B/AWSLogs/</Prefix>"
      "</CommonPrefixes></ListBucketResult>");
  REQUIRE(encoded.ok());
  CHECK(encoded->common_prefixes == std::vector<std::string>{"my trail+/AWSLogs/"});

  auto no_prefix = aws::ParseListBucketResult(
      "<ListBucketResult><CommonPrefixes></CommonPrefixes></ListBucketResult>");
  REQUIRE_FALSE(no_prefix.ok());
  CHECK(no_prefix.status().message() == "CommonPrefixes[0] has no <Prefix>");
}

TEST_CASE("s3 xml: malformed ListBucketResult documents are errors naming what is wrong",
          "[aws][s3]") {
  auto no_size = aws::ParseListBucketResult(
      "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>");
  REQUIRE_FALSE(no_size.ok());
  CHECK(no_size.status().message() == "Contents[0] has no <Size>");
  auto bad_size = aws::ParseListBucketResult(
      "<ListBucketResult><Contents><Key>k</Key><Size>12x</Size></Contents></ListBucketResult>");
  REQUIRE_FALSE(bad_size.ok());
  CHECK(bad_size.status().message() == "Contents[0] <Size> is not a number: \"12x\"");
  auto entity = aws::ParseListBucketResult(
      "<ListBucketResult><Contents><Key>&bogus;</Key><Size>1</Size></Contents></ListBucketResult>");
  REQUIRE_FALSE(entity.ok());
  CHECK(entity.status().message() == "Contents[0]: <Key>: xml: unknown entity &bogus;");
  auto unclosed = aws::ParseListBucketResult("<ListBucketResult><Contents><Key>k</Key>");
  REQUIRE_FALSE(unclosed.ok());
  CHECK(unclosed.status().message() == "xml: <ListBucketResult> without </ListBucketResult>");
  auto truncated_without_token = aws::ParseListBucketResult(
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");
  REQUIRE_FALSE(truncated_without_token.ok());
  CHECK(aws::ParseListBucketResult("<Error><Code>x</Code></Error>").status().message() ==
        "not a ListBucketResult document");
}

TEST_CASE("s3 xml: keys of an encoding-type=url listing are decoded", "[aws][s3]") {
  // S3's API reference: with encoding-type=url, "test_file(3).png" is listed
  // as "test_file%283%29.png"; botocore decodes keys with unquote_plus.
  auto r = aws::ParseListBucketResult(
      "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
      "<Contents><Key>test_file%283%29.png</Key><Size>1</Size></Contents>"
      "<Contents><Key>a+b%2Bc%E2%82%AC%0A</Key><Size>2</Size></Contents></ListBucketResult>");
  REQUIRE(r.ok());
  REQUIRE(r->objects.size() == 2);
  CHECK(r->objects[0].key == "test_file(3).png");
  CHECK(r->objects[1].key == "a b+c\xE2\x82\xAC\n");
  // Without <EncodingType>, keys are taken as they are.
  auto raw = aws::ParseListBucketResult(
      "<ListBucketResult><Contents><Key>a+b%2B</Key><Size>1</Size></Contents></ListBucketResult>");
  REQUIRE(raw.ok());
  CHECK(raw->objects[0].key == "a+b%2B");
  auto bad = aws::ParseListBucketResult(
      "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%2</Key><Size>1</Size></"
      "Contents>"
      "</ListBucketResult>");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "Contents[0] <Key>: bad %-escape at offset 1");
}

TEST_CASE("s3 xml: Error documents", "[aws][s3]") {
  auto e = aws::ParseS3Error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist</Message>
<Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>)");
  CHECK(e.code == "NoSuchKey");
  CHECK(e.message == "The resource you requested does not exist");
  auto none = aws::ParseS3Error("<html>Bad Gateway</html>");
  CHECK(none.code.empty());
  CHECK(none.message.empty());
}

TEST_CASE("s3 endpoint URLs", "[aws][s3]") {
  auto a = aws::ParseEndpointUrl("http://127.0.0.1:4568", "X");
  REQUIRE(a.ok());
  CHECK_FALSE(a->tls);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 4568);
  auto b = aws::ParseEndpointUrl("https://minio.example/", "X");
  REQUIRE(b.ok());
  CHECK(b->tls);
  CHECK(b->port == 443);
  auto c = aws::ParseEndpointUrl("http://[::1]:9000", "X");
  REQUIRE(c.ok());
  CHECK(c->host == "::1");
  CHECK(c->port == 9000);
  auto bad = aws::ParseEndpointUrl("ftp://x", "AWS_ENDPOINT_URL_S3");
  REQUIRE_FALSE(bad.ok());
  CHECK(
      bad.status().message() ==
      "AWS_ENDPOINT_URL_S3: \"ftp://x\" is not an http or https URL (expected http://host:port or "
      "https://host[:port])");
  CHECK_FALSE(aws::ParseEndpointUrl("http://h:0", "X").ok());
  CHECK_FALSE(aws::ParseEndpointUrl("http://h:99999", "X").ok());
  CHECK_FALSE(aws::ParseEndpointUrl("http://h/prefix", "X").ok());
}

TEST_CASE("s3 endpoint URLs: the authority's edge cases and their wording", "[aws][s3]") {
  auto d = aws::ParseEndpointUrl("https://[::1]", "X");
  REQUIRE(d.ok());
  CHECK(d->host == "::1");
  CHECK(d->port == 443);
  auto [url, why] = GENERATE(table<std::string, std::string>({
      {"http://[::1", "has an unclosed '['"},
      {"http://[::1]x", "has text after ']'"},
      {"http://[::1]:", "has a bad port"},
      {"http://h:", "has a bad port"},
      {"http://h:+80", "has a bad port"},
      {"http://h:80x", "has a bad port"},
      {"http://:80", "has no host"},
      {"http://[]:80", "has no host"},
  }));
  CAPTURE(url);
  auto bad = aws::ParseEndpointUrl(url, "X");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "X: \"" + url + "\" " + why + " (expected http://host:port or https://host[:port])");
}

TEST_CASE("s3 addressing: virtual-hosted on AWS, path-style for dotted names and with an endpoint",
          "[aws][s3]") {
  s3::S3Config config;
  config.access_key_id = "AKIDEXAMPLE";
  config.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  config.region = "eu-west-1";
  auto v = aws::BuildS3Request(config, "GET", "my-trail-logs", "AWSLogs/1 2+3.json.gz", {}, {},
                               "20260101T000000Z");
  REQUIRE(v.ok());
  CHECK(v->host_header == "my-trail-logs.s3.eu-west-1.amazonaws.com");
  CHECK(v->target == "/AWSLogs/1%202%2B3.json.gz");
  CHECK(v->endpoint.tls);
  auto dotted = aws::BuildS3Request(config, "GET", "my.logs", "k", {}, {}, "20260101T000000Z");
  REQUIRE(dotted.ok());
  CHECK(dotted->host_header == "s3.eu-west-1.amazonaws.com");
  CHECK(dotted->target == "/my.logs/k");
  config.endpoint_url = "http://127.0.0.1:4568";
  auto p = aws::BuildS3Request(config, "GET", "b", "", {{"list-type", "2"}, {"prefix", "a b/"}}, {},
                               "20260101T000000Z");
  REQUIRE(p.ok());
  CHECK(p->host_header == "127.0.0.1:4568");
  CHECK(p->target == "/b?list-type=2&prefix=a%20b%2F");
  auto q = aws::ListObjectsV2Query({"b", "p", "tok", "", 5, ""});
  CHECK(q == std::vector<std::pair<std::string, std::string>>{{"list-type", "2"},
                                                              {"encoding-type", "url"},
                                                              {"prefix", "p"},
                                                              {"continuation-token", "tok"},
                                                              {"max-keys", "5"}});
  auto d = aws::ListObjectsV2Query({"b", "AWSLogs/", "", "", 0, "/"});
  CHECK(d == std::vector<std::pair<std::string, std::string>>{{"list-type", "2"},
                                                              {"encoding-type", "url"},
                                                              {"prefix", "AWSLogs/"},
                                                              {"delimiter", "/"}});
}

TEST_CASE("s3 config from the environment", "[aws][s3]") {
  auto ok = s3::S3Config::FromEnvironment(Env({{"AWS_ACCESS_KEY_ID", "AKID"},
                                               {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                               {"AWS_SESSION_TOKEN", "TOKEN"},
                                               {"AWS_DEFAULT_REGION", "us-west-2"},
                                               {"AWS_ENDPOINT_URL", "http://localhost:1"},
                                               {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4568"}}));
  REQUIRE(ok.ok());
  CHECK(ok->region == "us-west-2");
  CHECK(ok->session_token == "TOKEN");
  CHECK(ok->endpoint_url == "http://127.0.0.1:4568");
  auto region_first =
      s3::S3Config::FromEnvironment(Env({{"AWS_ACCESS_KEY_ID", "AKID"},
                                         {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                         {"AWS_REGION", "eu-central-1"},
                                         {"AWS_DEFAULT_REGION", "us-west-2"},
                                         {"AWS_ENDPOINT_URL", "http://localhost:1"}}));
  REQUIRE(region_first.ok());
  CHECK(region_first->region == "eu-central-1");
  CHECK(region_first->endpoint_url == "http://localhost:1");

  auto no_region = s3::S3Config::FromEnvironment(
      Env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "S"}}));
  REQUIRE_FALSE(no_region.ok());
  CHECK(no_region.status().message() == "s3: AWS_REGION (or AWS_DEFAULT_REGION) is not set");
  auto no_secret = s3::S3Config::FromEnvironment(
      Env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_REGION", "us-east-1"}}));
  REQUIRE_FALSE(no_secret.ok());
  CHECK(no_secret.status().message() == "s3: AWS_SECRET_ACCESS_KEY is not set");
  auto bad_endpoint =
      s3::S3Config::FromEnvironment(Env({{"AWS_ACCESS_KEY_ID", "AKID"},
                                         {"AWS_SECRET_ACCESS_KEY", "TOPSECRET"},
                                         {"AWS_REGION", "us-east-1"},
                                         {"AWS_ENDPOINT_URL_S3", "localhost:4568"}}));
  REQUIRE_FALSE(bad_endpoint.ok());
  CHECK(bad_endpoint.status().message().find("s3: AWS_ENDPOINT_URL_S3: \"localhost:4568\"") == 0);
  CHECK(bad_endpoint.status().message().find("TOPSECRET") == std::string::npos);
}

TEST_CASE("s3 client: bad bucket and key names are refused before any request", "[aws][s3]") {
  s3::S3Config config;
  config.access_key_id = "AKID";
  config.secret_access_key = "S";
  config.region = "us-east-1";
  config.endpoint_url = "http://127.0.0.1:9";  // never contacted
  s3::S3Client client(config);
  auto noop = [](std::string_view) { return iam_audit::Status::Ok(); };
  auto empty_key = client.GetObject("b", "", noop, 1000);
  CHECK(empty_key.code() == StatusCode::kInvalidArgument);
  CHECK(empty_key.message() == "s3: GetObject s3://b: the key is empty");
  auto slash = client.ListObjectsV2({"a/b", "", "", "", 0, ""}, 1000);
  REQUIRE_FALSE(slash.ok());
  CHECK(slash.status().message() == "s3: ListObjectsV2: the bucket name \"a/b\" contains '/'");
}
