# simulate / generate / check.
#
# iam_audit_simulator: the CloudWatch Logs model (records → log events →
# subscription payloads), the record reader, the payload sinks, the
# synthetic CloudTrail generator and the rule-test (check) runner. Public API
# under include/iam_audit/simulator/; src/ is private.

# libdeflate (found at the top level) compresses the payloads: whole-buffer
# gzip, ~1.5x zlib's speed at the same level (bench/simulate_bench.cc measures both).

add_library(iam_audit_simulator STATIC
  src/cloudwatch.cc
  src/simulator.cc
  src/outputs.cc
  src/generator.cc
  src/check.cc
  src/s3_delivery.cc
  src/s3_upload.cc
)
add_library(iam_audit::simulator ALIAS iam_audit_simulator)
target_include_directories(iam_audit_simulator
  PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
          # The engine's SigV4 signer, endpoint parser and HTTP/1.1 client
          # (aws/sigv4.h, aws/s3_request.h, delivery/http1.h), for
          # simulate --deliver s3 --endpoint.
          ${PROJECT_SOURCE_DIR}/engine/src)
target_link_libraries(iam_audit_simulator
  PUBLIC iam_audit::engine iam_audit::sources iam_audit_warnings
  PRIVATE nlohmann_json::nlohmann_json simdjson::simdjson ZLIB::ZLIB
          PkgConfig::LIBDEFLATE PkgConfig::HTTPLIB Threads::Threads
          OpenSSL::Crypto)

# The subcommands, compiled into the iam-audit CLI.
target_sources(iam_audit_cli PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/simulate_command.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/generate_command.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/check_command.cc
)
target_include_directories(iam_audit_cli PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/cli)
target_link_libraries(iam_audit_cli PRIVATE iam_audit_simulator)

# Payload generation throughput vs a bare zlib deflate of the same bytes.
if(IAM_AUDIT_BUILD_BENCH AND EXISTS ${PROJECT_SOURCE_DIR}/bench/simulate_bench.cc)
  find_package(benchmark REQUIRED)
  add_executable(iam_audit_simulate_bench ${PROJECT_SOURCE_DIR}/bench/simulate_bench.cc)
  target_link_libraries(iam_audit_simulate_bench PRIVATE iam_audit_simulator ZLIB::ZLIB PkgConfig::LIBDEFLATE
                        benchmark::benchmark)
endif()
