/*
 * keymint_encryption.c - the finish of encryption and decryption: AES in GCM, CBC, CTR and ECB, and
 * RSA decryption with OAEP, PKCS#1 v1.5 or no padding.
 *
 * AES-GCM output is the ciphertext followed by the 16-byte tag, and decryption takes them the same
 * way (KeyMint's AesGcm operations append and expect the tag at the end; MAC_LENGTH 128 is the only
 * length modelled). OAEP uses the operation's digest for both the label hash and MGF1; KeyMint's
 * default MGF1 digest is SHA-1 unless RSA_OAEP_MGF_DIGEST says otherwise, and the framework's
 * software encryption (sim_public_key_encrypt) uses the same pair as here, so the two agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "secure/keymint_internal.h"

/* OpenSSL's name for AES of this key length (16, 24 or 32 bytes: AES-128, -192, -256; IKeyMintDevice.aidl
 * "must support 128, 192 and 256-bit keys") in this block mode. */
static void aes_cipher_name(size_t key_len, uint32_t block_mode, char *name, size_t name_size)
{
    const char *mode = block_mode == KSSIM_BLOCK_MODE_GCM   ? "GCM"
                       : block_mode == KSSIM_BLOCK_MODE_CBC ? "CBC"
                       : block_mode == KSSIM_BLOCK_MODE_CTR ? "CTR"
                                                            : "ECB";
    snprintf(name, name_size, "AES-%zu-%s", key_len * 8, mode);
}

/* Input lengths the mode cannot take, refused before OpenSSL sees them so the sentence can say why. */
static kssim_result check_aes_input_length(sim_env *env, const keymint_operation *op, bool encrypt)
{
    uint32_t mode = op->choice.block_mode;
    bool blocks = mode == KSSIM_BLOCK_MODE_CBC || mode == KSSIM_BLOCK_MODE_ECB;
    if (mode == KSSIM_BLOCK_MODE_GCM && !encrypt && op->input_len < KEYMINT_GCM_TAG_BYTES)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "AES-GCM ciphertext ends with its 16-byte tag, and this one has only %zu bytes: pass the "
                          "whole output of encryption",
                          op->input_len);
    if (blocks && op->choice.padding == KSSIM_PADDING_NONE && op->input_len % 16 != 0)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "%s with padding none takes whole 16-byte blocks, and %zu bytes are not: pad the data, or "
                          "use pkcs7",
                          sim_block_mode_name(mode), op->input_len);
    /* PKCS#7 always adds at least one byte, so its ciphertext is at least one whole block. */
    if (blocks && !encrypt && op->choice.padding == KSSIM_PADDING_PKCS7 &&
        (op->input_len == 0 || op->input_len % 16 != 0))
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "%s ciphertext with pkcs7 is one or more whole 16-byte blocks, and %zu bytes are not: pass "
                          "the whole output of encryption",
                          sim_block_mode_name(mode), op->input_len);
    return KSSIM_OK;
}

/* A nonce bound to the plaintext at begin (sim_keymint_begin_encryption_of) may encrypt only that
 * plaintext: under it, other data would be exactly the reuse the binding prevents. */
static kssim_result check_bound_plaintext(sim_env *env, const keymint_operation *op)
{
    uint8_t digest[32];
    if (!op->nonce_bound_to_plaintext)
        return KSSIM_OK;
    if (sim_sha256(&env->crypto, op->input, op->input_len, digest) != 0)
        return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the data to encrypt");
    if (!sim_equal_secret(digest, op->plaintext_sha256, sizeof(digest)))
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "the data to encrypt is not the data whose digest began the operation, and its nonce is "
                          "bound to that data: begin again with the digest of this data");
    return KSSIM_OK;
}

kssim_result keymint_aes_finish(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len)
{
    bool encrypt = op->purpose == KSSIM_PURPOSE_ENCRYPT;
    bool gcm = op->choice.block_mode == KSSIM_BLOCK_MODE_GCM;
    kssim_result r = check_bound_plaintext(env, op);
    if (r == KSSIM_OK)
        r = check_aes_input_length(env, op, encrypt);
    if (r != KSSIM_OK)
        return r;
    size_t data_len = gcm && !encrypt ? op->input_len - KEYMINT_GCM_TAG_BYTES : op->input_len;
    uint8_t *result = malloc(data_len + 2 * 16);
    char cipher_name[32];
    aes_cipher_name(op->symmetric_key_len, op->choice.block_mode, cipher_name, sizeof(cipher_name));
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(env->crypto.libctx, cipher_name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, total = 0;
    const uint8_t *iv = op->choice.block_mode == KSSIM_BLOCK_MODE_ECB ? NULL : op->nonce;
    int ok = result != NULL && cipher != NULL && ctx != NULL &&
             EVP_CipherInit_ex2(ctx, cipher, op->symmetric_key, iv, encrypt ? 1 : 0, NULL) &&
             EVP_CIPHER_CTX_set_padding(ctx, op->choice.padding == KSSIM_PADDING_PKCS7 ? 1 : 0) &&
             EVP_CipherUpdate(ctx, result, &n, op->input, (int)data_len);
    total = n;
    bool setup_ok = ok;
    if (ok && gcm && !encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, KEYMINT_GCM_TAG_BYTES, (void *)(op->input + data_len));
    ok = ok && EVP_CipherFinal_ex(ctx, result + total, &n);
    total += ok ? n : 0;
    if (ok && gcm && encrypt) {
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, KEYMINT_GCM_TAG_BYTES, result + total);
        total += KEYMINT_GCM_TAG_BYTES;
    }
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    if (ok) {
        *out = result;
        *out_len = (size_t)total;
        return KSSIM_OK;
    }
    free(result);
    if (!setup_ok || encrypt)
        return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to run AES-%s",
                          sim_block_mode_name(op->choice.block_mode));
    if (gcm)
        return sim_refuse(env, KSSIM_VERIFICATION_FAILED,
                          "the AES-GCM tag does not verify: the ciphertext, its tag or the nonce was changed, or "
                          "another key encrypted it");
    return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                      "the decrypted data does not end in valid PKCS#7 padding: the ciphertext or IV was changed, or "
                      "another key encrypted it");
}

kssim_result keymint_rsa_decrypt(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len)
{
    size_t key_bytes = ((size_t)EVP_PKEY_get_bits(op->private_key) + 7) / 8;
    if (op->input_len != key_bytes)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "an RSA ciphertext for this %u-bit key is %zu bytes, and this one is %zu: pass the whole "
                          "output of encryption",
                          op->auth.key_size, key_bytes, op->input_len);
    int padding = op->choice.padding == KSSIM_PADDING_OAEP    ? RSA_PKCS1_OAEP_PADDING
                  : op->choice.padding == KSSIM_PADDING_PKCS1 ? RSA_PKCS1_PADDING
                                                              : RSA_NO_PADDING;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(env->crypto.libctx, op->private_key, NULL);
    uint8_t *plaintext = malloc(key_bytes);
    size_t len = key_bytes;
    int ok = ctx != NULL && plaintext != NULL && EVP_PKEY_decrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, padding) > 0;
    if (ok && padding == RSA_PKCS1_OAEP_PADDING) {
        const char *md = sim_openssl_digest_name(op->choice.digest);
        ok = EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, NULL) > 0;
    }
    bool setup_ok = ok;
    if (ok) {
        /* Decryption draws nothing of its own: whatever OpenSSL draws is blinding (crypto.c). */
        sim_random_begin_rsa_private_key_use(&env->crypto, 0);
        ok = EVP_PKEY_decrypt(ctx, plaintext, &len, op->input, op->input_len) > 0;
        sim_random_end_rsa_private_key_use(&env->crypto);
    }
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        free(plaintext);
        if (!setup_ok)
            return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to set up RSA decryption");
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "the ciphertext does not decrypt under this key with padding %s%s%s: it was changed, or "
                          "made with another key or padding",
                          sim_padding_name(op->choice.padding), op->choice.digest ? " and digest " : "",
                          op->choice.digest ? sim_digest_name(op->choice.digest) : "");
    }
    *out = plaintext;
    *out_len = len;
    return KSSIM_OK;
}
