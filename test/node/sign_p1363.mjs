// sign_p1363.mjs KEY_REFERENCE_PEM - crypto.sign with dsaEncoding 'ieee-p1363' (the r||s that JWS
// wants) on a device EC key, verified by crypto.verify with the key's public half in the same encoding.
// Node converts the provider's DER signature with EVP_PKEY_get0_EC_KEY: this used to segfault.
import crypto from 'node:crypto';
import {deviceKey, publicKeyOf, run} from './device_key.mjs';

await run(() => {
  const key = deviceKey(process.argv[2]);
  const data = Buffer.from('signed by the device, r||s');
  const signature = crypto.sign('sha256', data, {key, dsaEncoding: 'ieee-p1363'});
  const verified = crypto.verify('sha256', data, {key: publicKeyOf(key), dsaEncoding: 'ieee-p1363'}, signature);
  console.log(`p1363 ${signature.length} bytes, verified ${verified}`);
});
