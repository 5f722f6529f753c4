/*
 * test_keymint_fixture.h - what the KeyMint unit tests share: a secure world on its own seeded
 * environment, authorization lists like the framework builds, and one-call sign, verify, encrypt and
 * decrypt helpers that go through begin/update/finish.
 *
 * Include it after <cmocka.h>. Every helper is static inline so each test program takes only what it
 * uses.
 */
#ifndef TEST_KEYMINT_FIXTURE_H
#define TEST_KEYMINT_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "framework/public_key_verify.h"
#include "secure/secure_world.h"

#define TEST_SEED      7
#define TEST_SID       UINT64_C(0x1111222233334444)
#define TEST_OTHER_SID UINT64_C(0x5555666677778888)

typedef struct keymint_fixture {
    sim_env env;
    sim_secure_world sw;
} keymint_fixture;

static inline keymint_fixture *fixture_new(uint64_t seed, kssim_security_level level)
{
    keymint_fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(sim_crypto_init(&f->env.crypto, seed), 0);
    f->env.clock.boot_ms = 1000;
    f->env.clock.wall_ms = KSSIM_DEFAULT_WALL_CLOCK_MS;
    assert_int_equal(sim_secure_world_init(&f->sw, &f->env, level), 0);
    return f;
}

static inline void fixture_free(keymint_fixture *f)
{
    sim_secure_world_cleanup(&f->sw);
    sim_crypto_cleanup(&f->env.crypto);
    free(f);
}

static inline int fixture_setup(void **state)
{
    *state = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
    return 0;
}

static inline int fixture_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

/* A reboot as the device does it: the boot clock restarts, then the secure world reboots. */
static inline void fixture_reboot(keymint_fixture *f)
{
    f->env.clock.boot_ms = 0;
    sim_secure_world_reboot(&f->sw);
}

/* The framework's defaults for an algorithm (kssim_key_spec_default), without user authentication. */
static inline sim_auth_list auth_for(kssim_algorithm algorithm, uint32_t key_size)
{
    sim_auth_list a;
    memset(&a, 0, sizeof(a));
    a.algorithm = algorithm;
    a.key_size = key_size;
    a.no_auth_required = true;
    a.security_level = KSSIM_SECURITY_TEE;
    switch (algorithm) {
    case KSSIM_ALGORITHM_AES:
        a.purposes = KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT;
        a.block_modes = KSSIM_BLOCK_MODE_GCM;
        a.paddings = KSSIM_PADDING_NONE;
        break;
    case KSSIM_ALGORITHM_RSA:
        a.purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
        a.digests = KSSIM_DIGEST_SHA256;
        a.paddings = KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS;
        break;
    case KSSIM_ALGORITHM_ED25519:
        a.purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
        a.digests = KSSIM_DIGEST_NONE;
        break;
    default:
        a.purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
        a.digests = KSSIM_DIGEST_SHA256;
        break;
    }
    return a;
}

/* Binds the list to TEST_SID for these authenticator types; timeout_s 0 makes a per-operation key. */
static inline sim_auth_list with_user_auth(sim_auth_list a, uint32_t types, uint32_t timeout_s)
{
    a.no_auth_required = false;
    a.sid_count = 1;
    a.sids[0] = TEST_SID;
    a.user_auth_types = types;
    a.has_auth_timeout = timeout_s > 0;
    a.auth_timeout_s = timeout_s;
    return a;
}

typedef struct test_key {
    sim_key_blob blob;
    uint8_t *spki;
    size_t spki_len;
} test_key;

static inline test_key generate_ok(keymint_fixture *f, const sim_auth_list *auth)
{
    test_key k = {0};
    kssim_result r = sim_keymint_generate_key(&f->sw, auth, &k.blob, &k.spki, &k.spki_len);
    if (r != KSSIM_OK)
        fail_msg("generate: %s: %s", kssim_result_name(r), f->env.message);
    return k;
}

static inline void test_key_free(test_key *k)
{
    sim_key_blob_free(&k->blob);
    free(k->spki);
    k->spki = NULL;
}

/* begin + finish in one call; the signature (or ciphertext, plaintext) comes back malloc'd. */
static inline kssim_result run_operation(keymint_fixture *f, const test_key *k, uint32_t purpose,
                                         const kssim_op_params *params, const kssim_auth_token *token, const void *data,
                                         size_t len, const uint8_t *signature, size_t signature_len, uint8_t **out,
                                         size_t *out_len, kssim_operation *op_out)
{
    kssim_operation op;
    kssim_result r = sim_keymint_begin(&f->sw, &k->blob, purpose, params, token, &op);
    if (op_out != NULL)
        *op_out = op;
    if (r != KSSIM_OK)
        return r;
    const kssim_auth_token *per_op = op.needs_per_op_auth ? token : NULL;
    return sim_keymint_finish(&f->sw, op.handle, data, len, signature, signature_len, per_op, out, out_len);
}

static inline kssim_result sign(keymint_fixture *f, const test_key *k, const kssim_op_params *params,
                                const char *message, uint8_t **sig, size_t *sig_len)
{
    return run_operation(f, k, KSSIM_PURPOSE_SIGN, params, NULL, message, strlen(message), NULL, 0, sig, sig_len, NULL);
}

static inline void sign_ok(keymint_fixture *f, const test_key *k, const kssim_op_params *params, const char *message,
                           uint8_t **sig, size_t *sig_len)
{
    kssim_result r = sign(f, k, params, message, sig, sig_len);
    if (r != KSSIM_OK)
        fail_msg("sign: %s: %s", kssim_result_name(r), f->env.message);
}

static inline kssim_result verify_public(keymint_fixture *f, kssim_algorithm algorithm, const test_key *k,
                                         uint32_t digest, uint32_t padding, const char *message, const uint8_t *sig,
                                         size_t sig_len)
{
    return sim_public_key_verify(&f->env, algorithm, k->spki, k->spki_len, digest, padding, (const uint8_t *)message,
                                 strlen(message), sig, sig_len);
}

static inline kssim_op_params params_of(uint32_t digest, uint32_t padding, uint32_t block_mode)
{
    kssim_op_params p;
    memset(&p, 0, sizeof(p));
    p.digest = digest;
    p.padding = padding;
    p.block_mode = block_mode;
    return p;
}

/* A token as Gatekeeper (PASSWORD: user_id = sid) or the biometric TA (FINGERPRINT: authenticator_id
 * = sid) issues it now, MAC'd with this boot's key. */
static inline kssim_auth_token token_for(keymint_fixture *f, uint32_t type, uint64_t sid, uint64_t challenge)
{
    kssim_auth_token t;
    memset(&t, 0, sizeof(t));
    t.challenge = challenge;
    t.authenticator_type = type;
    if (type == KSSIM_AUTHENTICATOR_FINGERPRINT) {
        t.user_id = TEST_OTHER_SID;
        t.authenticator_id = sid;
    } else {
        t.user_id = sid;
    }
    sim_auth_token_issue(&f->sw, &t);
    return t;
}

static inline bool same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    return a_len == b_len && memcmp(a, b, a_len) == 0;
}

static inline void expect_result(keymint_fixture *f, kssim_result got, kssim_result expected)
{
    if (got != expected)
        fail_msg("expected %s, got %s (%s)", kssim_result_name(expected), kssim_result_name(got), f->env.message);
}

#endif
