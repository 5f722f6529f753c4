#!/usr/bin/env bash
# junit_tap.sh BUILD_DIR SOURCE_DIR - the CI formats as a CI server reads them: every JUnit <testsuite> and
# <testsuites> has the attributes Jenkins' JUnit schema asks for (name, tests, failures, errors, skipped, time),
# time is the virtual time the device's clocks moved (a reboot does not lose the time before it), an invalid
# scenario file (exit 2) gives a JUnit <error> with its diagnostic and a TAP "Bail out!".
set -u
build=${1:?usage: junit_tap.sh BUILD_DIR SOURCE_DIR}
source_dir="$(cd "${2:?usage: junit_tap.sh BUILD_DIR SOURCE_DIR}" && pwd)"
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"

# check_junit_shape FILE: the shape of Jenkins' JUnit schema; prints what is wrong, if anything.
check_junit_shape() {
    python3 - "$1" <<'PY'
import sys
from xml.dom import minidom
document = minidom.parse(sys.argv[1])
root = document.documentElement
problems = []
if root.tagName != "testsuites":
    problems.append("root is <%s>, not <testsuites>" % root.tagName)
def numeric(element, attribute, kind):
    value = element.getAttribute(attribute)
    try:
        kind(value)
    except ValueError:
        problems.append("<%s name=%r>: %s=%r is not a number" % (element.tagName, element.getAttribute("name"), attribute, value))
for element in [root] + root.getElementsByTagName("testsuite"):
    for attribute in ("name", "tests", "failures", "errors", "time"):
        if not element.hasAttribute(attribute):
            problems.append("<%s name=%r> lacks %s" % (element.tagName, element.getAttribute("name"), attribute))
    for attribute in ("tests", "failures", "errors"):
        numeric(element, attribute, int)
    numeric(element, "time", float)
suites = root.getElementsByTagName("testsuite")
for suite in suites:
    if not suite.hasAttribute("skipped"):
        problems.append("testsuite %r lacks skipped" % suite.getAttribute("name"))
    cases = suite.getElementsByTagName("testcase")
    if int(suite.getAttribute("tests") or -1) != len(cases):
        problems.append("testsuite %r: tests=%s but %d testcases" % (suite.getAttribute("name"), suite.getAttribute("tests"), len(cases)))
    if int(suite.getAttribute("failures") or -1) != len(suite.getElementsByTagName("failure")):
        problems.append("testsuite %r: failures does not count its <failure>s" % suite.getAttribute("name"))
    if int(suite.getAttribute("errors") or -1) != len(suite.getElementsByTagName("error")):
        problems.append("testsuite %r: errors does not count its <error>s" % suite.getAttribute("name"))
    for case in cases:
        for attribute in ("name", "classname"):
            if not case.hasAttribute(attribute):
                problems.append("a testcase lacks %s" % attribute)
for attribute in ("tests", "failures", "errors"):
    total = sum(int(s.getAttribute(attribute)) for s in suites)
    if int(root.getAttribute(attribute) or -1) != total:
        problems.append("testsuites %s=%s, the suites add up to %d" % (attribute, root.getAttribute(attribute), total))
print("\n".join(problems))
PY
}

cd "$work" || exit 1

cat >timed.yaml <<'YAML'
name: time passes, across a reboot
steps:
  - advance: 1500ms
  - reboot: {}
  - advance: 2s
  - delete_key: nothing
    expect: ok
YAML
cat >bad.yaml <<'YAML'
name: a step that does not exist
steps:
  - frobnicate: {}
YAML

expect_status 1 "$kssim" run --format junit timed.yaml
problems=$(check_junit_shape out)
[ -z "$problems" ] || fail "JUnit of timed.yaml does not meet the schema's shape: $problems"
grep -q '<testsuite name="timed.yaml @ api_level 34" tests="4" failures="1" errors="0" skipped="0" time="3.500">' out ||
    fail "JUnit: timed.yaml's suite lacks its counts or its virtual time 3.500 s: $(grep '<testsuite ' out)"
grep -q '<testsuites name="kssim run" tests="4" failures="1" errors="0" skipped="0" time="3.500">' out ||
    fail "JUnit: the root lacks the run's totals: $(grep '<testsuites' out)"

# The whole library of scenarios, in one document, meets the shape too.
expect_status 0 "$kssim" run --format junit "$source_dir/scenarios"
problems=$(check_junit_shape out)
[ -z "$problems" ] || fail "JUnit of scenarios/ does not meet the schema's shape: $(echo "$problems" | head -5)"

# A scenario the budget left no time for is an error of its suite, not a failure. slow.yaml hashes three
# new PINs with Gatekeeper's scrypt (over 10 ms each on any machine), so a 1 ms budget runs out inside it
# whatever the load, and timed.yaml after it is never run.
cat >slow.yaml <<'YAML'
name: three credentials, each hashed with scrypt
steps:
  - set_credential: {type: pin, secret: "1111"}
  - set_credential: {type: pin, secret: "2222"}
  - set_credential: {type: pin, secret: "3333"}
YAML
expect_status 3 "$kssim" run --format junit slow.yaml timed.yaml --timeout 1ms
grep -q 'not run' out || fail "JUnit: timed.yaml, which the budget left no time for, is not reported as not run"
problems=$(check_junit_shape out)
[ -z "$problems" ] || fail "JUnit with a scenario not run: $problems"
grep -q '<testsuite name="timed.yaml[^>]*errors="1"' out || fail "JUnit: the scenario not run is not counted as an error: $(grep '<testsuite ' out)"

# An invalid file: exit 2, its diagnostic on stderr as before, and in the document.
expect_status 2 "$kssim" run --format junit bad.yaml timed.yaml
grep -q "bad.yaml:3:5: unknown step 'frobnicate'" err || fail "invalid file: stderr lacks the diagnostic"
problems=$(check_junit_shape out)
[ -z "$problems" ] || fail "JUnit of an invalid run does not meet the schema's shape: $problems"
grep -q '<testsuite name="bad.yaml" tests="1" failures="0" errors="1" skipped="0" time="0.000">' out ||
    fail "JUnit: no error suite for bad.yaml: $(cat out)"
grep -q '<error type="invalid scenario" message="bad.yaml:3:5: unknown step &apos;frobnicate&apos;' out ||
    fail "JUnit: the error does not carry the diagnostic"
grep -q 'timed.yaml' out && fail "JUnit: the valid file of a refused run is reported as if it ran"

expect_status 2 "$kssim" run --format junit no-such.yaml
problems=$(check_junit_shape out)
[ -z "$problems" ] || fail "JUnit for a missing file: $problems"
grep -q 'message="no-such.yaml: ' out || fail "JUnit: the missing file's error lacks its diagnostic: $(cat out)"

expect_status 2 "$kssim" run --format tap bad.yaml
[ "$(head -n 1 out)" = "TAP version 13" ] || fail "TAP: no version line"
grep -q "^# bad.yaml:3:5: unknown step 'frobnicate'" out || fail "TAP: the diagnostic is not a comment"
grep -q "^Bail out! invalid input, nothing run: bad.yaml:3:5: unknown step 'frobnicate'" out ||
    fail "TAP: no Bail out! with the reason: $(cat out)"
grep -q '^1\.\.' out && fail "TAP: a plan for a run that did not start"

# The plain transcript of an invalid run stays empty: the diagnostics are on stderr.
expect_status 2 "$kssim" run bad.yaml
[ -s out ] && fail "text format: an invalid run printed a transcript"

report_failures junit_tap
