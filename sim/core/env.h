/*
 * env.h - what every layer of the simulated phone shares: its clocks, its crypto (one seeded DRBG and a
 * private OSSL_LIB_CTX) and the sentence explaining the last refusal.
 *
 * The core is a pure state machine: time comes only from these virtual clocks and randomness only from
 * the DRBG, so the same calls with the same seed give the same results on every machine.
 */
#ifndef SIM_CORE_ENV_H
#define SIM_CORE_ENV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include <kssim/kssim.h>

#include "core/codec.h"
#include "core/decision.h"

/* Two clocks, as on a phone: CLOCK_BOOTTIME (auth-token timestamps and timeouts, restarts at boot)
 * and the wall clock (key validity dates). */
typedef struct sim_clock {
    uint64_t boot_ms;
    int64_t wall_ms;
} sim_clock;

/* HMAC_DRBG (NIST SP 800-90A) over HMAC-SHA-256, seeded from the scenario's seed. */
typedef struct sim_drbg {
    uint8_t key[32];
    uint8_t value[32];
} sim_drbg;

typedef struct sim_crypto {
    OSSL_LIB_CTX *libctx; /* private: the simulator's crypto never goes through the keystore provider */
    OSSL_PROVIDER *default_provider;
    OSSL_PROVIDER *rand_provider;
    EVP_MAC *hmac;
    EVP_MD *sha256;
    EVP_MD_CTX *digest_ctx; /* reused by every SHA-256 and DRBG HMAC under the device's lock (one call at a
                               time); an operation stream has its own */
    sim_drbg drbg;
    /* While KeyMint computes with an RSA private key (sim_random_begin_rsa_private_key_use), OpenSSL's
     * draws beyond the operation's own bytes go to this side stream; not part of the device's state. */
    bool rsa_private_key_in_use;
    size_t rsa_operation_bytes_left;
    sim_drbg rsa_blinding;
} sim_crypto;

#define SIM_MESSAGE_MAX 512

typedef struct sim_env sim_env;

/* The secure world's write to its own storage (sim_env_persist_now). KSSIM_OK once everything the
 * device holds now is durable; otherwise the refusal, its sentence in env->message. */
typedef kssim_result (*sim_persist_hook)(sim_env *env, void *context);

struct sim_env {
    sim_clock clock;
    sim_crypto crypto;
    char message[SIM_MESSAGE_MAX];
    /* --explain: the decision path of the caller's current action (decision.h). Not part of the image. */
    sim_decision decision;
    /* Installed by the store for a device kept on disk (sim/store/device_open.c); NULL for a memory
     * device, whose storage is this process's memory. Not part of the device's image. */
    sim_persist_hook persist;
    void *persist_context;
};

/* Creates the crypto context: a new OSSL_LIB_CTX with the default provider for algorithms and a
 * deterministic RAND fed by the DRBG, so key generation, ECDSA nonces and PSS salts follow the seed.
 * Returns 0 on success. */
int sim_crypto_init(sim_crypto *crypto, uint64_t seed);
void sim_crypto_cleanup(sim_crypto *crypto);

void sim_random_bytes(sim_crypto *crypto, void *out, size_t len);
/* What OpenSSL draws through the deterministic RAND (deterministic_rand.c): the device's stream, except
 * on a thread inside an operation stream (below) and for RSA blinding while KeyMint computes with an RSA
 * private key (below). */
/* Returns 0, or -1 when an operation stream could not hash (out of memory; nothing else fails). */
int sim_random_bytes_for_openssl(sim_crypto *crypto, void *out, size_t len);
/* Per-operation randomness, so that a signature can be computed outside the device's lock (several
 * threads signing on one device at once; docs/device.md "Threads"). Under the lock, the operation draws
 * its seed: SIM_OPERATION_SEED_BYTES from the device's stream when the result depends on randomness
 * (advances: an ECDSA nonce, a PSS salt), else a value derived from, but not advancing, the device's
 * DRBG (RSA PKCS#1 v1.5 blinding). Either way a fixed amount, however many bytes OpenSSL then asks. Then,
 * on any thread and without the lock, between begin and end every byte this thread's OpenSSL draws from
 * crypto's library context comes from a stream of the seed alone (SHA-256 in counter mode). So a
 * signature is a function of the device's state at the seed draw and of the data, whichever thread
 * computes it when. */
#define SIM_OPERATION_SEED_BYTES 32
typedef struct sim_operation_stream {
    sim_crypto *crypto;
    EVP_MD_CTX *digest_ctx; /* the stream's own: the device's digest context belongs to the lock holder */
    uint8_t seed[SIM_OPERATION_SEED_BYTES];
    uint64_t counter;
} sim_operation_stream;
void sim_random_operation_seed(sim_crypto *crypto, bool advances, uint8_t seed[SIM_OPERATION_SEED_BYTES]);
/* Returns 0, or -1 when out of memory (nothing begun). */
int sim_random_begin_operation_stream(sim_crypto *crypto, const uint8_t seed[SIM_OPERATION_SEED_BYTES],
                                      sim_operation_stream *stream);
void sim_random_end_operation_stream(sim_operation_stream *stream);
/* RSA blinding. An RSA key object blinds every private-key computation; OpenSSL sets the blinding up
 * at the object's first use and renews it every 32 uses, drawing random numbers each time. Blinding
 * changes no result, but if its draws came from the device's stream, every later random value of the
 * device (nonces, handles, salts) would depend on how long the process had kept the key object, that
 * is, on which process signed. Between these two calls, OpenSSL's first operation_bytes come from the
 * device's stream (0 for every caller now: a PSS salt comes from the signature's operation stream) and
 * everything after them from a side stream derived from, but not advancing, the device's DRBG, so
 * KeyMint can keep one RSA key object per key (keymint_key_cache.c). Used under the device's lock
 * (decryption, undigested signatures); signatures with a digest use an operation stream instead. */
void sim_random_begin_rsa_private_key_use(sim_crypto *crypto, size_t operation_bytes);
void sim_random_end_rsa_private_key_use(sim_crypto *crypto);
/* Until sim_random_end_rsa_private_key_use, every byte OpenSSL draws comes from a stream instantiated
 * from seed alone, leaving the device's stream where it is: KeyMint's attestation certificates are
 * signed so (ECDSA's nonce from it), which makes a certificate a function of what it says and of the
 * device key, the same each time it is made, as a provisioned certificate is. */
void sim_random_begin_derived_stream(sim_crypto *crypto, const uint8_t *seed, size_t seed_len);
/* Random bytes that a rollback cannot turn against a key. A device put back to an earlier copy of
 * itself (a copied directory restored, a snapshot) replays its DRBG, which a TEE's hardware RNG never
 * does; a value that must never repeat for different data under one key (an AES-GCM or CTR nonce) is
 * therefore drawn as these bytes: an HMAC_DRBG instantiated from the device stream's next output, the
 * label and the binding (the key's identity and a digest of the data), so a replay with other data gives
 * other bytes, and a replay with the same data the same bytes (harmless: the same data encrypted alike). */
void sim_random_bytes_bound_to(sim_crypto *crypto, const char *label, const uint8_t *binding, size_t binding_len,
                               void *out, size_t len);
uint64_t sim_random_u64(sim_crypto *crypto);
/* Whether the DRBG state is a seeded one: neither zeroed (never instantiated, or wiped after use) nor
 * Instantiate's constants before the seed went in; a real state is either with probability 2^-256. */
bool sim_drbg_is_seeded(const sim_drbg *d);

/* A random 64-bit value that is never 0 (0 means "none" for SIDs, challenges and handles). */
uint64_t sim_random_nonzero_u64(sim_crypto *crypto);

/* HMAC-SHA-256; returns 0 on success. */
int sim_hmac_sha256(const sim_crypto *crypto, const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[32]);
int sim_sha256(const sim_crypto *crypto, const uint8_t *msg, size_t msg_len, uint8_t out[32]);
/* scrypt as Android's soft Gatekeeper uses it (N=16384, r=8, p=1); returns 0 on success. */
int sim_scrypt(const sim_crypto *crypto, const char *secret, const uint8_t *salt, size_t salt_len, uint8_t out[32]);

/* Installs the deterministic RAND into crypto->libctx (sim/core/deterministic_rand.c). */
int sim_deterministic_rand_install(sim_crypto *crypto);

/* Records why a call was refused and returns the result, so a refusal reads:
 *     return sim_refuse(env, KSSIM_KEY_USER_NOT_AUTHENTICATED, "authenticate within %u s", t); */
kssim_result sim_refuse(sim_env *env, kssim_result result, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sim_clear_message(sim_env *env);

/* env_image.c: what of the environment a stored device keeps - both clocks and the DRBG's state, so a
 * restored device draws the same random values the captured one would have. The library context and
 * its providers are rebuilt by kssim_device_create; the message belongs to the call, not the phone. */
void sim_env_image_encode(const sim_env *env, sim_writer *w);
/* Fills only decoded's clock and DRBG. */
void sim_env_image_decode(sim_reader *r, sim_env *decoded);
/* Copies the clock and DRBG state in place: the deterministic RAND provider points at env->crypto. */
void sim_env_image_apply(sim_env *env, const sim_env *decoded);

/* persist.c: the secure world's write to its own storage, as a TEE writes a record to its secure
 * storage (RPMB) before it answers. Gatekeeper calls it so that an attempt is counted on disk before its
 * answer is given. The rules stay free of I/O: the store does the writing through env->persist. Without
 * a hook (a memory device) there is nothing more durable to reach, and it succeeds. */
kssim_result sim_env_persist_now(sim_env *env);

/* Constant-time comparison for MACs and password hashes. */
bool sim_equal_secret(const uint8_t *a, const uint8_t *b, size_t len);

#endif
