# Every fuzz target is also built with GCC as a plain program that replays
# inputs (replay_main.cc): its regressions (tests/fuzz/regressions/<target>/,
# every input a fuzzer ever crashed on) and the seed corpus make_seeds.py
# writes from fixtures/ and tests/data. Included from the top CMakeLists.txt.
set(_fuzz_dir ${PROJECT_SOURCE_DIR}/tests/fuzz)
foreach(target payload_fuzz filter_compile_fuzz filter_match_fuzz render_fuzz slack_payload_fuzz)
  add_executable(${target}_replay ${_fuzz_dir}/${target}.cc ${_fuzz_dir}/replay_main.cc)
  if(target STREQUAL "slack_payload_fuzz")
    target_link_libraries(${target}_replay PRIVATE mock_slack::lib iam_audit_warnings)
  else()
    target_link_libraries(${target}_replay PRIVATE iam_audit::engine nlohmann_json::nlohmann_json iam_audit_warnings)
  endif()
  target_include_directories(${target}_replay PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME fuzz-replay-${target}
           COMMAND bash ${_fuzz_dir}/replay.sh $<TARGET_FILE:${target}_replay> ${target}
                   ${PROJECT_SOURCE_DIR}/fixtures ${IAM_AUDIT_TEST_DATA_DIR})
  set_tests_properties(fuzz-replay-${target} PROPERTIES LABELS "fuzz;regression")
endforeach()
