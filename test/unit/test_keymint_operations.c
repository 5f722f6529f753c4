/*
 * test_keymint_operations.c - KeyMint's begin checks and the life of an operation: purposes, digests,
 * paddings and block modes; the rate limit and the per-boot use limit; GCM tags; handles that are
 * gone; the operation table's bound; errors that end an operation; and digest-signing input hashed as
 * it arrives, without the input bound that undigested input keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "secure/keymint_defaults.h"
#include "test_keymint_fixture.h"

static kssim_result begin(keymint_fixture *f, const test_key *k, uint32_t purpose, kssim_op_params params,
                          kssim_operation *op)
{
    kssim_operation ignored;
    return sim_keymint_begin(&f->sw, &k->blob, purpose, &params, NULL, op != NULL ? op : &ignored);
}

static void begin_and_abort_ok(keymint_fixture *f, const test_key *k, uint32_t purpose, kssim_op_params params)
{
    kssim_operation op;
    expect_result(f, begin(f, k, purpose, params, &op), KSSIM_OK);
    expect_result(f, sim_keymint_abort(&f->sw, op.handle), KSSIM_OK);
}

static void purposes_are_checked_against_algorithm_then_key(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list ec_auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    ec_auth.purposes = KSSIM_PURPOSE_VERIFY | KSSIM_PURPOSE_AGREE_KEY;
    test_key ec = generate_ok(f, &ec_auth);
    sim_auth_list rsa_auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    rsa_auth.purposes = KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_SIGN;
    rsa_auth.paddings |= KSSIM_PADDING_OAEP;
    test_key rsa = generate_ok(f, &rsa_auth);
    sim_auth_list aes_auth = auth_for(KSSIM_ALGORITHM_AES, 128);
    aes_auth.purposes = KSSIM_PURPOSE_ENCRYPT;
    test_key aes = generate_ok(f, &aes_auth);
    kssim_op_params none = params_of(0, 0, 0);

    expect_result(f, begin(f, &ec, KSSIM_PURPOSE_VERIFY, none, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    begin_and_abort_ok(f, &ec, KSSIM_PURPOSE_AGREE_KEY, none);
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_AGREE_KEY, none, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    expect_result(f, begin(f, &ec, KSSIM_PURPOSE_SIGN, none, NULL), KSSIM_INCOMPATIBLE_PURPOSE);
    expect_result(f, begin(f, &ec, KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY, none, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_ENCRYPT, none, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_DECRYPT, none, NULL), KSSIM_INCOMPATIBLE_PURPOSE);
    begin_and_abort_ok(f, &rsa, KSSIM_PURPOSE_SIGN, none);
    expect_result(f, begin(f, &aes, KSSIM_PURPOSE_SIGN, none, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    expect_result(f, begin(f, &aes, KSSIM_PURPOSE_DECRYPT, none, NULL), KSSIM_INCOMPATIBLE_PURPOSE);
    begin_and_abort_ok(f, &aes, KSSIM_PURPOSE_ENCRYPT, none);
    /* An AES key that lists SIGN and VERIFY is made, and still cannot sign or verify: the algorithm is
     * checked before the key's purposes (KeyMintTest.cpp SigningOperationsTest.AesEcbSign). */
    aes_auth.purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY | KSSIM_PURPOSE_ENCRYPT;
    test_key aes_signer = generate_ok(f, &aes_auth);
    expect_result(f, begin(f, &aes_signer, KSSIM_PURPOSE_SIGN, none, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    expect_result(f, begin(f, &aes_signer, KSSIM_PURPOSE_VERIFY, none, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    test_key_free(&aes_signer);
    test_key_free(&ec);
    test_key_free(&rsa);
    test_key_free(&aes);
}

static void digests_must_be_the_keys(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 384);
    auth.digests = KSSIM_DIGEST_SHA384 | KSSIM_DIGEST_SHA512;
    test_key ec = generate_ok(f, &auth);
    expect_result(f, begin(f, &ec, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_SHA256, 0, 0), NULL),
                  KSSIM_INCOMPATIBLE_DIGEST);
    assert_non_null(strstr(f->env.message, "sha384, sha512"));
    expect_result(f,
                  begin(f, &ec, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_SHA256 | KSSIM_DIGEST_SHA384, 0, 0), NULL),
                  KSSIM_INCOMPATIBLE_DIGEST);
    /* Without SHA-256 the default is the key's smallest digest: verifying with SHA-384 succeeds. */
    uint8_t *sig;
    size_t sig_len;
    sign_ok(f, &ec, NULL, "default digest", &sig, &sig_len);
    expect_result(f, verify_public(f, KSSIM_ALGORITHM_EC, &ec, KSSIM_DIGEST_SHA384, 0, "default digest", sig, sig_len),
                  KSSIM_OK);
    free(sig);
    sim_auth_list ed_auth = auth_for(KSSIM_ALGORITHM_ED25519, 256);
    test_key ed = generate_ok(f, &ed_auth);
    expect_result(f, begin(f, &ed, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_SHA256, 0, 0), NULL),
                  KSSIM_INCOMPATIBLE_DIGEST);
    begin_and_abort_ok(f, &ed, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_NONE, 0, 0));
    sim_auth_list pss_auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    pss_auth.digests = KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA256;
    test_key rsa = generate_ok(f, &pss_auth);
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_NONE, KSSIM_PADDING_PSS, 0), NULL),
                  KSSIM_INCOMPATIBLE_DIGEST);
    begin_and_abort_ok(f, &rsa, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_NONE, KSSIM_PADDING_PKCS1, 0));
    test_key_free(&ec);
    test_key_free(&ed);
    test_key_free(&rsa);
}

static void paddings_must_be_the_keys_and_fit_the_purpose(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    auth.purposes |= KSSIM_PURPOSE_DECRYPT;
    auth.paddings = KSSIM_PADDING_PKCS1 | KSSIM_PADDING_OAEP;
    test_key rsa = generate_ok(f, &auth);
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_SIGN, params_of(0, KSSIM_PADDING_PSS, 0), NULL),
                  KSSIM_INCOMPATIBLE_PADDING_MODE);
    /* A padding RSA has no use for with the purpose: UNSUPPORTED, whatever the key lists (the TA's
     * check_begin_rsa_params); a usable one the key lacks (PSS above): INCOMPATIBLE. */
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_SIGN, params_of(0, KSSIM_PADDING_OAEP, 0), NULL),
                  KSSIM_UNSUPPORTED_PADDING_MODE);
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_DECRYPT, params_of(0, KSSIM_PADDING_PSS, 0), NULL),
                  KSSIM_UNSUPPORTED_PADDING_MODE);
    expect_result(f, begin(f, &rsa, KSSIM_PURPOSE_DECRYPT, params_of(0, KSSIM_PADDING_PKCS7, 0), NULL),
                  KSSIM_UNSUPPORTED_PADDING_MODE);
    begin_and_abort_ok(f, &rsa, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    begin_and_abort_ok(f, &rsa, KSSIM_PURPOSE_DECRYPT, params_of(0, 0, 0));
    sim_auth_list ec_auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    test_key ec = generate_ok(f, &ec_auth);
    expect_result(f, begin(f, &ec, KSSIM_PURPOSE_SIGN, params_of(0, KSSIM_PADDING_PKCS1, 0), NULL),
                  KSSIM_INCOMPATIBLE_PADDING_MODE);
    expect_result(f, begin(f, &ec, KSSIM_PURPOSE_SIGN, params_of(0, 0, KSSIM_BLOCK_MODE_GCM), NULL),
                  KSSIM_INCOMPATIBLE_BLOCK_MODE);
    begin_and_abort_ok(f, &ec, KSSIM_PURPOSE_SIGN, params_of(0, KSSIM_PADDING_NONE, 0));
    test_key_free(&rsa);
    test_key_free(&ec);
}

static void block_modes_must_be_the_keys(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_AES, 256);
    test_key gcm_only = generate_ok(f, &auth);
    expect_result(f, begin(f, &gcm_only, KSSIM_PURPOSE_ENCRYPT, params_of(0, 0, KSSIM_BLOCK_MODE_CBC), NULL),
                  KSSIM_INCOMPATIBLE_BLOCK_MODE);
    expect_result(f, begin(f, &gcm_only, KSSIM_PURPOSE_ENCRYPT, params_of(0, KSSIM_PADDING_PKCS7, 0), NULL),
                  KSSIM_INCOMPATIBLE_PADDING_MODE);
    auth.block_modes = KSSIM_BLOCK_MODE_GCM | KSSIM_BLOCK_MODE_CBC;
    auth.paddings = KSSIM_PADDING_NONE | KSSIM_PADDING_PKCS7;
    test_key both = generate_ok(f, &auth);
    expect_result(f,
                  begin(f, &both, KSSIM_PURPOSE_ENCRYPT, params_of(0, KSSIM_PADDING_PKCS7, KSSIM_BLOCK_MODE_GCM), NULL),
                  KSSIM_INCOMPATIBLE_PADDING_MODE);
    kssim_operation op;
    expect_result(f, begin(f, &both, KSSIM_PURPOSE_ENCRYPT, params_of(0, 0, 0), &op), KSSIM_OK);
    assert_int_equal(op.nonce_len, 12); /* GCM first */
    sim_keymint_abort(&f->sw, op.handle);
    expect_result(f, begin(f, &both, KSSIM_PURPOSE_ENCRYPT, params_of(0, 0, KSSIM_BLOCK_MODE_CBC), &op), KSSIM_OK);
    assert_int_equal(op.nonce_len, 16);
    sim_keymint_abort(&f->sw, op.handle);
    /* A CTR key whose only padding is PKCS7 is made but can begin with neither padding: PKCS7 does not
     * fit CTR, and NONE is not the key's (KeyMintTest.cpp EncryptionOperationsTest.AesCtrIncompatiblePaddingMode). */
    auth.block_modes = KSSIM_BLOCK_MODE_CTR;
    auth.paddings = KSSIM_PADDING_PKCS7;
    test_key ctr_pkcs7 = generate_ok(f, &auth);
    expect_result(
        f, begin(f, &ctr_pkcs7, KSSIM_PURPOSE_ENCRYPT, params_of(0, KSSIM_PADDING_NONE, KSSIM_BLOCK_MODE_CTR), NULL),
        KSSIM_INCOMPATIBLE_PADDING_MODE);
    expect_result(
        f, begin(f, &ctr_pkcs7, KSSIM_PURPOSE_ENCRYPT, params_of(0, KSSIM_PADDING_PKCS7, KSSIM_BLOCK_MODE_CTR), NULL),
        KSSIM_INCOMPATIBLE_PADDING_MODE);
    test_key_free(&ctr_pkcs7);
    test_key_free(&gcm_only);
    test_key_free(&both);
}

static void encrypt_then_decrypt(keymint_fixture *f, const test_key *k, const char *message, uint8_t **ciphertext,
                                 size_t *ciphertext_len, kssim_operation *op)
{
    kssim_op_params params = params_of(0, 0, 0);
    expect_result(f,
                  run_operation(f, k, KSSIM_PURPOSE_ENCRYPT, &params, NULL, message, strlen(message), NULL, 0,
                                ciphertext, ciphertext_len, op),
                  KSSIM_OK);
}

static kssim_result decrypt(keymint_fixture *f, const test_key *k, const uint8_t *nonce, size_t nonce_len,
                            const uint8_t *ciphertext, size_t ciphertext_len)
{
    kssim_op_params params = params_of(0, 0, 0);
    params.nonce = nonce;
    params.nonce_len = nonce_len;
    uint8_t *plaintext = NULL;
    size_t plaintext_len = 0;
    kssim_result r = run_operation(f, k, KSSIM_PURPOSE_DECRYPT, &params, NULL, ciphertext, ciphertext_len, NULL, 0,
                                   &plaintext, &plaintext_len, NULL);
    free(plaintext);
    return r;
}

static void gcm_tag_and_nonce_are_checked(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_AES, 256);
    test_key k = generate_ok(f, &auth);
    uint8_t *ct;
    size_t ct_len;
    kssim_operation op;
    encrypt_then_decrypt(f, &k, "secret message", &ct, &ct_len, &op);
    expect_result(f, decrypt(f, &k, op.nonce, op.nonce_len, ct, ct_len), KSSIM_OK);
    ct[ct_len - 1] ^= 1; /* the tag */
    expect_result(f, decrypt(f, &k, op.nonce, op.nonce_len, ct, ct_len), KSSIM_VERIFICATION_FAILED);
    ct[ct_len - 1] ^= 1;
    ct[0] ^= 1; /* the ciphertext */
    expect_result(f, decrypt(f, &k, op.nonce, op.nonce_len, ct, ct_len), KSSIM_VERIFICATION_FAILED);
    ct[0] ^= 1;
    op.nonce[0] ^= 1; /* the nonce */
    expect_result(f, decrypt(f, &k, op.nonce, op.nonce_len, ct, ct_len), KSSIM_VERIFICATION_FAILED);
    op.nonce[0] ^= 1;
    expect_result(f, decrypt(f, &k, op.nonce, 16, ct, ct_len), KSSIM_INVALID_ARGUMENT);
    expect_result(f, decrypt(f, &k, NULL, 0, ct, ct_len), KSSIM_INVALID_ARGUMENT);
    expect_result(f, decrypt(f, &k, op.nonce, op.nonce_len, ct, 15), KSSIM_INVALID_ARGUMENT);
    kssim_op_params caller_nonce = params_of(0, 0, 0);
    caller_nonce.nonce = op.nonce;
    caller_nonce.nonce_len = op.nonce_len;
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_ENCRYPT, caller_nonce, NULL), KSSIM_CALLER_NONCE_PROHIBITED);
    free(ct);
    test_key_free(&k);
}

static void errors_in_finish_end_the_operation(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_AES, 128);
    auth.block_modes = KSSIM_BLOCK_MODE_CBC;
    test_key k = generate_ok(f, &auth);
    kssim_operation op;
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_ENCRYPT, params_of(0, 0, 0), &op), KSSIM_OK);
    expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)"abc", 3, NULL), KSSIM_OK);
    uint8_t *out = (uint8_t *)"sentinel";
    size_t out_len = 99;
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, NULL, 0, NULL, 0, NULL, &out, &out_len),
                  KSSIM_INVALID_ARGUMENT); /* 3 bytes, padding none, CBC */
    assert_null(out);
    assert_int_equal(out_len, 0);
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, NULL, 0, NULL, 0, NULL, &out, &out_len),
                  KSSIM_INVALID_OPERATION_HANDLE);
    test_key_free(&k);
}

static void handles_that_are_gone_are_refused(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    test_key k = generate_ok(f, &auth);
    uint8_t *out;
    size_t out_len;
    expect_result(f, sim_keymint_update(&f->sw, 12345, (const uint8_t *)"x", 1, NULL), KSSIM_INVALID_OPERATION_HANDLE);
    expect_result(f, sim_keymint_finish(&f->sw, 0, NULL, 0, NULL, 0, NULL, &out, &out_len),
                  KSSIM_INVALID_OPERATION_HANDLE);
    expect_result(f, sim_keymint_abort(&f->sw, 12345), KSSIM_INVALID_OPERATION_HANDLE);
    kssim_operation op;
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), &op), KSSIM_OK);
    assert_int_not_equal(op.handle, 0);
    assert_int_equal(op.challenge, op.handle);
    assert_false(op.needs_per_op_auth);
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, (const uint8_t *)"x", 1, NULL, 0, NULL, &out, &out_len),
                  KSSIM_OK);
    free(out);
    expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)"x", 1, NULL),
                  KSSIM_INVALID_OPERATION_HANDLE);
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), &op), KSSIM_OK);
    expect_result(f, sim_keymint_abort(&f->sw, op.handle), KSSIM_OK);
    expect_result(f, sim_keymint_abort(&f->sw, op.handle), KSSIM_INVALID_OPERATION_HANDLE);
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), &op), KSSIM_OK);
    fixture_reboot(f);
    expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)"x", 1, NULL),
                  KSSIM_INVALID_OPERATION_HANDLE);
    assert_non_null(strstr(f->env.message, "reboot"));
    test_key_free(&k);
}

static void updates_accumulate_until_finish(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    test_key k = generate_ok(f, &auth);
    kssim_operation op;
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, KSSIM_PADDING_PSS, 0), &op), KSSIM_OK);
    const char *parts[] = {"the ", "whole ", "", "message"};
    for (size_t i = 0; i < 4; i++)
        expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)parts[i], strlen(parts[i]), NULL),
                      KSSIM_OK);
    uint8_t *sig;
    size_t sig_len;
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, NULL, 0, NULL, 0, NULL, &sig, &sig_len), KSSIM_OK);
    expect_result(f,
                  verify_public(f, KSSIM_ALGORITHM_RSA, &k, KSSIM_DIGEST_SHA256, KSSIM_PADDING_PSS, "the whole message",
                                sig, sig_len),
                  KSSIM_OK);
    free(sig);
    test_key_free(&k);
}

/* 1 MiB of a byte pattern that depends on where it is, so a lost or repeated chunk changes the digest. */
static void fill_chunk(uint8_t *chunk, size_t len, size_t index)
{
    for (size_t i = 0; i < len; i++)
        chunk[i] = (uint8_t)(i * 31 + index * 7);
}

#define CHUNK_BYTES ((size_t)1024 * 1024)

/* ECDSA and RSA with a digest hash their input as it comes (a real KeyMint's digesting signers keep no
 * input), so more than KSSIM_OPERATION_INPUT_MAX signs; the signature is what one EVP_DigestSign over
 * the whole input gives. */
static void digest_signing_input_is_hashed_without_a_limit(void **state)
{
    keymint_fixture *f = *state;
    const size_t chunks = KSSIM_OPERATION_INPUT_MAX / CHUNK_BYTES + 4; /* 20 MiB */
    uint8_t *chunk = malloc(CHUNK_BYTES);
    assert_non_null(chunk);
    const kssim_algorithm algorithms[] = {KSSIM_ALGORITHM_EC, KSSIM_ALGORITHM_RSA};
    for (size_t a = 0; a < 2; a++) {
        sim_auth_list auth = auth_for(algorithms[a], algorithms[a] == KSSIM_ALGORITHM_EC ? 256 : 2048);
        test_key k = generate_ok(f, &auth);
        kssim_operation op;
        uint32_t padding = algorithms[a] == KSSIM_ALGORITHM_RSA ? KSSIM_PADDING_PKCS1 : 0;
        expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_SHA256, padding, 0), &op), KSSIM_OK);
        EVP_MD_CTX *expected = EVP_MD_CTX_new();
        assert_int_equal(EVP_DigestInit_ex2(expected, EVP_sha256(), NULL), 1);
        for (size_t i = 0; i < chunks; i++) {
            fill_chunk(chunk, CHUNK_BYTES, i);
            assert_int_equal(EVP_DigestUpdate(expected, chunk, CHUNK_BYTES), 1);
            if (i + 1 < chunks)
                expect_result(f, sim_keymint_update(&f->sw, op.handle, chunk, CHUNK_BYTES, NULL), KSSIM_OK);
        }
        uint8_t *sig;
        size_t sig_len;
        expect_result(f, sim_keymint_finish(&f->sw, op.handle, chunk, CHUNK_BYTES, NULL, 0, NULL, &sig, &sig_len),
                      KSSIM_OK);
        /* Verified against the digest of all 20 MiB, with the key's public half. */
        uint8_t digest[32];
        unsigned int digest_len = 0;
        assert_int_equal(EVP_DigestFinal_ex(expected, digest, &digest_len), 1);
        const unsigned char *cursor = k.spki;
        EVP_PKEY *public_key = d2i_PUBKEY(NULL, &cursor, (long)k.spki_len);
        EVP_PKEY_CTX *verify = EVP_PKEY_CTX_new(public_key, NULL);
        assert_non_null(verify);
        assert_int_equal(EVP_PKEY_verify_init(verify), 1);
        assert_int_equal(EVP_PKEY_CTX_set_signature_md(verify, EVP_sha256()), 1);
        if (algorithms[a] == KSSIM_ALGORITHM_RSA)
            assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(verify, RSA_PKCS1_PADDING), 1);
        assert_int_equal(EVP_PKEY_verify(verify, sig, sig_len, digest, digest_len), 1);
        EVP_PKEY_CTX_free(verify);
        EVP_PKEY_free(public_key);
        EVP_MD_CTX_free(expected);
        free(sig);
        test_key_free(&k);
    }
    free(chunk);
}

/* The same key, seed and message give the same signature whether the message comes in updates or in
 * the finish alone (the nonce is drawn at finish either way). */
static void streamed_signatures_are_the_whole_messages(void **state)
{
    (void)state;
    uint8_t *sigs[2];
    size_t sig_lens[2];
    for (int streamed = 0; streamed < 2; streamed++) {
        keymint_fixture *f = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
        sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
        test_key k = generate_ok(f, &auth);
        kssim_operation op;
        expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_SHA256, 0, 0), &op), KSSIM_OK);
        const char *message = "the whole message";
        if (streamed) {
            expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)message, 4, NULL), KSSIM_OK);
            expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)message + 4, 6, NULL), KSSIM_OK);
        }
        size_t offset = streamed ? 10 : 0;
        expect_result(f,
                      sim_keymint_finish(&f->sw, op.handle, (const uint8_t *)message + offset, strlen(message) - offset,
                                         NULL, 0, NULL, &sigs[streamed], &sig_lens[streamed]),
                      KSSIM_OK);
        test_key_free(&k);
        fixture_free(f);
    }
    assert_true(same_bytes(sigs[0], sig_lens[0], sigs[1], sig_lens[1]));
    free(sigs[0]);
    free(sigs[1]);
}

/* What must be kept whole (here: ECDSA without a digest) is still bounded, and the refusal names the bound. */
static void undigested_input_stays_bounded(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    auth.digests |= KSSIM_DIGEST_NONE;
    test_key k = generate_ok(f, &auth);
    kssim_operation op;
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_NONE, 0, 0), &op), KSSIM_OK);
    uint8_t *chunk = calloc(1, CHUNK_BYTES);
    assert_non_null(chunk);
    for (size_t i = 0; i < KSSIM_OPERATION_INPUT_MAX / CHUNK_BYTES; i++)
        expect_result(f, sim_keymint_update(&f->sw, op.handle, chunk, CHUNK_BYTES, NULL), KSSIM_OK);
    expect_result(f, sim_keymint_update(&f->sw, op.handle, chunk, 1, NULL), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(f->env.message, "16777216 bytes"));
    free(chunk);
    test_key_free(&k);
}

static void the_rate_limit_counts_whole_seconds_since_the_last_begin(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    auth.min_seconds_between_ops = 10;
    test_key k = generate_ok(f, &auth);
    f->env.clock.boot_ms = 1500; /* second 1 */
    begin_and_abort_ok(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    f->env.clock.boot_ms = 10999; /* second 10: 9 s later */
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), NULL), KSSIM_KEY_RATE_LIMIT_EXCEEDED);
    assert_non_null(strstr(f->env.message, "wait 1 s more"));
    f->env.clock.boot_ms = 11000; /* second 11: 10 s later */
    begin_and_abort_ok(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), NULL), KSSIM_KEY_RATE_LIMIT_EXCEEDED);
    /* Another key is not limited by this one's use. */
    sim_auth_list other_auth = auth;
    test_key other = generate_ok(f, &other_auth);
    begin_and_abort_ok(f, &other, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    fixture_reboot(f);
    begin_and_abort_ok(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    test_key_free(&k);
    test_key_free(&other);
}

static void max_uses_per_boot_resets_on_reboot(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    auth.max_uses_per_boot = 2;
    test_key k = generate_ok(f, &auth);
    begin_and_abort_ok(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    /* A refused begin is not a use. */
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(KSSIM_DIGEST_SHA512, 0, 0), NULL),
                  KSSIM_INCOMPATIBLE_DIGEST);
    begin_and_abort_ok(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), NULL), KSSIM_KEY_MAX_OPS_EXCEEDED);
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), NULL), KSSIM_KEY_MAX_OPS_EXCEEDED);
    fixture_reboot(f);
    begin_and_abort_ok(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    begin_and_abort_ok(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0));
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), NULL), KSSIM_KEY_MAX_OPS_EXCEEDED);
    test_key_free(&k);
}

/* R-OP-SLOTS-BOUNDED: the TEE KeyMint runs 16 operations at once (ta/src/lib.rs MAX_TEE_OPERATIONS); the
 * 17th begin is TOO_MANY_OPERATIONS until one ends. */
static void the_operation_table_is_bounded(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_HMAC, 256);
    test_key k = generate_ok(f, &auth);
    kssim_operation ops[16];
    for (size_t i = 0; i < 16; i++)
        expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), &ops[i]), KSSIM_OK);
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), NULL), KSSIM_TOO_MANY_OPERATIONS);
    assert_non_null(strstr(f->env.message, "16 operations"));
    expect_result(f, sim_keymint_abort(&f->sw, ops[7].handle), KSSIM_OK);
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), &ops[7]), KSSIM_OK);
    expect_result(f, begin(f, &k, KSSIM_PURPOSE_SIGN, params_of(0, 0, 0), NULL), KSSIM_TOO_MANY_OPERATIONS);
    for (size_t i = 0; i < 16; i++)
        for (size_t j = i + 1; j < 16; j++)
            assert_int_not_equal(ops[i].handle, ops[j].handle);
    test_key_free(&k); /* the operations still in flight are freed with KeyMint */
}

static void rsa_decryption_wants_a_whole_ciphertext(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    auth.purposes = KSSIM_PURPOSE_DECRYPT;
    auth.paddings = KSSIM_PADDING_OAEP;
    test_key k = generate_ok(f, &auth);
    uint8_t short_ciphertext[100] = {0};
    kssim_op_params params = params_of(0, 0, 0);
    uint8_t *out = NULL;
    size_t out_len = 0;
    expect_result(f,
                  run_operation(f, &k, KSSIM_PURPOSE_DECRYPT, &params, NULL, short_ciphertext, sizeof(short_ciphertext),
                                NULL, 0, &out, &out_len, NULL),
                  KSSIM_INVALID_ARGUMENT);
    assert_null(out);
    test_key_free(&k);
}

/* What KeyMint picks for a 0 is what sim_keymint_complete_params tells the framework, so software
 * verification checks the scheme KeyMint signed with. */
static void defaults_are_what_the_framework_is_told(void **state)
{
    keymint_fixture *f = *state;
    struct {
        kssim_algorithm algorithm;
        uint32_t digests, paddings, digest, padding;
    } cases[] = {
        {KSSIM_ALGORITHM_EC, KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA384, 0, KSSIM_DIGEST_SHA384, KSSIM_PADDING_NONE},
        {KSSIM_ALGORITHM_EC, KSSIM_DIGEST_NONE, 0, KSSIM_DIGEST_NONE, KSSIM_PADDING_NONE},
        {KSSIM_ALGORITHM_RSA, KSSIM_DIGEST_SHA256, KSSIM_PADDING_PSS, KSSIM_DIGEST_SHA256, KSSIM_PADDING_PSS},
        {KSSIM_ALGORITHM_RSA, KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA256, KSSIM_PADDING_NONE, KSSIM_DIGEST_NONE,
         KSSIM_PADDING_NONE},
        {KSSIM_ALGORITHM_RSA, KSSIM_DIGEST_SHA512, KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS, KSSIM_DIGEST_SHA512,
         KSSIM_PADDING_PKCS1},
        {KSSIM_ALGORITHM_ED25519, KSSIM_DIGEST_NONE, 0, KSSIM_DIGEST_NONE, KSSIM_PADDING_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sim_auth_list auth = auth_for(cases[i].algorithm, 0);
        auth.digests = cases[i].digests;
        auth.paddings = cases[i].paddings;
        kssim_op_params completed = params_of(0, 0, 0);
        sim_keymint_complete_params(&auth, KSSIM_PURPOSE_VERIFY, &completed);
        assert_int_equal(completed.digest, cases[i].digest);
        assert_int_equal(completed.padding, cases[i].padding);
        assert_int_equal(completed.block_mode, 0);
        test_key k = generate_ok(f, &auth);
        uint8_t *sig;
        size_t sig_len;
        sign_ok(f, &k, NULL, "defaults", &sig, &sig_len);
        expect_result(
            f, verify_public(f, cases[i].algorithm, &k, completed.digest, completed.padding, "defaults", sig, sig_len),
            KSSIM_OK);
        free(sig);
        test_key_free(&k);
    }
    sim_auth_list aes = auth_for(KSSIM_ALGORITHM_AES, 128);
    aes.block_modes = KSSIM_BLOCK_MODE_CBC | KSSIM_BLOCK_MODE_CTR;
    aes.paddings = KSSIM_PADDING_NONE | KSSIM_PADDING_PKCS7;
    kssim_op_params completed = params_of(0, 0, 0);
    sim_keymint_complete_params(&aes, KSSIM_PURPOSE_ENCRYPT, &completed);
    assert_int_equal(completed.block_mode, KSSIM_BLOCK_MODE_CBC);
    assert_int_equal(completed.padding, KSSIM_PADDING_PKCS7);
    assert_int_equal(completed.digest, 0);
    sim_auth_list rsa = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    rsa.paddings = KSSIM_PADDING_PKCS1 | KSSIM_PADDING_OAEP;
    completed = params_of(0, 0, 0);
    sim_keymint_complete_params(&rsa, KSSIM_PURPOSE_ENCRYPT, &completed);
    assert_int_equal(completed.padding, KSSIM_PADDING_OAEP);
    assert_int_equal(completed.digest, KSSIM_DIGEST_SHA256);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        TEST(purposes_are_checked_against_algorithm_then_key),
        TEST(digests_must_be_the_keys),
        TEST(paddings_must_be_the_keys_and_fit_the_purpose),
        TEST(block_modes_must_be_the_keys),
        TEST(gcm_tag_and_nonce_are_checked),
        TEST(errors_in_finish_end_the_operation),
        TEST(handles_that_are_gone_are_refused),
        TEST(updates_accumulate_until_finish),
        TEST(digest_signing_input_is_hashed_without_a_limit),
        TEST(streamed_signatures_are_the_whole_messages),
        TEST(undigested_input_stays_bounded),
        TEST(the_rate_limit_counts_whole_seconds_since_the_last_begin),
        TEST(max_uses_per_boot_resets_on_reboot),
        TEST(the_operation_table_is_bounded),
        TEST(rsa_decryption_wants_a_whole_ciphertext),
        TEST(defaults_are_what_the_framework_is_told),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
