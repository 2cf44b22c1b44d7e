// The progress line of a run over a streamed listing (engine/cli/progress.h,
// ArchiveProgress): no total and no ETA until the files are counted, then
// the total, the percentage and an ETA by bytes (every size known) or by
// files; nothing written when not enabled.
#include "progress.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace iam_audit::cli {
namespace {

std::string Written(std::FILE* f) {
  std::string out(static_cast<size_t>(std::ftell(f)), '\0');
  std::rewind(f);
  out.resize(std::fread(out.data(), 1, out.size(), f));
  return out;
}

}  // namespace

TEST_CASE("progress: the archive line before and after the count", "[sources]") {
  ArchiveProgress progress(true, nullptr);
  // 2 MB in 2 s: 1.0 MB/s.
  CHECK(progress.Text(3, 10, 2000000, 2.0) ==
        "3 files  10 events  2.0 MB  1.0 MB/s  counting files");
  // 5 of 10 files in 10 s, sizes unknown: 5 more files at 2 s each.
  progress.SetTotals(10, 0);
  CHECK(progress.Text(5, 10, 2000000, 10.0) ==
        "5/10 files  50%  10 events  2.0 MB  0.2 MB/s  ETA 0:10");
  // 8 MB in all, 2 done at 1 MB/s: 6 s left.
  progress.SetTotals(10, 8000000);
  CHECK(progress.Text(5, 10, 2000000, 2.0) ==
        "5/10 files  50%  10 events  2.0 MB  1.0 MB/s  ETA 0:06");
}

TEST_CASE("progress: nothing when not enabled, the line when enabled", "[sources]") {
  std::FILE* off = std::tmpfile();
  REQUIRE(off != nullptr);
  {
    ArchiveProgress progress(false, off);
    progress.Update(1, 2, 3);
    progress.Clear();
  }
  CHECK(Written(off).empty());
  std::fclose(off);

  std::FILE* on = std::tmpfile();
  REQUIRE(on != nullptr);
  {
    ArchiveProgress progress(true, on);
    progress.Update(4, 7, 0);
    std::fflush(on);
    const std::string line = Written(on);
    CHECK(line.rfind("\r4 files  7 events  0.0 MB  ", 0) == 0);
    CHECK(line.find("counting files") != std::string::npos);
  }
  std::fclose(on);
}

}  // namespace iam_audit::cli
