"""compare_fields.py - field-by-field agreement checks for test/shell/attestation_parsers.sh.

  python3 compare_fields.py upstream NODE.json UPSTREAM.json  the @peculiar decoding of a sample chain
                                                               against its upstream decoding (samples/)
  python3 compare_fields.py ruby RUBY.json NODE.json          the gem and @peculiar read the same values
  python3 compare_fields.py kssim NODE.json KEYS.json ALIAS   the @peculiar decoding against
                                                               `kssim keys --json` for ALIAS, and each
                                                               field in the list KeyMint puts it in
  python3 compare_fields.py appid NODE.json RUBY.json PACKAGE DIGEST   both decodings of
                                                               attestationApplicationId name PACKAGE and
                                                               exactly the signature digest DIGEST (hex)

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

# R-ATTEST-LIST-PLACEMENT (docs/attestation.md): the fields keystore enforces, which a TEE or StrongBox
# KeyMint reports in softwareEnforced (system/keymint common/src/tag.rs extract_key_characteristics;
# keystore2 security_level.rs add_required_parameters); usageCountLimit is KeyMint's only when it is 1.
KEYSTORE_ENFORCED = {"activeDateTime", "originationExpireDateTime", "usageExpireDateTime", "creationDateTime",
                     "attestationApplicationId"}
# The @peculiar field names of the tag numbers the gem's harness reports per list (parse_ruby.rb).
TAG_NAMES = {1: "purpose", 2: "algorithm", 3: "keySize", 5: "digest", 6: "padding", 10: "ecCurve",
             200: "rsaPublicExponent", 303: "rollbackResistance", 400: "activeDateTime",
             401: "originationExpireDateTime", 402: "usageExpireDateTime", 405: "usageCountLimit",
             503: "noAuthRequired", 504: "userAuthType", 505: "authTimeout", 509: "unlockedDeviceRequired",
             701: "creationDateTime", 702: "origin", 704: "rootOfTrust", 705: "osVersion", 706: "osPatchLevel",
             709: "attestationApplicationId", 718: "vendorPatchLevel", 719: "bootPatchLevel"}

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
    # The lists as the gem finds the tags in them: the same split as @peculiar's.
    for rb_list, node_list in (("tee_tags", "hardwareEnforced"), ("software_tags", "softwareEnforced")):
        if rb_list in rb:
            same(f"{rb_list} (the gem's {node_list})", sorted(TAG_NAMES[t] for t in rb[rb_list]),
                 sorted(n for n in node[node_list] if n in TAG_NAMES.values()))


def iso_ms(text):
    from datetime import datetime, timezone
    return None if text is None else int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
                                          .replace(tzinfo=timezone.utc).timestamp() * 1000)


def placement(node, key):
    """Each field in the list that enforces it: everything in softwareEnforced on a software device."""
    hw, sw = node["hardwareEnforced"], node["softwareEnforced"]
    if key["security_level"] == "software":
        same("hardwareEnforced on a software device", sorted(hw), [])
        return
    for name in hw:
        keymint = name not in KEYSTORE_ENFORCED and (name != "usageCountLimit" or as_int(hw[name]) == 1)
        if not keymint:
            problems.append(f"hardwareEnforced.{name}: keystore enforces it; it belongs in softwareEnforced")
    for name in sw:
        keystore = name in KEYSTORE_ENFORCED or (name == "usageCountLimit" and as_int(sw[name]) != 1)
        if not keystore:
            problems.append(f"softwareEnforced.{name}: KeyMint enforces it; it belongs in hardwareEnforced")
    if "creationDateTime" not in sw:
        problems.append("softwareEnforced.creationDateTime: missing (keystore2 adds it to every key)")
    if node["attestationVersion"] >= 2 and "attestationApplicationId" not in sw:
        problems.append("softwareEnforced.attestationApplicationId: missing (keystore2 adds it from version 2)")
    if node["attestationVersion"] < 2 and "attestationApplicationId" in sw:
        problems.append("softwareEnforced.attestationApplicationId: present in attestation version 1 (Keymaster 2)")


def appid(node, rb, package, digest):
    """attestationApplicationId as both parsers decode it: the package and exactly the one digest."""
    got = node["softwareEnforced"].get("attestationApplicationId")
    if got is None:
        problems.append("softwareEnforced.attestationApplicationId: missing")
        return
    same("attestationApplicationId.packageInfos", [i["packageName"] for i in got["packageInfos"]], [package])
    same("attestationApplicationId.signatureDigests", got["signatureDigests"], [digest.lower()])
    rb_id = rb.get("attestation_application_id") or {}
    same("gem attestation_application_id.package_names", rb_id.get("package_names"), [package])
    same("gem attestation_application_id.signature_digests", rb_id.get("signature_digests"), [digest.lower()])


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
        # the list that enforces user auth: KeyMint's, which on a software device is softwareEnforced
        enforcing = sw if key["security_level"] == "software" else hw
        same("userAuthType", as_int(enforcing.get("userAuthType")), want)
        same("authTimeout", as_int(enforcing.get("authTimeout")), None if auth["timeout"] == 0 else auth["timeout"])
        same("noAuthRequired", field("noAuthRequired"), None)
    else:
        same("noAuthRequired", field("noAuthRequired"), True)
        same("userAuthType", field("userAuthType"), None)
    same("unlockedDeviceRequired", field("unlockedDeviceRequired") is True,
         key["limits"]["unlocked_device_required"])
    same("usageCountLimit", as_int(field("usageCountLimit")), key["limits"].get("usage_count_limit"))
    validity = key.get("validity") or {}
    for name, json_name in {"activeDateTime": "active", "originationExpireDateTime": "origination_expire",
                            "usageExpireDateTime": "usage_expire"}.items():
        same(name, as_int(field(name)), iso_ms(validity.get(json_name)))
    # attestationApplicationId as `kssim keys --json` reads it back from the stored chain
    app = sw.get("attestationApplicationId")
    if "attestation_application_id" in key:  # kssim prints both (null when the record has none)
        packages = [i["packageName"] for i in app["packageInfos"]][:1] if app else None
        digests = app["signatureDigests"][:1] if app else None
        same("attestation_application_id", packages,
             [key["attestation_application_id"]] if key.get("attestation_application_id") else None)
        same("attestation_app_signature_digest", digests,
             [key["attestation_app_signature_digest"]] if key.get("attestation_app_signature_digest") else None)
    placement(node, key)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "upstream" and len(sys.argv) == 4:
        upstream(load(sys.argv[2]), load(sys.argv[3]))
    elif mode == "ruby" and len(sys.argv) == 4:
        ruby(load(sys.argv[2]), load(sys.argv[3]))
    elif mode == "kssim" and len(sys.argv) == 5:
        kssim(load(sys.argv[2]), load(sys.argv[3]), sys.argv[4])
    elif mode == "appid" and len(sys.argv) == 6:
        appid(load(sys.argv[2]), load(sys.argv[3]), sys.argv[4], sys.argv[5])
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
