"""compare_fields.py - field-by-field agreement checks for test/shell/attestation_parsers.sh.

  python3 compare_fields.py upstream NODE.json UPSTREAM.json  the @peculiar decoding of a sample chain
                                                               against its upstream decoding (samples/)
  python3 compare_fields.py ruby RUBY.json NODE.json          the gem and @peculiar read the same values
  python3 compare_fields.py kssim NODE.json KEYS.json ALIAS   the @peculiar decoding against
                                                               `kssim keys --json` for ALIAS

Prints one line per disagreement and exits 1 if there is any, else prints "agree" and exits 0. Numbers
are compared as integers (@peculiar prints large ones as strings); enums by their KeyMint numbers.
"""
import base64
import json
import sys

SECURITY_LEVELS = {"SOFTWARE": 0, "TRUSTED_ENVIRONMENT": 1, "STRONG_BOX": 2,
                   "software": 0, "trusted_environment": 1, "strong_box": 2, "tee": 1, "strongbox": 2}
ORIGINS = {"GENERATED": 0, "DERIVED": 1, "IMPORTED": 2, "UNKNOWN": 3, "generated": 0, "imported": 2}
PURPOSES = {"encrypt": 0, "decrypt": 1, "sign": 2, "verify": 3, "agree_key": 6, "wrap_key": 5,
            "derive_key": 4, "attest_key": 7}
ALGORITHMS = {"rsa": 1, "ec": 3, "ed25519": 3, "aes": 32, "hmac": 128}
DIGESTS = {"none": 0, "md5": 1, "sha1": 2, "sha224": 3, "sha256": 4, "sha384": 5, "sha512": 6}
AUTH_TYPES = {"device_credential": 1, "biometric_strong": 2}

problems = []


def same(what, got, want):
    if got != want:
        problems.append(f"{what}: decoded {got!r}, expected {want!r}")


def as_int(value):
    return None if value is None else int(value)


def as_int_list(values):
    return None if values is None else sorted(int(v) for v in values)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def upstream(node, up):
    """Upstream (android/keyattestation) JSON names: purposes/algorithms/paddings, enums as names."""
    same("attestationVersion", node["attestationVersion"], int(up["attestationVersion"]))
    same("keyMintVersion", node["keyMintVersion"], int(up["keyMintVersion"]))
    for field in ("attestationSecurityLevel", "keyMintSecurityLevel"):
        same(field, node[field], SECURITY_LEVELS[up[field]])
    same("attestationChallenge", node["attestationChallenge"],
         base64.b64decode(up["attestationChallenge"]).hex())
    same("uniqueId", node["uniqueId"], base64.b64decode(up["uniqueId"]).hex())
    hw_node, hw_up = node["hardwareEnforced"], up["hardwareEnforced"]
    renamed = {"purposes": "purpose", "paddings": "padding", "digests": "digest", "algorithms": "algorithm"}
    for up_name, value in hw_up.items():
        name = renamed.get(up_name, up_name)
        got = hw_node.get(name)
        if name == "origin":
            same("hardwareEnforced.origin", as_int(got), ORIGINS[value])
        elif name == "rootOfTrust":
            same("rootOfTrust.verifiedBootKey", got["verifiedBootKey"],
                 base64.b64decode(value["verifiedBootKey"]).hex())
            same("rootOfTrust.deviceLocked", got["deviceLocked"], value["deviceLocked"])
            same("rootOfTrust.verifiedBootHash", got.get("verifiedBootHash"),
                 base64.b64decode(value["verifiedBootHash"]).hex() if "verifiedBootHash" in value else None)
        elif isinstance(value, list):
            same(f"hardwareEnforced.{name}", as_int_list(got), as_int_list(value))
        elif isinstance(value, bool):
            same(f"hardwareEnforced.{name}", got, value)
        else:
            same(f"hardwareEnforced.{name}", as_int(got), int(value))
    sw_up = up.get("softwareEnforced", {})
    if "creationDateTime" in sw_up:
        same("softwareEnforced.creationDateTime", as_int(node["softwareEnforced"].get("creationDateTime")),
             int(sw_up["creationDateTime"]))
    if "attestationApplicationId" in sw_up:
        got = node["softwareEnforced"]["attestationApplicationId"]
        want = sw_up["attestationApplicationId"]
        same("attestationApplicationId.packages", [p["packageName"] for p in got["packageInfos"]],
             [p["name"] for p in want["packages"]])
        same("attestationApplicationId.signatures", got["signatureDigests"],
             [base64.b64decode(s).hex() for s in want["signatures"]])


def ruby(rb, node):
    """The gem prints the challenge as hex, security levels as symbols, tee_enforced in snake_case."""
    same("challenge", rb["challenge"], node["attestationChallenge"])
    same("attestation_version", rb["attestation_version"], node["attestationVersion"])
    same("attestation_security_level", SECURITY_LEVELS[rb["attestation_security_level"]],
         node["attestationSecurityLevel"])
    same("keymaster_version", rb["keymaster_version"], node["keyMintVersion"])
    hw, tee = node["hardwareEnforced"], rb["tee_enforced"]
    same("tee_enforced.purpose", sorted(PURPOSES[p] for p in tee.get("purpose") or []),
         as_int_list(hw.get("purpose")) or [])
    pairs = {"algorithm": "algorithm", "key_size": "keySize", "ec_curve": "ecCurve",
             "user_auth_type": "userAuthType", "auth_timeout": "authTimeout", "os_version": "osVersion",
             "os_patch_level": "osPatchLevel", "vendor_patch_level": "vendorPatchLevel",
             "boot_patch_level": "bootPatchLevel"}
    for rb_name, node_name in pairs.items():
        same(f"tee_enforced.{rb_name}", tee.get(rb_name), as_int(hw.get(node_name)))
    for rb_name, node_name in {"no_auth_required": "noAuthRequired",
                               "trusted_user_presence_required": "trustedUserPresenceRequired",
                               "unlocked_device_required": "unlockedDeviceRequired"}.items():
        same(f"tee_enforced.{rb_name}", tee.get(rb_name, False), hw.get(node_name, False))
    if "origin" in tee:
        same("tee_enforced.origin", ORIGINS[tee["origin"]], as_int(hw.get("origin")))


def kssim(node, keys, alias):
    """What `kssim keys --json` says the key is, against what its attestation says."""
    key = next((k for k in keys if k["alias"] == alias), None)
    if key is None:
        problems.append(f"{alias}: not in kssim keys --json")
        return
    hw, sw = node["hardwareEnforced"], node["softwareEnforced"]
    # A field counts wherever KeyMint put it; which list is the attestation helper's split, checked by
    # the verifier's policy (hardwareEnforced for the auth fields).
    def field(name):
        return hw.get(name, sw.get(name))
    same("attestationSecurityLevel", node["attestationSecurityLevel"],
         SECURITY_LEVELS.get(key["security_level"], 0))
    same("algorithm", as_int(field("algorithm")), ALGORITHMS[key["algorithm"]])
    if key["algorithm"] != "ed25519":
        same("keySize", as_int(field("keySize")), key["size"])
    same("purpose", as_int_list(field("purpose")), sorted(PURPOSES[p] for p in key["purposes"]))
    if key["digests"]:
        same("digest", as_int_list(field("digest")), sorted(DIGESTS[d] for d in key["digests"]))
    auth = key.get("auth")
    if auth:
        want = 0
        for t in auth["types"]:
            want |= AUTH_TYPES[t]
        same("userAuthType", as_int(hw.get("userAuthType")), want)
        same("authTimeout", as_int(hw.get("authTimeout")), None if auth["timeout"] == 0 else auth["timeout"])
        same("noAuthRequired", field("noAuthRequired"), None)
    else:
        same("noAuthRequired", field("noAuthRequired"), True)
        same("userAuthType", field("userAuthType"), None)
    same("unlockedDeviceRequired", field("unlockedDeviceRequired") is True,
         key["limits"]["unlocked_device_required"])


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "upstream" and len(sys.argv) == 4:
        upstream(load(sys.argv[2]), load(sys.argv[3]))
    elif mode == "ruby" and len(sys.argv) == 4:
        ruby(load(sys.argv[2]), load(sys.argv[3]))
    elif mode == "kssim" and len(sys.argv) == 5:
        kssim(load(sys.argv[2]), load(sys.argv[3]), sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
