// Test-only driver of the S3 client (not installed):
//   s3_test_tool sign                 JSON lines on stdin, one signed request per line out
//   s3_test_tool get BUCKET KEY [--chunk-bytes N] [--timeout-ms N]
//   s3_test_tool list BUCKET [--prefix P] [--delimiter D] [--start-after S] [--max-keys N]
//                                     [--timeout-ms N]
//   s3_test_tool put BUCKET KEY --body-file F [--content-type T] [--timeout-ms N]
// get, list and put read their configuration from the environment
// (S3Config::FromEnvironment). Errors go to stderr as "error (<code>): <message>",
// exit status 1; bad usage exits 2.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "aws/s3_request.h"
#include "aws/sigv4.h"
#include "iam_audit/s3_client.h"

namespace {

using nlohmann::json;
namespace s3 = iam_audit::s3;

int Fail(const iam_audit::Status& s) {
  std::cerr << "error (" << iam_audit::StatusCodeName(s.code()) << "): " << s.message() << "\n";
  return 1;
}

int Sign() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    json in = json::parse(line);
    s3::S3Config config;
    config.access_key_id = in.at("access_key_id");
    config.secret_access_key = in.at("secret_access_key");
    config.session_token = in.value("session_token", "");
    config.region = in.at("region");
    config.endpoint_url = in.value("endpoint_url", "");
    std::string addressing = in.value("addressing", "auto");
    config.addressing = addressing == "path"      ? s3::S3Config::Addressing::kPath
                        : addressing == "virtual" ? s3::S3Config::Addressing::kVirtual
                                                  : s3::S3Config::Addressing::kAuto;
    std::vector<std::pair<std::string, std::string>> query, headers;
    std::string key;
    if (in.at("op") == "get") {
      key = in.at("key");
      if (in.contains("range")) headers.emplace_back("Range", in["range"]);
    } else {
      s3::ListObjectsV2Request list;
      list.prefix = in.value("prefix", "");
      list.continuation_token = in.value("continuation-token", "");
      list.start_after = in.value("start-after", "");
      list.max_keys = std::stoi(in.value("max-keys", "0"));
      query = iam_audit::aws::ListObjectsV2Query(list);
    }
    auto req =
        iam_audit::aws::BuildS3Request(config, "GET", in.at("bucket").get<std::string>(), key,
                                       query, headers, in.at("amz_date").get<std::string>());
    if (!req.ok()) return Fail(req.status());
    std::cout << json{{"authorization", req->signing.authorization},
                      {"host", req->host_header},
                      {"target", req->target},
                      {"canonical_request", req->signing.canonical_request}}
                     .dump()
              << "\n";
  }
  return 0;
}

// Value of "--name V" in args, or fallback.
std::string Option(const std::vector<std::string>& args, const std::string& name,
                   const std::string& fallback) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == name) return args[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr
        << "usage: s3_test_tool sign | get BUCKET KEY [options] | list BUCKET [options] | put "
           "BUCKET KEY --body-file F [options]\n";
    return 2;
  }
  if (args[0] == "sign") return Sign();
  auto config = s3::S3Config::FromEnvironment();
  if (!config.ok()) return Fail(config.status());
  config->chunk_bytes =
      std::stoul(Option(args, "--chunk-bytes", std::to_string(config->chunk_bytes)));
  int64_t timeout_ms = std::stoll(Option(args, "--timeout-ms", "30000"));
  s3::S3Client client(*config);
  if (args[0] == "get" && args.size() >= 3) {
    std::string body;
    size_t chunks = 0, max_chunk = 0;
    auto status = client.GetObject(
        args[1], args[2],
        [&](std::string_view chunk) {
          ++chunks;
          max_chunk = std::max(max_chunk, chunk.size());
          body.append(chunk);
          return iam_audit::Status::Ok();
        },
        timeout_ms);
    if (!status.ok()) return Fail(status);
    std::cout << json{{"size", body.size()},
                      {"sha256", iam_audit::aws::Sha256Hex(body)},
                      {"chunks", chunks},
                      {"max_chunk", max_chunk}}
                     .dump()
              << "\n";
    return 0;
  }
  if (args[0] == "list" && args.size() >= 2) {
    s3::ListObjectsV2Request req;
    req.bucket = args[1];
    req.prefix = Option(args, "--prefix", "");
    req.start_after = Option(args, "--start-after", "");
    req.delimiter = Option(args, "--delimiter", "");
    req.max_keys = std::stoi(Option(args, "--max-keys", "0"));
    json objects = json::array();
    json prefixes = json::array();
    int pages = 0;
    do {
      auto page = client.ListObjectsV2(req, timeout_ms);
      if (!page.ok()) return Fail(page.status());
      ++pages;
      for (const auto& o : page->objects) objects.push_back({o.key, o.size});
      for (const auto& p : page->common_prefixes) prefixes.push_back(p);
      req.continuation_token = page->next_continuation_token;
      if (!page->is_truncated) break;
    } while (true);
    std::cout << json{{"pages", pages}, {"objects", objects}, {"common_prefixes", prefixes}}.dump()
              << "\n";
    return 0;
  }
  if (args[0] == "put" && args.size() >= 3) {
    std::ifstream in(Option(args, "--body-file", ""), std::ios::binary);
    if (!in) {
      std::cerr << "s3_test_tool: put needs a readable --body-file\n";
      return 2;
    }
    std::ostringstream body;
    body << in.rdbuf();
    auto put = client.PutObject(args[1], args[2], body.str(), Option(args, "--content-type", ""),
                                timeout_ms);
    if (!put.ok()) return Fail(put.status());
    std::cout << json{{"etag", put->etag}}.dump() << "\n";
    return 0;
  }
  std::cerr << "s3_test_tool: bad arguments\n";
  return 2;
}
