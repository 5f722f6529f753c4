// key_details.mjs KEY_REFERENCE_PEM - keyObject.asymmetricKeyType and asymmetricKeyDetails of a device
// key and of its public KeyObject, as one JSON line. Node reads an EC key's curve through
// EVP_PKEY_get0_EC_KEY (CHECK_NOT_NULL: this used to abort).
import {deviceKey, publicKeyOf, run} from './device_key.mjs';

await run(() => {
  const key = deviceKey(process.argv[2]);
  const details = (object) => {
    const d = {...object.asymmetricKeyDetails};
    if (typeof d.publicExponent === 'bigint') d.publicExponent = Number(d.publicExponent);
    return d;
  };
  console.log(JSON.stringify({
    type: key.type,
    asymmetricKeyType: key.asymmetricKeyType,
    details: details(key),
    publicDetails: details(publicKeyOf(key)),
  }));
});
