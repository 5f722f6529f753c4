/*
 * keymint_generate.c - IKeyMintDevice::generateKey: new key material under a checked policy, sealed
 * into a blob, with the public key for asymmetric keys.
 *
 * Asymmetric keys come from OpenSSL in the simulator's library context, whose RAND is the seeded
 * DRBG, so the same seed gives the same key pair; AES and HMAC keys are bytes straight from the DRBG.
 */
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "secure/keymint_internal.h"

/* The NIST curve an EC key size names, as the framework maps setKeySize (AndroidKeyStoreKeyPairGeneratorSpi
 * SUPPORTED_EC_CURVE_SIZE_TO_NAME: 224, 256, 384, 521); the policy has already refused any other size. */
static const char *nist_curve_name(uint32_t key_size)
{
    switch (key_size) {
    case 224:
        return "P-224";
    case 384:
        return "P-384";
    case 521:
        return "P-521";
    default:
        return "P-256";
    }
}

/* RSA keys get the public exponent 65537, OpenSSL's default and the one Android's framework asks for
 * (KeyGenParameterSpec's RSAKeyGenParameterSpec.F4). */
static EVP_PKEY *generate_asymmetric_key(sim_env *env, kssim_algorithm algorithm, uint32_t key_size)
{
    const char *type = algorithm == KSSIM_ALGORITHM_RSA ? "RSA" : algorithm == KSSIM_ALGORITHM_EC ? "EC" : "ED25519";
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(env->crypto.libctx, type, NULL);
    EVP_PKEY *key = NULL;
    int ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0;
    if (ok && algorithm == KSSIM_ALGORITHM_EC) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)nist_curve_name(key_size), 0),
            OSSL_PARAM_construct_end(),
        };
        ok = EVP_PKEY_CTX_set_params(ctx, params) > 0;
    } else if (ok && algorithm == KSSIM_ALGORITHM_RSA) {
        size_t bits = key_size;
        unsigned int exponent = 65537;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits),
            OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &exponent),
            OSSL_PARAM_construct_end(),
        };
        ok = EVP_PKEY_CTX_set_params(ctx, params) > 0;
    }
    if (ok && EVP_PKEY_generate(ctx, &key) <= 0)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

static kssim_result generate_asymmetric_material(sim_secure_world *sw, const sim_auth_list *auth,
                                                 keymint_key_material *material, uint8_t **public_key,
                                                 size_t *public_key_len)
{
    EVP_PKEY *key = generate_asymmetric_key(sw->env, auth->algorithm, auth->key_size);
    if (key == NULL)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL could not generate the %s key",
                          sim_algorithm_name(auth->algorithm));
    int failed = keymint_encode_private_key(key, material);
    if (!failed && public_key != NULL && public_key_len != NULL)
        failed = keymint_encode_public_key(key, public_key, public_key_len);
    EVP_PKEY_free(key);
    if (failed) {
        keymint_key_material_free(material);
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL could not encode the new %s key",
                          sim_algorithm_name(auth->algorithm));
    }
    return KSSIM_OK;
}

static kssim_result generate_symmetric_material(sim_secure_world *sw, const sim_auth_list *auth,
                                                keymint_key_material *material)
{
    material->len = auth->key_size / 8;
    material->bytes = malloc(material->len);
    if (material->bytes == NULL)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "out of memory for a new key");
    sim_random_bytes(&sw->env->crypto, material->bytes, material->len);
    return KSSIM_OK;
}

kssim_result sim_keymint_generate_key(sim_secure_world *sw, const sim_auth_list *auth, sim_key_blob *blob,
                                      uint8_t **public_key, size_t *public_key_len)
{
    keymint_clear_new_key_outputs(blob, public_key, public_key_len);
    sim_auth_list policy = *auth;
    policy.imported = false;
    kssim_result r = keymint_check_key_policy(sw, &policy);
    if (r != KSSIM_OK)
        return r;
    keymint_key_material material = {0};
    if (keymint_is_asymmetric(policy.algorithm))
        r = generate_asymmetric_material(sw, &policy, &material, public_key, public_key_len);
    else
        r = generate_symmetric_material(sw, &policy, &material);
    return keymint_seal_new_key(sw, &policy, r, &material, blob, public_key);
}
