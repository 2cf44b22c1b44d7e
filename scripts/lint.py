#!/usr/bin/env python3
"""The style checks scripts/test.sh enforces; a finding fails the run.

  scripts/lint.py [--build DIR] [--format-only]

1. clang-format (.clang-format): every tracked C++ file (*.cc, *.h) must be
   exactly as clang-format writes it. Fix with:
     git ls-files '*.cc' '*.h' | xargs clang-format -i
2. clang-tidy (.clang-tidy, the chosen check set is documented there) on the
   product's translation units: every *.cc under engine/, simulator/ and
   mock_slack/ in the build's compile_commands.json. Tests, benchmarks and
   fuzz targets are not checked by clang-tidy (they are formatted like the
   rest). clang-tidy is slow (seconds per file), so each file's result is
   kept in DIR/lint-cache under a hash of its preprocessed source, the
   check configuration and the compile command: a rerun checks only what
   changed, headers included.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import pathlib
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRODUCT_DIRS = ("engine/", "simulator/", "mock_slack/")


def tracked_cxx_files():
    out = subprocess.run(["git", "ls-files", "*.cc", "*.h"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line]


def check_format(files):
    bad = []
    for i in range(0, len(files), 50):
        batch = files[i:i + 50]
        run = subprocess.run(["clang-format", "--dry-run", "--Werror", *batch], cwd=ROOT,
                             capture_output=True, text=True)
        if run.returncode != 0:
            for line in run.stderr.splitlines():
                if ": error:" in line:
                    name = line.split(":", 1)[0]
                    if name not in bad:
                        bad.append(name)
    for name in bad:
        print(f"lint: clang-format: {name} is not formatted", file=sys.stderr)
    if bad:
        print("lint: fix with: git ls-files '*.cc' '*.h' | xargs clang-format -i",
              file=sys.stderr)
    return not bad


def preprocess_command(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "-o":
            skip = True
            continue
        if arg in ("-c", "-MD", "-MMD") or arg.startswith("-MF") or arg.startswith("-MT"):
            if arg in ("-MF", "-MT"):
                skip = True
            continue
        out.append(arg)
    return out + ["-E", "-P", "-o", "-"]


def tidy_one(entry, build, cache, config_key):
    source = entry["file"]
    pre = subprocess.run(preprocess_command(entry), cwd=entry["directory"], capture_output=True)
    digest = hashlib.sha256()
    digest.update(config_key)
    digest.update(entry.get("command", " ".join(entry.get("arguments", []))).encode())
    digest.update(pre.stdout if pre.returncode == 0 else os.urandom(16))
    stamp = cache / digest.hexdigest()
    if stamp.exists():
        return source, True, ""
    run = subprocess.run(["clang-tidy", "-p", str(build), "--quiet", "--warnings-as-errors=*",
                          source], cwd=ROOT, capture_output=True, text=True)
    if run.returncode == 0:
        stamp.touch()
        return source, True, ""
    return source, False, run.stdout + run.stderr


def check_tidy(build):
    db_path = build / "compile_commands.json"
    if not db_path.exists():
        print(f"lint: {db_path} is missing: build first (scripts/build.sh)", file=sys.stderr)
        return False
    entries = []
    for entry in json.loads(db_path.read_text()):
        rel = os.path.relpath(entry["file"], ROOT)
        if rel.startswith(PRODUCT_DIRS) and rel.endswith(".cc"):
            entries.append(entry)
    cache = build / "lint-cache"
    cache.mkdir(exist_ok=True)
    version = subprocess.run(["clang-tidy", "--version"], capture_output=True, text=True).stdout
    config_key = (version + (ROOT / ".clang-tidy").read_text()).encode()
    ok = True
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = [pool.submit(tidy_one, e, build, cache, config_key) for e in entries]
        for future in concurrent.futures.as_completed(futures):
            source, passed, output = future.result()
            if not passed:
                ok = False
                print(f"lint: clang-tidy: {os.path.relpath(source, ROOT)}:", file=sys.stderr)
                print(output, file=sys.stderr)
    print(f"lint: clang-tidy checked {len(entries)} translation units"
          f"{'' if ok else ' with findings'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.environ.get("IAM_AUDIT_BUILD_DIR", ROOT / "build"))
    parser.add_argument("--format-only", action="store_true")
    args = parser.parse_args()
    ok = check_format(tracked_cxx_files())
    if ok:
        print("lint: clang-format: every C++ file is formatted")
    if not args.format_only:
        ok = check_tidy(pathlib.Path(args.build).resolve()) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
