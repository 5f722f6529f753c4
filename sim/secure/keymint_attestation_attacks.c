/*
 * keymint_attestation_attacks.c - the attestation chains an attacker makes, for testing a backend's
 * verifier (docs/attestation.md, "Attacks a verifier must catch"; rule IDs ATT-ATTACK-*).
 *
 * Two of them need the attestation intermediate's private key: what a compromised TEE, or an attacker who
 * extracted a device's attestation key, holds. That is why they live here: the key is derived inside the
 * secure world and never leaves it; the caller passes genuine chains in and gets the altered one out.
 * Every key and signature an attack makes is derived from the device key, the attack's name and the
 * certificate it signs (a derived stream, as the genuine chain's signatures are), so the same device and
 * the same request give the same bytes, and the device's own DRBG does not move.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "secure/keymint_attestation.h"
#include "secure/keymint_internal.h"

typedef struct parsed_chain {
    X509 *certificates[SIM_ATTESTATION_CHAIN_LENGTH];
} parsed_chain;

static void parsed_chain_free(parsed_chain *chain)
{
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++) {
        X509_free(chain->certificates[i]);
        chain->certificates[i] = NULL;
    }
}

/* Concatenated DER, exactly three certificates, parsed in the simulator's library context. */
static bool parse_chain(sim_secure_world *sw, const uint8_t *der, size_t len, parsed_chain *chain)
{
    memset(chain, 0, sizeof(*chain));
    const unsigned char *p = der, *end = der + len;
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++) {
        chain->certificates[i] = X509_new_ex(sw->env->crypto.libctx, NULL);
        if (chain->certificates[i] == NULL || p >= end ||
            d2i_X509(&chain->certificates[i], &p, (long)(end - p)) == NULL) {
            parsed_chain_free(chain);
            return false;
        }
    }
    if (p != end) {
        parsed_chain_free(chain);
        return false;
    }
    return true;
}

/* Signs cert with issuer_key, ECDSA's nonce drawn from a stream seeded by HMAC(device key, attack label
 * || the certificate's TBS): the same forgery signs to the same bytes. */
static bool sign_derived(sim_secure_world *sw, const char *label, X509 *cert, EVP_PKEY *issuer_key)
{
    /* i2d_re_X509_tbs encodes the altered TBSCertificate again (the cached encoding is the original's) */
    unsigned char *tbs = NULL;
    int tbs_len = i2d_re_X509_tbs(cert, &tbs);
    size_t label_len = strlen(label);
    uint8_t *message = tbs_len > 0 ? malloc(label_len + (size_t)tbs_len) : NULL;
    uint8_t seed[32];
    bool ok = message != NULL;
    if (ok) {
        memcpy(message, label, label_len);
        memcpy(message + label_len, tbs, (size_t)tbs_len);
        ok = sim_hmac_sha256(&sw->env->crypto, sw->device_key, sizeof(sw->device_key), message,
                             label_len + (size_t)tbs_len, seed) == 0;
    }
    free(message);
    OPENSSL_free(tbs);
    if (ok) {
        sim_random_begin_derived_stream(&sw->env->crypto, seed, sizeof(seed));
        ok = X509_sign(cert, issuer_key, EVP_sha256()) > 0;
        sim_random_end_rsa_private_key_use(&sw->env->crypto);
    }
    OPENSSL_cleanse(seed, sizeof(seed));
    return ok;
}

/* ATT-ATTACK-RESIGN-ROOT: an attacker's own root, with the device root's names, re-signs the genuine
 * intermediate. Only the trust anchor differs: a verifier that trusts the chain's own last certificate
 * accepts it, one that pins the root refuses it. */
static bool resign_root(sim_secure_world *sw, parsed_chain *chain)
{
    EVP_PKEY *attacker = sim_attestation_derive_key(sw, "kssim attack resign-root key");
    bool ok = attacker != NULL && X509_set_pubkey(chain->certificates[2], attacker) == 1 &&
              sign_derived(sw, "kssim attack resign-root", chain->certificates[2], attacker) &&
              sign_derived(sw, "kssim attack resign-root", chain->certificates[1], attacker);
    EVP_PKEY_free(attacker);
    return ok;
}

/* ATT-ATTACK-WRONG-KEY: a genuine-looking leaf, signed by the device's real intermediate, for a key Q the
 * attacker chose, with the registered key's own KeyDescription (its challenge too). The chain verifies
 * and every attested field is right; only comparing the leaf's key with the key being registered finds
 * that the attestation is about another key. */
static bool wrong_key(sim_secure_world *sw, parsed_chain *chain)
{
    EVP_PKEY *other = sim_attestation_derive_key(sw, "kssim attack wrong-key key");
    EVP_PKEY *intermediate = sim_attestation_derive_key(sw, SIM_ATTESTATION_INTERMEDIATE_KEY_LABEL);
    bool ok = other != NULL && intermediate != NULL && X509_set_pubkey(chain->certificates[0], other) == 1 &&
              sign_derived(sw, "kssim attack wrong-key", chain->certificates[0], intermediate);
    EVP_PKEY_free(intermediate);
    EVP_PKEY_free(other);
    return ok;
}

/* ATT-ATTACK-COPY-EXTENSION: the leaf keeps the registered key but carries another key's KeyDescription
 * (a stronger one: biometric, per operation), signed by the real intermediate. The chain verifies and the
 * key matches; the copied record still holds the other registration's challenge. */
static bool copy_extension(sim_secure_world *sw, parsed_chain *chain, const parsed_chain *source)
{
    ASN1_OBJECT *oid = OBJ_txt2obj(SIM_ATTESTATION_EXTENSION_OID, 1);
    int mine = oid != NULL ? X509_get_ext_by_OBJ(chain->certificates[0], oid, -1) : -1;
    int theirs = oid != NULL ? X509_get_ext_by_OBJ(source->certificates[0], oid, -1) : -1;
    ASN1_OBJECT_free(oid);
    EVP_PKEY *intermediate = sim_attestation_derive_key(sw, SIM_ATTESTATION_INTERMEDIATE_KEY_LABEL);
    bool ok = mine >= 0 && theirs >= 0 && intermediate != NULL;
    if (ok) {
        X509_EXTENSION_free(X509_delete_ext(chain->certificates[0], mine));
        ok = X509_add_ext(chain->certificates[0], X509_get_ext(source->certificates[0], theirs), -1) == 1 &&
             sign_derived(sw, "kssim attack copy-extension", chain->certificates[0], intermediate);
    }
    EVP_PKEY_free(intermediate);
    return ok;
}

static int chain_to_der(const parsed_chain *chain, uint8_t **out, size_t *out_len)
{
    int lengths[SIM_ATTESTATION_CHAIN_LENGTH];
    size_t total = 0;
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++) {
        lengths[i] = i2d_X509(chain->certificates[i], NULL);
        if (lengths[i] <= 0)
            return -1;
        total += (size_t)lengths[i];
    }
    uint8_t *der = malloc(total);
    if (der == NULL)
        return -1;
    unsigned char *p = der;
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++)
        i2d_X509(chain->certificates[i], &p);
    *out = der;
    *out_len = total;
    return 0;
}

kssim_result sim_keymint_forge_attestation(sim_secure_world *sw, sim_attestation_attack attack, const uint8_t *chain,
                                           size_t chain_len, const uint8_t *other, size_t other_len, uint8_t **out,
                                           size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (attack == SIM_ATTACK_COPY_EXTENSION && other == NULL)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "copy-extension copies another key's KeyDescription: name the key to copy it from");
    parsed_chain target, source = {0};
    if (!parse_chain(sw, chain, chain_len, &target))
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "the stored attestation chain does not parse");
    if (attack == SIM_ATTACK_COPY_EXTENSION && !parse_chain(sw, other, other_len, &source)) {
        parsed_chain_free(&target);
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "the other key's attestation chain does not parse");
    }
    bool ok = false;
    switch (attack) {
    case SIM_ATTACK_RESIGN_ROOT:
        ok = resign_root(sw, &target);
        break;
    case SIM_ATTACK_WRONG_KEY:
        ok = wrong_key(sw, &target);
        break;
    case SIM_ATTACK_COPY_EXTENSION:
        ok = copy_extension(sw, &target, &source);
        break;
    }
    ok = ok && chain_to_der(&target, out, out_len) == 0;
    parsed_chain_free(&target);
    parsed_chain_free(&source);
    if (!ok)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL could not make the altered attestation chain");
    return KSSIM_OK;
}
