#!/usr/bin/env python3
"""cfn_check.py against its table: the templates in deploy/ (iam-audit.yaml,
iam-audit-s3.yaml, iam-audit-eventbridge.yaml) and valid/*.yaml must pass;
each broken/*.yaml must fail with exactly the errors its `# expect:` header
lines name (line: path: message), nothing more, nothing less. The
table goes through check_template (the spec is loaded once); the command line
is run on one broken template for its exit status and output.

Usage: cfn_check_test.py SPECIFICATION_JSON PROJECT_ROOT"""
import glob
import json
import os
import subprocess
import sys

spec_path, root = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import cfn_check  # noqa: E402

failures = []
if not os.path.isfile(spec_path):
    print(f"FAIL: no CloudFormation specification at {spec_path}")
    sys.exit(1)
with open(spec_path) as f:
    spec = json.load(f)

# The shipped templates, by name (a missing one fails: it cannot be read), and
# any other template in deploy/; then the table's valid templates.
shipped = ["iam-audit.yaml", "iam-audit-s3.yaml", "iam-audit-eventbridge.yaml"]
deploy_dir = os.path.join(root, "deploy")
shipped += sorted(os.path.basename(p) for p in glob.glob(os.path.join(deploy_dir, "*.yaml"))
                  if os.path.basename(p) not in shipped)
valid = [os.path.join(deploy_dir, name) for name in shipped] \
    + sorted(glob.glob(os.path.join(here, "valid", "*.yaml")))
for path in valid:
    errors = cfn_check.check_template(spec, path)
    if errors:
        failures.append(f"{path}: expected to pass, got:\n  " + "\n  ".join(errors))
    else:
        print(f"ok: {os.path.relpath(path, root)} passes")

broken = sorted(glob.glob(os.path.join(here, "broken", "*.yaml")))
if len(broken) < 10:
    failures.append(f"only {len(broken)} broken templates found in {here}/broken")
for path in broken:
    with open(path) as f:
        expected = [line[len("# expect: "):].rstrip("\n") for line in f if line.startswith("# expect: ")]
    if not expected:
        failures.append(f"{path}: no '# expect:' line")
        continue
    errors = cfn_check.check_template(spec, path)
    got = [e[len(path) + 1:] if e.startswith(path + ":") else e for e in errors]
    if sorted(got) != sorted(expected):
        failures.append(f"{os.path.basename(path)}:\n  want: " + "\n        ".join(expected)
                        + "\n  got:  " + "\n        ".join(got))
    else:
        print(f"ok: {os.path.basename(path)} fails with: {'; '.join(expected)}")

# The command line: exit 1 and the error on stdout for a broken template.
path = os.path.join(here, "broken", "unknown_property.yaml")
p = subprocess.run([sys.executable, os.path.join(here, "cfn_check.py"), spec_path, path],
                   capture_output=True, text=True, timeout=60)
want = f"{path}:7: Resources.Logs.Properties.RetentionDays: unknown property 'RetentionDays' of AWS::Logs::LogGroup"
if p.returncode != 1 or p.stdout.splitlines() != [want]:
    failures.append(f"cfn_check.py {path}: exit {p.returncode} (want 1), stdout {p.stdout!r}, stderr {p.stderr!r}")

for f in failures:
    print("FAIL:", f)
print(f"cfn_check: {len(valid)} valid, {len(broken)} broken templates, {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
