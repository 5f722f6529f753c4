// export_public.mjs KEY_REFERENCE_PEM OUT_PREFIX - the public half of a device key exported by Node as
// SPKI PEM (OUT_PREFIX.spki.pem) and as JWK (OUT_PREFIX.jwk.json), and the JWK read back by Node must
// give the same SPKI. Exporting the private half as PKCS#8 gives the key reference (the provider's
// encoder), never key material. An EC JWK is made from EVP_PKEY_get0_EC_KEY (this used to abort).
import crypto from 'node:crypto';
import fs from 'node:fs';
import {deviceKey, publicKeyOf, run} from './device_key.mjs';

await run(() => {
  const key = deviceKey(process.argv[2]);
  const prefix = process.argv[3];
  const publicKey = publicKeyOf(key);
  const spki = publicKey.export({format: 'pem', type: 'spki'});
  const jwk = publicKey.export({format: 'jwk'});
  fs.writeFileSync(`${prefix}.spki.pem`, spki);
  fs.writeFileSync(`${prefix}.jwk.json`, JSON.stringify(jwk));
  const again = crypto.createPublicKey({key: jwk, format: 'jwk'}).export({format: 'pem', type: 'spki'});
  if (again !== spki) throw new Error('the JWK does not read back as the same public key');
  let privateExport;
  try {
    const pem = key.export({format: 'pem', type: 'pkcs8'});
    privateExport = pem.startsWith('-----BEGIN KSSIM KEY REFERENCE-----') ? 'is the key reference' : 'gave key material';
  } catch (error) {
    privateExport = `refused (${error.code ?? error.message})`;
  }
  if (jwk.d !== undefined) throw new Error('the public JWK carries a private part');
  console.log(`jwk kty ${jwk.kty}${jwk.crv ? ' crv ' + jwk.crv : ''}, private export ${privateExport}`);
});
