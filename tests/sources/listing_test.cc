// The streamed listing of local folders (iam_audit/sources/sources.h): a
// hand-built tree with the cases a folder-by-folder walk can get wrong
// against the byte order of full paths ("a.json" beside folder "a/", "a-b/",
// "a0.json", nested levels), hidden entries, a name that is not a record
// file, a symbolic link to a folder outside the tree and a link back up (a
// loop); the callback stopping the listing; batches; the counting listing
// of a progress line; which sizes are known.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "iam_audit/sources/sources.h"

namespace iam_audit::sources {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// <tmp>/iam-audit-listing-<pid>/tree (listed) and …/outside (reached only
// through the link tree/link).
class Tree {
 public:
  Tree() {
    base_ = fs::temp_directory_path() / ("iam-audit-listing-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    const fs::path t = base_ / "tree";
    for (const char* rel : {"z.json", "a0.json", "a.json", "a/x.json", "a/b.json", "a/b/y.json",
                            "a-b/z.json", ".hidden.json", ".hidden/w.json", "a/.h/v.json"}) {
      Write(t / rel, "{}\n");
    }
    Write(t / "b.txt", "not records\n");
    Write(base_ / "outside" / "q.json", "{}\n");
    fs::create_directory_symlink(base_ / "outside", t / "link");
  }
  ~Tree() { fs::remove_all(base_); }
  std::string root() const { return (base_ / "tree").string(); }

 private:
  fs::path base_;
};

// The units' names relative to `root`.
std::vector<std::string> Relative(const std::vector<std::string>& names, const std::string& root) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    out.push_back(name.rfind(root + "/", 0) == 0 ? name.substr(root.size() + 1) : name);
  }
  return out;
}

// The byte order of the full paths, written out by hand: '-' (0x2d) < '.'
// (0x2e) < '/' (0x2f) < '0' (0x30), so "a-b/…" < "a.json" < "a/…" < "a0.json".
const std::vector<std::string> kExpected = {
    "a-b/z.json", "a.json",  "a/b.json",    "a/b/y.json",
    "a/x.json",   "a0.json", "link/q.json", "z.json",
};

}  // namespace

TEST_CASE("listing: a folder streams in the byte order of its full paths", "[sources]") {
  Tree tree;
  std::vector<std::string> streamed;
  auto listed = ListSources({tree.root()}, SourceOptions{}, [&](SourceUnit&& unit) {
    CHECK(unit.path == unit.name);
    CHECK(unit.kind == UnitKind::kFile);
    streamed.push_back(unit.name);
    return true;
  });
  REQUIRE(listed.ok());
  CHECK(Relative(streamed, tree.root()) == kExpected);
  CHECK(listed->units.empty());
  CHECK(listed->skipped_names == 1);  // b.txt; hidden entries are not counted

  // The vector form gives the same units in the same order.
  auto collected = ListSources({tree.root()}, SourceOptions{});
  REQUIRE(collected.ok());
  std::vector<std::string> names;
  for (const SourceUnit& unit : collected->units) names.push_back(unit.name);
  CHECK(names == streamed);

  // A trailing '/' on the spec is kept as std::filesystem joins paths.
  std::vector<std::string> slashed;
  REQUIRE(ListSources({tree.root() + "/"}, SourceOptions{}, [&](SourceUnit&& unit) {
            slashed.push_back(unit.name);
            return true;
          }).ok());
  REQUIRE(slashed.size() == kExpected.size());
  CHECK(slashed.front() == tree.root() + "/a-b/z.json");
}

TEST_CASE("listing: the callback returning false stops the listing", "[sources]") {
  Tree tree;
  std::vector<std::string> seen;
  auto listed = ListSources({tree.root(), tree.root()}, SourceOptions{}, [&](SourceUnit&& unit) {
    seen.push_back(unit.name);
    return seen.size() < 3;
  });
  REQUIRE(listed.ok());
  CHECK(Relative(seen, tree.root()) ==
        std::vector<std::string>{"a-b/z.json", "a.json", "a/b.json"});

  // Standard input is a unit like any other.
  size_t calls = 0;
  REQUIRE(ListSources({"-", tree.root()}, SourceOptions{}, [&](SourceUnit&& unit) {
            ++calls;
            CHECK(unit.kind == UnitKind::kStdin);
            return false;
          }).ok());
  CHECK(calls == 1);
}

TEST_CASE("listing: batches carry the index of their first unit", "[sources]") {
  Tree tree;
  std::vector<size_t> firsts, sizes;
  std::vector<std::string> names;
  auto listed = ListSourceBatches({tree.root()}, SourceOptions{}, 3,
                                  [&](size_t first, std::vector<SourceUnit>& units) {
                                    firsts.push_back(first);
                                    sizes.push_back(units.size());
                                    for (const SourceUnit& u : units) names.push_back(u.name);
                                    return true;
                                  });
  REQUIRE(listed.ok());
  CHECK(firsts == std::vector<size_t>{0, 3, 6});
  CHECK(sizes == std::vector<size_t>{3, 3, 2});
  CHECK(Relative(names, tree.root()) == kExpected);

  firsts.clear();
  REQUIRE(ListSourceBatches({tree.root()}, SourceOptions{}, 3,
                            [&](size_t first, std::vector<SourceUnit>&) {
                              firsts.push_back(first);
                              return false;
                            })
              .ok());
  CHECK(firsts == std::vector<size_t>{0});
}

TEST_CASE("listing: batches reach the calling thread while the listing runs ahead", "[sources]") {
  Tree tree;
  const std::thread::id me = std::this_thread::get_id();
  bool on_caller = true;
  std::vector<std::string> names;
  auto listed = ListSourceBatches({tree.root()}, SourceOptions{}, 1,
                                  [&](size_t, std::vector<SourceUnit>& units) {
                                    on_caller = on_caller && std::this_thread::get_id() == me;
                                    for (const SourceUnit& u : units) names.push_back(u.name);
                                    return true;
                                  });
  REQUIRE(listed.ok());
  CHECK(on_caller);
  CHECK(Relative(names, tree.root()) == kExpected);

  // A batch callback that throws: the exception reaches the caller and the
  // listing thread is stopped and joined (no hang, no terminate).
  size_t batches = 0;
  CHECK_THROWS_WITH(ListSourceBatches({tree.root()}, SourceOptions{}, 2,
                                      [&](size_t, std::vector<SourceUnit>&) -> bool {
                                        if (++batches == 2)
                                          throw std::runtime_error("reader gave up");
                                        return true;
                                      }),
                    "reader gave up");
  CHECK(batches == 2);
}

TEST_CASE("listing: a symbolic link back up is not walked again", "[sources]") {
  const fs::path base =
      fs::temp_directory_path() / ("iam-audit-listing-loop-" + std::to_string(::getpid()));
  fs::remove_all(base);
  Write(base / "d" / "f.json", "{}\n");
  Write(base / "g.json", "{}\n");
  fs::create_directory_symlink(base, base / "d" / "up");
  std::vector<std::string> seen;
  auto listed = ListSources({base.string()}, SourceOptions{}, [&](SourceUnit&& unit) {
    seen.push_back(unit.name);
    return true;
  });
  fs::remove_all(base);
  REQUIRE(listed.ok());
  CHECK(Relative(seen, base.string()) == std::vector<std::string>{"d/f.json", "g.json"});
}

TEST_CASE("listing: a bad spec hands on no unit", "[sources]") {
  Tree tree;
  size_t calls = 0;
  auto listed =
      ListSources({tree.root(), "/nonexistent/trail"}, SourceOptions{}, [&](SourceUnit&&) {
        ++calls;
        return true;
      });
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.status().message() == "/nonexistent/trail: no such file or folder");
  CHECK(calls == 0);
}

TEST_CASE("listing: sizes are known for files named directly, not in folders", "[sources]") {
  Tree tree;
  auto folder = ListSources({tree.root()}, SourceOptions{});
  REQUIRE(folder.ok());
  for (const SourceUnit& unit : folder->units) {
    CHECK_FALSE(unit.size_known);
    CHECK(unit.size == 0);
  }
  auto file = ListSources({tree.root() + "/b.txt"}, SourceOptions{});
  REQUIRE(file.ok());
  REQUIRE(file->units.size() == 1);
  CHECK(file->units[0].size_known);
  CHECK(file->units[0].size == 12);  // "not records\n"

  // A folder's file is read whole without a size from the listing.
  std::vector<std::string> records;
  SourceOptions options;
  options.all_files = true;
  const std::string log = tree.root() +
                          "/AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/"
                          "123456789012_CloudTrail_us-east-1_20240501T1200Z_AAAAAAAAAAAAAAAA.json";
  Write(log, "{\"Records\":[{\"n\":1},{\"n\":2}]}");
  auto listed = ListSources({tree.root() + "/AWSLogs"}, options);
  REQUIRE(listed.ok());
  REQUIRE(listed->units.size() == 1);
  const UnitStats stats = ReadUnit(
      listed->units[0], options,
      [&](std::string_view json, const SourcePosition&) { records.emplace_back(json); },
      [](const SourcePosition&, const std::string&) {});
  CHECK(records == std::vector<std::string>{"{\"n\":1}", "{\"n\":2}"});
  CHECK(stats.bytes == 29);  // the file's length
}

TEST_CASE("listing: the counting listing of a progress line", "[sources]") {
  Tree tree;
  UnitCount count({tree.root(), tree.root() + "/b.txt"}, SourceOptions{});
  count.Wait();
  REQUIRE(count.done());
  CHECK(count.units() == 9);  // the tree's 8 and b.txt named directly
  CHECK(count.bytes() == 12);
  CHECK_FALSE(count.all_sizes_known());

  UnitCount file({tree.root() + "/b.txt"}, SourceOptions{});
  file.Wait();
  REQUIRE(file.done());
  CHECK(file.units() == 1);
  CHECK(file.all_sizes_known());

  UnitCount missing({"/nonexistent/trail"}, SourceOptions{});
  missing.Wait();
  CHECK_FALSE(missing.done());
}

}  // namespace iam_audit::sources
