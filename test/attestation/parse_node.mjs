// parse_node.mjs - an outside parser of Android key attestations for test/shell/attestation_parsers.sh:
// npm's @peculiar/asn1-android (with @peculiar/asn1-x509 for the certificate and @peculiar/asn1-schema
// for DER, none written here) decodes the leaf's whole KeyDescription with its strict schema, and this
// prints every field it decoded as JSON.
//
// Usage: node parse_node.mjs CHAIN.pem   (the leaf is the first certificate)
// Output: one JSON object with the schema's field names; the Keymaster-era names (keymasterVersion,
// teeEnforced) are printed as KeyMint's (keyMintVersion, hardwareEnforced) so every version reads
// alike. OCTET STRINGs are hex, NULL flags are true, attestationApplicationId is decoded too.
// Exit status: 0 decoded; 1 no extension or a field the schema refuses (the reason on standard error).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// The packages live in test/node/node_modules (test/node/package-lock.json, installed by
// scripts/install-deps.sh), so they are resolved from there, not from this file's folder.
const require = createRequire(new URL("../node/package.json", import.meta.url));
const { AsnConvert, OctetString } = require("@peculiar/asn1-schema");
const { Certificate } = require("@peculiar/asn1-x509");
const android = require("@peculiar/asn1-android");

const chainPath = process.argv[2];
if (!chainPath) {
  console.error("usage: node parse_node.mjs CHAIN.pem");
  process.exit(2);
}
const pem = readFileSync(chainPath, "utf8");
const first = pem.match(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/);
if (!first) {
  console.error(`${chainPath}: no PEM certificate`);
  process.exit(1);
}
const leaf = AsnConvert.parse(Buffer.from(first[1].replace(/\s+/g, ""), "base64"), Certificate);
const extensions = (leaf.tbsCertificate.extensions || []).filter(
  (extension) => extension.extnID === android.id_ce_keyDescription,
);
if (extensions.length !== 1) {
  console.error(`the leaf has ${extensions.length} KeyDescription extensions, not one`);
  process.exit(1);
}
const der = extensions[0].extnValue.buffer;

// The schema hands OCTET STRINGs over as OctetString or as a bare ArrayBuffer, depending on the field.
const bytes = (value) => Buffer.from(value instanceof ArrayBuffer ? value : value.buffer);
const hex = (value) => bytes(value).toString("hex");

// A decoded value as JSON: OCTET STRINGs as hex, NULL flags as true, sets as arrays, nested schemas
// as objects.
function plain(value, name) {
  if (value === null) return true; // a NULL field that is present
  if (value instanceof OctetString) {
    if (name === "attestationApplicationId") return applicationId(value);
    return hex(value);
  }
  if (value instanceof ArrayBuffer) return hex(value);
  if (Array.isArray(value)) return value.map((item) => plain(item));
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object") {
    const out = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = plain(item, key);
    return out;
  }
  return value;
}

function applicationId(octets) {
  const decoded = AsnConvert.parse(bytes(octets), android.AttestationApplicationId);
  return {
    // asn1-schema leaves an empty SET OF undefined.
    packageInfos: (decoded.packageInfos ?? []).map((info) => ({
      packageName: bytes(info.packageName).toString("utf8"),
      version: info.version,
    })),
    signatureDigests: (decoded.signatureDigests ?? []).map((digest) => hex(digest)),
  };
}

try {
  // Versions 1..200 use the Keymaster field names, 300 and later KeyMint's: the same eight fields.
  const legacy = AsnConvert.parse(der, android.KeyDescription);
  let out;
  if (legacy.attestationVersion >= 300) {
    const keyMint = AsnConvert.parse(der, android.KeyMintKeyDescription);
    out = plain({ ...keyMint });
  } else {
    const { keymasterVersion, keymasterSecurityLevel, teeEnforced, ...rest } = legacy;
    out = plain({ ...rest, keyMintVersion: keymasterVersion, keyMintSecurityLevel: keymasterSecurityLevel,
      hardwareEnforced: teeEnforced });
  }
  console.log(JSON.stringify(out));
} catch (error) {
  console.error(`the KeyDescription does not decode: ${error.message}`);
  process.exit(1);
}
