// Main for the suites that read ../shared. When the folder is missing the run
// exits 77, which ctest reports as "skipped" (SKIP_RETURN_CODE), never as passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "shared_data.h"

int main(int argc, char* argv[]) {
  const std::filesystem::path dir = iam_audit::testing::SharedDir();
  if (!std::filesystem::is_directory(dir / "real-cloudtrail")) {
    std::printf("skipped: shared folder %s not found (set IAM_AUDIT_SHARED_DIR)\n", dir.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
