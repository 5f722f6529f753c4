/*
 * keymint_import.c - IKeyMintDevice::importKey: key material from outside, checked against the policy
 * the app gave it, sealed into a blob (ORIGIN IMPORTED); and getKeyCharacteristics, which keystore2
 * asks for to store what KeyMint completed (the size of an imported key).
 *
 * KeyMint checks that the key is what the authorization list says (KeyMintTest.cpp ImportKeyTest:
 * RsaKeySizeMismatch, EcdsaSizeMismatch, ...); it answers IMPORT_PARAMETER_MISMATCH, which the contract
 * does not list, so a wrong size is UNSUPPORTED_KEY_SIZE and a wrong algorithm INVALID_ARGUMENT.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/private_key.h"
#include "secure/keymint_internal.h"

static kssim_result import_symmetric(sim_secure_world *sw, sim_auth_list *policy, const uint8_t *key, size_t key_len,
                                     keymint_key_material *material)
{
    if (key_len > KEYMINT_MAX_SYMMETRIC_KEY_BYTES || (policy->key_size != 0 && policy->key_size != key_len * 8))
        return sim_refuse(sw->env, KSSIM_UNSUPPORTED_KEY_SIZE,
                          "the imported %s key has %zu bits but its policy says %u: give the size of the key",
                          sim_algorithm_name(policy->algorithm), key_len * 8, policy->key_size);
    policy->key_size = (uint32_t)(key_len * 8);
    kssim_result r = keymint_check_key_policy(sw, policy);
    if (r != KSSIM_OK)
        return r;
    material->bytes = malloc(key_len);
    if (material->bytes == NULL)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "out of memory for an imported key");
    memcpy(material->bytes, key, key_len);
    material->len = key_len;
    return KSSIM_OK;
}

/* The decoded key must be the algorithm the policy names, of a size the policy allows. */
static kssim_result match_policy(sim_secure_world *sw, sim_auth_list *policy, EVP_PKEY *key)
{
    kssim_algorithm algorithm;
    uint32_t key_size;
    if (sim_private_key_describe(key, &algorithm, &key_size) != 0 || algorithm != policy->algorithm)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "the imported key is not a%s %s private key: import a key of the algorithm you name",
                          policy->algorithm == KSSIM_ALGORITHM_EC || policy->algorithm == KSSIM_ALGORITHM_ED25519 ? "n"
                                                                                                                  : "",
                          sim_algorithm_name(policy->algorithm));
    if (key_size == 0)
        return sim_refuse(sw->env, KSSIM_UNSUPPORTED_KEY_SIZE,
                          "the imported ec key is on a curve KeyMint does not hold: use P-224, P-256, P-384 or P-521 "
                          "(P-256 in StrongBox)");
    if (policy->key_size != 0 && policy->key_size != key_size)
        return sim_refuse(sw->env, KSSIM_UNSUPPORTED_KEY_SIZE,
                          "the imported %s key has %u bits but its policy says %u: give the size of the key",
                          sim_algorithm_name(policy->algorithm), key_size, policy->key_size);
    policy->key_size = key_size;
    return keymint_check_key_policy(sw, policy);
}

static kssim_result import_asymmetric(sim_secure_world *sw, sim_auth_list *policy, const uint8_t *key, size_t key_len,
                                      keymint_key_material *material, uint8_t **public_key, size_t *public_key_len)
{
    EVP_PKEY *decoded = sim_private_key_decode(sw->env->crypto.libctx, key, key_len);
    if (decoded == NULL)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "the imported bytes are not a private key OpenSSL can read: give PEM or DER, PKCS#8 or "
                          "the traditional RSA/EC form");
    kssim_result r = match_policy(sw, policy, decoded);
    if (r == KSSIM_OK && keymint_encode_private_key(decoded, material) != 0)
        r = sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                       "the imported key has no private half: import the private key, not the public one");
    if (r == KSSIM_OK && public_key != NULL && public_key_len != NULL &&
        keymint_encode_public_key(decoded, public_key, public_key_len) != 0)
        r = sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL could not encode the imported key's public half");
    EVP_PKEY_free(decoded);
    return r;
}

kssim_result sim_keymint_import_key(sim_secure_world *sw, const sim_auth_list *auth, const uint8_t *key, size_t key_len,
                                    sim_key_blob *blob, uint8_t **public_key, size_t *public_key_len)
{
    keymint_clear_new_key_outputs(blob, public_key, public_key_len);
    sim_auth_list policy = *auth;
    policy.imported = true;
    /* Which decoder to use depends on the algorithm, so an unknown one is refused as such first. */
    kssim_result r = keymint_check_security_level(sw, &policy);
    if (r == KSSIM_OK)
        r = keymint_check_algorithm(sw, &policy);
    if (r != KSSIM_OK)
        return r;
    if (key == NULL || key_len == 0)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT, "there is no key material to import");
    keymint_key_material material = {0};
    if (keymint_is_asymmetric(policy.algorithm))
        r = import_asymmetric(sw, &policy, key, key_len, &material, public_key, public_key_len);
    else
        r = import_symmetric(sw, &policy, key, key_len, &material);
    return keymint_seal_new_key(sw, &policy, r, &material, blob, public_key);
}

kssim_result sim_keymint_get_key_characteristics(sim_secure_world *sw, const sim_key_blob *blob, sim_auth_list *auth)
{
    keymint_key_material material = {0};
    kssim_result r = keymint_blob_open(sw, blob, auth, &material);
    keymint_key_material_free(&material);
    return r;
}
