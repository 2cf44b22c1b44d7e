#!/usr/bin/env python3
"""Side-by-side scan of a CloudTrail archive (many small gzip log files).

Question: how fast does `iam-audit test-filter` backtest a filter pattern over
a CloudTrail archive as S3 holds it (AWSLogs/ACCOUNT/CloudTrail/REGION/
YYYY/MM/DD/*.json.gz, about ten records per file), on one core and on two,
from a folder and from s3://, against what a user would otherwise run?

The archive is made by `iam-audit generate --format cloudtrail` (seed 7,
--records-per-file 10, --days 1 or less: about one file per ten records) into a temp
folder (never into the repository). On the same files, the same pattern (the
original Lambda's subscription filter, a JSON pattern):

  iam-audit --jobs 1     test-filter --count -p PATTERN --jobs 1 DIR
  iam-audit --jobs 2     the same with --jobs 2
  zcat                   xargs zcat over the files, output discarded: the
                         decompression floor (gzip's own inflate)
  zcat | jq              xargs zcat | jq '.Records[] | select(same predicate)'
  python                 a gzip + json loop doing the same selection
  iam-audit s3://        test-filter s3://bench/ (--jobs 2, and the default
                         for S3: 4 per CPU, at least 8) against a local
                         s3rver (tests/aws/s3rver_harness.py) holding the
                         files (uploaded with boto3), beside the same files
                         read from a folder with --jobs 2; s3rver's own CPU
                         time is printed (/proc/PID/stat)

Counts must agree (iam-audit --jobs 1 = --jobs 2; iam-audit = jq = python on
the baseline set; s3:// = folder), else exit 1. Times: CPU is the child's
user + system time (wait4, children included: xargs' zcat, the shell
pipeline), wall from the parent; best of --runs by CPU (jq and python run
once). jq and python run on at most --baseline-records records' worth of
files (the first files in path order, linked into a folder of their own,
where iam-audit runs again for the ratio): their rate does not depend on
the size. The S3 comparison uses at most --s3-files files.

Targets (RESULT lines, bench/README.md): CPU iam-audit --jobs 1 <= 0.5x
zcat's; >= 15x faster than zcat | jq and >= 8x than python (CPU); wall
--jobs 2 <= 0.6x --jobs 1; s3:// wall <= 2x the folder's. The serial
fraction f of a run comes from Amdahl's law with the --jobs 1 and --jobs 2
walls (speed-up S2 = T1 / T2, f = 2 / S2 - 1), and the model
S(N) = 1 / (f + (1 - f) / N) is printed for a few N. On a machine busy
with other work the walls (and f) are noise; the load average is printed.

Usage: bench/archive_scan.py [--records N] [--runs R] [--build-dir DIR]
         [--skip-build] [--no-s3] [--s3-files N] [--baseline-records N]
         [--keep DIR] [--quick]
  --records 1000000 is the 1 M records / ~100 k files size.
  --quick (or BENCH_SMOKE=1): 2000 records, one run, no s3 (counts only
  matter then: the ctest `bench-archive-scan-quick` runs it).
Exit: 0 counts agree, 1 a count differs or a tool failed, 77 a tool is missing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PATTERN = ('{ ($.userIdentity.type = "IAMUser") && ($.eventName != "Get*") && '
           '($.eventName != "Describe*") }')
JQ_PROGRAM = ('.Records[] | select((.userIdentity.type? == "IAMUser") and '
              '((.eventName? | type) == "string") and ((.eventName | startswith("Get")) | not) and '
              '((.eventName | startswith("Describe")) | not))')
PYTHON_LOOP = r'''
import gzip, json, sys
n = 0
for path in open(sys.argv[1]).read().splitlines():
    with open(path, "rb") as f:
        doc = json.loads(gzip.decompress(f.read()))
    for r in doc["Records"]:
        ui, en = r.get("userIdentity"), r.get("eventName")
        if (isinstance(ui, dict) and ui.get("type") == "IAMUser" and isinstance(en, str)
                and not en.startswith("Get") and not en.startswith("Describe")):
            n += 1
print(n)
'''


def timed(cmd, env=None, stdout_path=os.devnull):
    """Runs cmd; returns (wall s, cpu s, maxrss KiB, stdout text, returncode).

    The peak RSS is GNU time's %M for cmd: wait4's ru_maxrss of a child
    forked from this Python process starts from this process's own peak
    (Linux keeps the high-water mark across fork and exec), so it would
    report Python's size, not the command's. /usr/bin/time forks cmd from a
    small process of its own."""
    with open(stdout_path, "wb") as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss_file:
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *cmd],
                             stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        errtext = err.read().decode(errors="replace")
        rss_lines = rss_file.read().split()
    text = open(stdout_path).read() if stdout_path != os.devnull else ""
    if p.returncode != 0:
        print(f"archive_scan: {cmd[0]} ... failed (exit {p.returncode}):\n{errtext}", file=sys.stderr)
    maxrss = int(rss_lines[-1]) if rss_lines and rss_lines[-1].isdigit() else 0
    return wall, ru.ru_utime + ru.ru_stime, maxrss, text, p.returncode


def best(cmd, runs, tmp, env=None):
    """Best of `runs` by CPU: dict(wall, cpu, rss, out)."""
    res = None
    for _ in range(runs):
        w, c, r, out, rc = timed(cmd, env=env, stdout_path=os.path.join(tmp, "out"))
        if rc != 0:
            return None
        if res is None or c < res["cpu"]:
            res = {"wall": w, "cpu": c, "rss": r, "out": out.strip()}
    return res


def result(obj):
    print("RESULT " + json.dumps(obj, separators=(",", ":")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--records-per-file", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", os.path.join(ROOT, "build-release")))
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--no-s3", action="store_true")
    ap.add_argument("--s3-files", type=int, default=20000)
    ap.add_argument("--baseline-records", type=int, default=100000)
    ap.add_argument("--keep", help="make (or reuse) the archive in this folder and keep it")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick or os.environ.get("BENCH_SMOKE") == "1":
        args.records, args.runs, args.no_s3 = 2000, 1, True

    for tool in ("jq", "zcat", "xargs"):
        if shutil.which(tool) is None:
            print(f"SKIP archive_scan: {tool} not found")
            return 77
    build = os.path.abspath(args.build_dir)
    if not args.skip_build and os.environ.get("FILTER_SCAN_SKIP_BUILD") != "1":
        print(f"== build (Release, {build})", flush=True)
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                        "-DIAM_AUDIT_BUILD_TESTS=OFF"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", build, "--target", "iam_audit_cli", "-j2"], check=True,
                       stdout=subprocess.DEVNULL)
    cli = os.path.join(build, "bin", "iam-audit")
    if not os.access(cli, os.X_OK):
        print(f"archive_scan: {cli} not built", file=sys.stderr)
        return 1

    tmp = tempfile.mkdtemp(prefix="iam-audit-archive-")
    try:
        return run(args, cli, build, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def list_files(top):
    files = []
    for dp, dns, fns in os.walk(top):
        dns[:] = [d for d in dns if not d.startswith(".")]
        files.extend(os.path.join(dp, f) for f in fns if f.endswith(".json.gz"))
    files.sort()
    return files


def link_subset(files, src_root, dst_root):
    for f in files:
        dst = os.path.join(dst_root, os.path.relpath(f, src_root))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.link(f, dst)


def run(args, cli, build, tmp):
    status = 0
    load = open("/proc/loadavg").read().split()[:3]
    arch = os.path.abspath(args.keep) if args.keep else os.path.join(tmp, "archive")
    if not os.path.isdir(os.path.join(arch, "AWSLogs")):
        print(f"== generate {args.records} records into {arch}", flush=True)
        t0 = time.perf_counter()
        # One day, or less for a small archive, so that most files are full:
        # records arrive per account, region (4) and 5-minute slice (288 a day).
        days = min(1.0, args.records / (1.2 * args.records_per_file * 4 * 288))
        subprocess.run([cli, "generate", "--seed", "7", "--events", str(args.records), "--format", "cloudtrail",
                        "--records-per-file", str(args.records_per_file), "--days", f"{days:.4f}",
                        "--out", arch],
                       check=True, stderr=subprocess.DEVNULL)
        print(f"   {time.perf_counter() - t0:.1f} s", flush=True)
    files = list_files(arch)
    gz_bytes = sum(os.path.getsize(f) for f in files)
    listing = os.path.join(tmp, "files.txt")
    open(listing, "w").write("\n".join(files) + "\n")
    print(f"== {len(files)} log files, {gz_bytes / 1e6:.1f} MB gzip, {args.records} records; "
          f"load average {' '.join(load)} on {os.cpu_count()} CPUs", flush=True)

    fmt = "  {:<26} {:>9} matches {:>9.3f} s wall {:>9.3f} s cpu {:>8} KiB peak RSS {:>10} records/s cpu"
    rows = {}

    def show(name, r, records):
        rows[name] = r
        rate = records / r["cpu"] if r["cpu"] > 0 else 0
        print(fmt.format(name, r["out"] or "-", r["wall"], r["cpu"], r["rss"], f"{rate:,.0f}"), flush=True)
        result({"bench": "archive_scan", "kind": "measure", "subject": name, "metric": "throughput",
                "value": round(rate), "unit": "records/s",
                "params": {"records": records, "files": len(files), "time": "cpu"}})

    ours = [cli, "test-filter", "--count", "--no-progress", "--no-summary", "-p", PATTERN]
    print("\n== full archive", flush=True)
    j1 = best(ours + ["--jobs", "1", arch], args.runs, tmp)
    j2 = best(ours + ["--jobs", "2", arch], args.runs, tmp)
    zc = best(["xargs", "-a", listing, "-d", "\n", "zcat"], args.runs, tmp)
    # The listing alone (every log file is then left out by the time in its
    # name, so none is read). It runs on a thread of its own, one batch
    # ahead of the reading, so it is not a serial part of a run.
    ls = best(ours + ["--jobs", "1", "--since", "2999-01-01", arch], args.runs, tmp)
    if not (j1 and j2 and zc and ls):
        return 1
    zc["out"] = ""
    show("iam-audit --jobs 1", j1, args.records)
    show("iam-audit --jobs 2", j2, args.records)
    show("zcat (decompress only)", zc, args.records)
    print(f"  {'listing only (overlapped)':<26} {ls['wall']:>27.3f} s wall {ls['cpu']:>9.3f} s cpu", flush=True)
    if j1["out"] != j2["out"]:
        print(f"  COUNT MISMATCH: --jobs 1 {j1['out']} vs --jobs 2 {j2['out']}")
        status = 1

    # Baselines on at most --baseline-records records' worth of files.
    per_file = args.records / max(1, len(files))
    take = len(files) if args.records <= args.baseline_records else int(args.baseline_records / per_file)
    base_files = files[:take]
    base_dir, base_list = arch, listing
    base_records = args.records
    if take < len(files):
        base_dir = os.path.join(tmp, "baseline")
        link_subset(base_files, arch, base_dir)
        base_list = os.path.join(tmp, "baseline.txt")
        open(base_list, "w").write("\n".join(base_files) + "\n")
        # The records in the subset, counted by a plain reader.
        cnt = best([cli, "test-filter", "--count", "--no-progress", "--no-summary", "-p", "", "--jobs", "2",
                    base_dir], 1, tmp)
        base_records = int(cnt["out"]) if cnt else 0
    print(f"\n== baselines on {len(base_files)} files ({base_records} records)", flush=True)
    ob = j1 if base_dir == arch else best(ours + ["--jobs", "1", base_dir], args.runs, tmp)
    jq = best(["bash", "-c", f"xargs -a '{base_list}' -d '\\n' zcat | jq -c '{JQ_PROGRAM}' | wc -l"], 1, tmp)
    py = best([sys.executable, "-c", PYTHON_LOOP, base_list], 1, tmp)
    if not (ob and jq and py):
        return 1
    if base_dir != arch:
        show("iam-audit --jobs 1 (subset)", ob, base_records)
    show("zcat | jq", jq, base_records)
    show("python gzip+json", py, base_records)
    for name, r in (("jq", jq), ("python", py)):
        if r["out"] != ob["out"]:
            print(f"  COUNT MISMATCH: iam-audit {ob['out']} vs {name} {r['out']}")
            status = 1

    s3 = None
    if not args.no_s3:
        s3 = s3_compare(args, cli, build, files, arch, tmp)
        if s3 is None:
            status = 1
        elif s3[0]["out"] != s3[1]["out"]:
            print(f"  COUNT MISMATCH: folder {s3[0]['out']} vs s3:// {s3[1]['out']}")
            status = 1

    def ratio(a, b):
        return a / b if b > 0 else float("inf")

    def target(name, value, op, goal, params=None):
        ok = value <= goal if op == "<=" else value >= goal
        print(f"  {name:<44} {value:8.2f}x   target {op} {goal}x   {'met' if ok else 'MISSED'}")
        result({"bench": "archive_scan", "kind": "target", "name": name, "value": round(value, 3), "op": op,
                "target": goal, "unit": "x", "params": params or {"records": args.records}})

    print("\n== ratios", flush=True)
    target("cpu iam-audit --jobs 1 / zcat", ratio(j1["cpu"], zc["cpu"]), "<=", 0.5)
    target("cpu speed-up iam-audit vs zcat | jq", ratio(jq["cpu"], ob["cpu"]), ">=", 15,
           {"records": base_records})
    target("cpu speed-up iam-audit vs python", ratio(py["cpu"], ob["cpu"]), ">=", 8, {"records": base_records})
    target("wall --jobs 2 / --jobs 1", ratio(j2["wall"], j1["wall"]), "<=", 0.6)
    if s3:
        target("wall s3:// (best jobs) / folder (--jobs 2)", ratio(s3[1]["wall"], s3[0]["wall"]), "<=", 2,
               {"files": s3[2]})
    s2 = ratio(j1["wall"], j2["wall"])
    f = min(1.0, max(0.0, 2.0 / s2 - 1.0))
    model = lambda f: ", ".join(f"N={n}: {1.0 / (f + (1.0 - f) / n):.2f}x" for n in (1, 2, 4, 8, 16, 64))
    print(f"\n== Amdahl: speed-up with 2 jobs {s2:.2f}x (wall), serial fraction f = 2/S2 - 1 = {f:.2f}")
    print(f"   model S(N) = 1 / (f + (1 - f) / N): {model(f)}")
    print(f"   cpu --jobs 2 / --jobs 1: {ratio(j2['cpu'], j1['cpu']):.2f} (threading overhead)")
    result({"bench": "archive_scan", "kind": "measure", "subject": "iam-audit", "metric": "serial_fraction",
            "value": round(f, 3), "unit": "", "params": {"records": args.records, "from": "walls"}})
    return status


def s3_compare(args, cli, build, files, arch, tmp):
    """(folder result, s3 result, files) for the same files, --jobs 2."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "aws"))
    import s3rver_harness  # noqa: E402
    try:
        import boto3  # noqa: F401
    except ImportError:
        print("archive_scan: boto3 not installed (needed to fill s3rver)", file=sys.stderr)
        return None
    sub = files[:args.s3_files]
    sub_dir = arch
    if len(sub) < len(files):
        sub_dir = os.path.join(tmp, "s3-subset")
        link_subset(sub, arch, sub_dir)
    install = os.environ.get("S3RVER_INSTALL_DIR", os.path.join(build, "tests", "aws", "s3rver"))
    entry = s3rver_harness.install(os.path.join(ROOT, "tests", "aws", "s3rver"), install)
    data = os.path.join(tmp, "s3rver-data")
    os.makedirs(data)
    server = s3rver_harness.start(entry, data, buckets=["bench"])
    try:
        import boto3
        from botocore.config import Config
        client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id="S3RVER",
                              aws_secret_access_key="S3RVER", region_name="us-east-1",
                              config=Config(max_pool_connections=16, retries={"max_attempts": 5}))
        print(f"\n== s3: uploading {len(sub)} files to s3rver at {server.endpoint}", flush=True)
        t0 = time.perf_counter()
        errors = []
        lock = threading.Lock()
        it = iter(sub)

        def upload():
            while True:
                with lock:
                    f = next(it, None)
                if f is None:
                    return
                try:
                    client.put_object(Bucket="bench", Key=os.path.relpath(f, arch), Body=open(f, "rb").read())
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(f"{f}: {e}")
                    return
        threads = [threading.Thread(target=upload) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            print("archive_scan: upload failed: " + errors[0], file=sys.stderr)
            return None
        print(f"   {time.perf_counter() - t0:.1f} s", flush=True)
        env = dict(os.environ, AWS_ENDPOINT_URL_S3=server.endpoint, AWS_ACCESS_KEY_ID="S3RVER",
                   AWS_SECRET_ACCESS_KEY="S3RVER", AWS_REGION="us-east-1")
        env.pop("AWS_SESSION_TOKEN", None)
        ours = [cli, "test-filter", "--count", "--no-progress", "--no-summary", "-p", PATTERN]

        def server_cpu():  # s3rver's own CPU seconds so far (/proc/PID/stat utime + stime)
            fields = open(f"/proc/{server.proc.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        folder = best(ours + ["--jobs", "2", sub_dir], args.runs, tmp)
        runs = []
        # --jobs 2, and the default for s3:// sources (4 per CPU, at least 8).
        for label, jobs in (("--jobs 2", ["--jobs", "2"]), ("default --jobs", [])):
            c0 = server_cpu()
            r = best(ours + jobs + ["s3://bench/"], 1, tmp, env=env)
            if r is None:
                return None
            r["server_cpu"] = server_cpu() - c0
            runs.append((label, r))
        n = len(sub)
        fmt = "  {:<26} {:>9} matches {:>9.3f} s wall {:>9.3f} s cpu {:>10} files/s wall{}"
        rows = [("folder --jobs 2", folder)] + [(f"s3:// {label}", r) for label, r in runs]
        for name, r in rows:
            extra = f"   (s3rver: {r['server_cpu']:.3f} s cpu)" if "server_cpu" in r else ""
            print(fmt.format(name, r["out"], r["wall"], r["cpu"], f"{n / r['wall']:,.0f}", extra))
            result({"bench": "archive_scan", "kind": "measure", "subject": f"iam-audit {name}",
                    "metric": "throughput", "value": round(n / r["wall"]), "unit": "files/s",
                    "params": {"files": n, "time": "wall"}})
        s3 = min((r for _, r in runs), key=lambda r: r["wall"])
        if any(r["out"] != folder["out"] for _, r in runs):
            s3 = next(r for _, r in runs if r["out"] != folder["out"])
        return folder, s3, n
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
