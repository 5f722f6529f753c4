#!/usr/bin/env bash
# run_matrix.sh BUILD_DIR SOURCE_DIR - `kssim run --matrix LEVELS` through the real command: the exact text table
# of a small scenario, the marks where a result changes between releases and where a step misses its expectation,
# the exit status judged per level as for run, the JSON (parsed by python3), the same bytes on every run, and the
# option combinations refused with a sentence (exit 2).
set -u
build=${1:?usage: run_matrix.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: run_matrix.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"
source_dir=$(cd "$source_dir" && pwd)

cd "$work" || exit 1
cat >plain.yaml <<'YAML'
name: A key without user authentication signs on every release
steps:
  - generate_key: {alias: plain, algorithm: ec, purposes: [sign]}
  - sign: {key: plain, data: hello}
YAML

# Every level met: exit 0, and the table exactly.
expect_status 0 "$kssim" run --matrix 30,34 plain.yaml
cat >expected <<'TEXT'
# plain.yaml: A key without user authentication signs on every release (seed 1)
step                                                    | api 30   | api 34
1 generate_key alias=plain algorithm=ec purposes=[sign] | ok (0)   | ok (0)
2 sign key=plain data=hello                             | ok (0)   | ok (0)
verdict                                                 | passed   | passed

* differs from the level to its left; ! the step missed its expectation on that level
2 passed, 0 failed
TEXT
diff -u expected out >diff.txt || { fail "the text matrix differs:"; cat diff.txt; }

# Android 11 keeps the first of two tokens, Android 12 the last (token-cache-replace-api31.yaml expects 12's):
# on 30 the step misses (!), and 31 differs from 30 (*); one run failed, so exit 1.
expect_status 1 "$kssim" run --matrix 30,31 "$source_dir/scenarios/token-cache-replace-api31.yaml"
has_text out '9 sign key=timed data="the replayed token replaced it"          | ok (0) ! | KEY_USER_NOT_AUTHENTICATED (-26) / UserNotAuthenticatedException*'
has_text out '1 passed, 1 failed'

# Per-release expectations are judged per level: the recipe passes on all six levels, with its differences marked.
expect_status 0 "$kssim" run --matrix 28,30,31,33,34,35 "$source_dir/scenarios/recipes/device-credential-per-version.yaml"
has_text out '| INVALID_ARGUMENT (-38) / ProviderException                              | ok (0)*  '
has_text out '6 passed, 0 failed'

# JSON: parsed by an outside parser, with the cells' flags.
if ! command -v python3 >/dev/null; then
    fail "python3 is not installed (scripts/install-deps.sh installs it): the JSON cannot be checked"
else
    expect_status 1 "$kssim" run --matrix 30,31 --format json "$source_dir/scenarios/token-cache-replace-api31.yaml"
    python3 - "$work/out" <<'PY' || fail "the matrix JSON is not what was expected"
import json, sys
document = json.load(open(sys.argv[1]))
scenario = document["matrix"][0]
assert scenario["levels"] == [30, 31], scenario["levels"]
assert scenario["passed"] == [False, True]
row = scenario["steps"][8]
assert row["number"] == 9 and row["differs"] is True, row
assert row["cells"][0]["met"] is False and row["cells"][0]["expected"].startswith("KEY_USER_NOT_AUTHENTICATED")
assert row["cells"][1]["differs"] is True and row["cells"][1]["result"] != 0
assert scenario["steps"][0]["differs"] is False
assert (document["passed"], document["failed"], document["complete"]) == (1, 1, True)
PY
fi

# The same bytes every time, in every flavour.
for format in text json html; do
    "$kssim" run --matrix 28,31,34 --format "$format" "$source_dir/scenarios/reboot-locks-auth-keys.yaml" >one 2>&1
    "$kssim" run --matrix 28,31,34 --format "$format" "$source_dir/scenarios/reboot-locks-auth-keys.yaml" >two 2>&1
    cmp -s one two || fail "--matrix --format $format printed different bytes on two runs"
done

# Options that do not fit together, each refused with what to do instead.
expect_status 2 "$kssim" run --matrix 30,34 --api-level 30 plain.yaml
has_text err "--matrix names the levels itself"
expect_status 2 "$kssim" run --matrix 30,34 --format tap plain.yaml
has_text err "use --format text (default), json or html"
# Without --matrix, --format json is the run's document (run_json.sh), not a one-column matrix.
expect_status 0 "$kssim" run --format json plain.yaml
has_text out '"number": 1, "action": "generate_key"'
expect_status 2 "$kssim" run --matrix 30,99 plain.yaml
has_text err "--matrix: API level 99 is not a release kssim models"

if [ "$failures" -ne 0 ]; then
    echo "run_matrix: $failures failure(s)"
    exit 1
fi
echo "run_matrix: all checks passed"
