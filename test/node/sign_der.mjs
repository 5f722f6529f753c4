// sign_der.mjs KEY_REFERENCE_PEM [DIGEST] - crypto.sign with the default (DER for ECDSA) encoding on a
// device key, verified with the key's public half; DIGEST 'none' signs as Ed25519 does (no digest).
import crypto from 'node:crypto';
import {deviceKey, publicKeyOf, run} from './device_key.mjs';

await run(() => {
  const key = deviceKey(process.argv[2]);
  const digest = process.argv[3] === 'none' ? null : (process.argv[3] ?? 'sha256');
  const data = Buffer.from('signed by the device');
  const signature = crypto.sign(digest, data, key);
  const verified = crypto.verify(digest, data, publicKeyOf(key), signature);
  const tampered = crypto.verify(digest, Buffer.from('signed by someone else'), publicKeyOf(key), signature);
  console.log(`signature ${signature.length} bytes, verified ${verified}, tampered verified ${tampered}`);
});
