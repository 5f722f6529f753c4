// device_key.mjs - what the Node client scripts of test/shell/node_clients.sh share: a device key read
// from its key-reference PEM (node run with --openssl-shared-config and OPENSSL_CONF loading the
// keystore provider), and one way to end: a thrown JS error is printed with its OpenSSL code and the
// script exits 3, so that the shell test tells "refused with a JS error" (3) from "killed" (>= 128).
import crypto from 'node:crypto';
import fs from 'node:fs';

export function deviceKey(path) {
  return crypto.createPrivateKey(fs.readFileSync(path));
}

export function publicKeyOf(privateKey) {
  return crypto.createPublicKey(privateKey);
}

// Runs main (sync or async); a thrown error becomes "js error CODE: MESSAGE" on stderr and exit 3.
export async function run(main) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`js error ${error.code ?? 'NO_CODE'}: ${error.message}\n`);
    process.exit(3);
  }
}
