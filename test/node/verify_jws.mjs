// verify_jws.mjs - an outside verifier for test/shell/jws.sh: the `jose` npm package checks a compact
// JWS against a public key, as a backend would. It shares no code with kssim.
// Usage: node verify_jws.mjs PUBLIC_KEY_PEM ALG < JWS
// Prints the payload and exits 0 when the signature verifies under ALG; exits 1, with jose's reason on
// standard error, when it does not.
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';

// jose 6 uses the Web Crypto global, which Node 18 (Debian 12's nodejs) has only behind a flag.
if (globalThis.crypto === undefined) globalThis.crypto = webcrypto;
const { compactVerify, importSPKI } = await import('jose');

const [pemFile, alg] = process.argv.slice(2);
if (!pemFile || !alg) {
  console.error('usage: node verify_jws.mjs PUBLIC_KEY_PEM ALG < JWS');
  process.exit(2);
}
const jws = readFileSync(0, 'utf8').trim();
try {
  const key = await importSPKI(readFileSync(pemFile, 'utf8'), alg);
  // algorithms: only the one expected, so a header naming another is refused rather than believed.
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: [alg] });
  if (protectedHeader.alg !== alg) throw new Error(`header alg ${protectedHeader.alg}, expected ${alg}`);
  process.stdout.write(new TextDecoder().decode(payload) + '\n');
} catch (error) {
  console.error(`jose: ${error.code ?? error.name}: ${error.message}`);
  process.exit(1);
}
