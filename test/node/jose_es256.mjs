// jose_es256.mjs KEY_REFERENCE_PEM - a JWT signed with ES256 by the device key through the jose package,
// checked by jose's jwtVerify with the public JWK that Node exported from the same key.
// The signer is jose 5 (installed as jose5): it signs a KeyObject with node:crypto
// (crypto.sign with dsaEncoding 'ieee-p1363', the curve from asymmetricKeyDetails). jose 6 on Node
// before 22.10 (no KeyObject.toCryptoKey) instead exports the private key as a JWK, which a device key
// cannot give: Node then stops in its own CHECK (crypto_util.cc SetEncodedValue), which no provider can
// answer (docs/clients.md). The verifier is jose 6, which needs only the public JWK.
import * as jose5 from 'jose5';
import * as jose from 'jose';
import {deviceKey, publicKeyOf, run} from './device_key.mjs';

await run(async () => {
  const key = deviceKey(process.argv[2]);
  const jwt = await new jose5.SignJWT({sub: 'alice', scope: 'device'})
    .setProtectedHeader({alg: 'ES256', kid: 'device'})
    .setIssuedAt(1700000000)
    .sign(key);
  const verifier = await jose.importJWK(publicKeyOf(key).export({format: 'jwk'}), 'ES256');
  const {payload, protectedHeader} = await jose.jwtVerify(jwt, verifier, {currentDate: new Date(1700000000 * 1000)});
  const signature = Buffer.from(jwt.split('.')[2], 'base64url');
  console.log(`verified ${protectedHeader.alg} sub=${payload.sub} scope=${payload.scope} signature ${signature.length} bytes`);
  // The same JWT with a changed claim does not verify.
  const [header, , sig] = jwt.split('.');
  const forged = `${header}.${Buffer.from(JSON.stringify({sub: 'mallory', scope: 'device', iat: 1700000000})).toString('base64url')}.${sig}`;
  await jose.jwtVerify(forged, verifier, {currentDate: new Date(1700000000 * 1000)}).then(
    () => { throw new Error('a forged JWT verified'); },
    (error) => console.log(`forged claim refused: ${error.code}`));
});
