"""scenario_keys.py SCENARIO.yaml... - the attested keys a scenario makes, as kssim command lines.

For test/shell/attestation_parsers.sh, so that the outside parsers read a chain like every one the
scenario library makes: prints one line per (API level, generate_key step with an attestation_challenge
that is expected to succeed):

    FILE|API_LEVEL|DEVICE_SECURITY_LEVEL|ALIAS|CHALLENGE|generate-key options...

An argument it does not know how to pass to `kssim generate-key` is an error (exit 1), so a new
scenario option cannot go unchecked.
"""
import datetime
import sys

import yaml

# scenario argument -> how generate-key takes it (None: the argument is the alias or the challenge)
LISTS = {"purposes": "--purposes", "digests": "--digests", "paddings": "--paddings", "block_modes": "--block-modes"}
VALUES = {"algorithm": "--algorithm", "size": "--size", "security_level": "--security-level",
          "usage_count_limit": "--usage-count-limit", "attestation_application_id": "--attestation-application-id",
          "attestation_app_signature_digest": "--attestation-app-signature-digest", "active": "--active",
          "origination_expire": "--origination-expire", "usage_expire": "--usage-expire"}
FLAGS = {"unlocked_device_required": "--unlocked-device-required"}


def text_of(value):
    """A value as the CLI takes it: YAML reads a timestamp as a datetime, the CLI wants ISO 8601 UTC."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def options_of(args):
    out = []
    for name, value in args.items():
        if name in ("alias", "attestation_challenge", "expect"):
            continue
        if name in LISTS:
            out += [LISTS[name], ",".join(str(v) for v in value)]
        elif name in VALUES:
            out += [VALUES[name], text_of(value)]
        elif name in FLAGS:
            if value:
                out.append(FLAGS[name])
        elif name == "user_auth":
            out += ["--auth", ",".join(value.get("types", ["biometric_strong"])), "--timeout",
                    str(value.get("timeout", 0))]
        else:
            raise SystemExit(f"scenario_keys.py: generate_key argument '{name}' has no generate-key option here")
    return out


def main():
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            scenario = yaml.safe_load(f)
        device = scenario.get("device") or {}
        levels = device.get("api_level", 34)
        levels = levels if isinstance(levels, list) else [levels]
        device_level = device.get("security_level", "tee")
        for step in scenario.get("steps", []):
            args = step.get("generate_key") if isinstance(step, dict) else None
            if not args or "attestation_challenge" not in args or args.get("expect", "ok") != "ok":
                continue
            for level in levels:
                print("|".join([path, str(level), device_level, args["alias"], str(args["attestation_challenge"]),
                                " ".join(options_of(args))]))


if __name__ == "__main__":
    main()
