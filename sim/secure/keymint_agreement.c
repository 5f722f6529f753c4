/*
 * keymint_agreement.c - the finish of key-agreement operations (KeyPurpose AGREE_KEY): ECDH between
 * the key on the device and a peer's public key.
 *
 * What the operation accumulated is the peer's public key as a DER SubjectPublicKeyInfo, and what
 * finish returns is the raw shared secret (the x coordinate of the shared point), as the reference
 * TA's EcAgreeOperation does (system/keymint ta/src/operation.rs, boringssl/src/ec.rs
 * BoringEcAgreeOperation; VTS KeyMintTest.cpp KeyAgreementTest.Ecdh): any key derivation over the
 * secret is the caller's. A peer key that is not an EC key on the same curve is INVALID_ARGUMENT.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "secure/keymint_internal.h"

/* The largest SubjectPublicKeyInfo of an uncompressed P-521 point, rounded up as the reference TA
 * rounds it (BoringEcAgreeOperation max_size). */
#define KEYMINT_MAX_PEER_KEY_BYTES 164

static EVP_PKEY *decode_peer_key(sim_env *env, const keymint_operation *op)
{
    const unsigned char *cursor = op->input;
    EVP_PKEY *peer = d2i_PUBKEY_ex(NULL, &cursor, (long)op->input_len, env->crypto.libctx, NULL);
    if (peer != NULL && cursor != op->input + op->input_len) {
        EVP_PKEY_free(peer); /* trailing bytes: not one SubjectPublicKeyInfo */
        peer = NULL;
    }
    return peer;
}

kssim_result keymint_ec_agree(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len)
{
    if (op->input_len == 0 || op->input_len > KEYMINT_MAX_PEER_KEY_BYTES)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "key agreement takes the peer's public key as one DER SubjectPublicKeyInfo (at most %d "
                          "bytes), and got %zu bytes: pass the peer's encoded public key as the operation's data",
                          KEYMINT_MAX_PEER_KEY_BYTES, op->input_len);
    EVP_PKEY *peer = decode_peer_key(env, op);
    if (peer == NULL)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "the operation's data is not a DER SubjectPublicKeyInfo: pass the peer's public key as "
                          "`openssl pkey -pubout -outform DER` writes it");
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(env->crypto.libctx, op->private_key, NULL);
    size_t len = 0;
    uint8_t *secret = NULL;
    int ok = ctx != NULL && EVP_PKEY_derive_init(ctx) > 0;
    ERR_set_mark();
    bool peer_fits = ok && EVP_PKEY_is_a(peer, "EC") && EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) > 0;
    ERR_pop_to_mark();
    ok = peer_fits && EVP_PKEY_derive(ctx, NULL, &len) > 0 && (secret = malloc(len)) != NULL &&
         EVP_PKEY_derive(ctx, secret, &len) > 0;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    if (!peer_fits)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "the peer's public key is not a valid point on this key's curve (P-%u): agree only with "
                          "an EC key on the same curve",
                          op->auth.key_size);
    if (!ok) {
        if (secret != NULL)
            OPENSSL_cleanse(secret, len);
        free(secret);
        return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to compute the ECDH shared secret");
    }
    *out = secret;
    *out_len = len;
    return KSSIM_OK;
}
