/*
 * keystore_provider.h - what the files of the OpenSSL provider `keystore` share: the provider context,
 * device sessions and transactions, the key object, keystore operations in flight, errors, and the
 * dispatch tables provider.c publishes.
 *
 * The provider is a thin door from OpenSSL's EVP API to the simulated device of include/kssim/kssim.h:
 * every decision (may this key sign now? is the user authenticated?) is the device's. What the provider
 * does itself is only what a phone's app would do in software with the public half of a key: verify,
 * encrypt, print and export it.
 */
#ifndef KEYSTORE_PROVIDER_H
#define KEYSTORE_PROVIDER_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/evp.h>

#include <kssim/kssim.h>
#include <kssim/provider.h>

#define KEYSTORE_PROVIDER_NAME    "keystore"
#define KEYSTORE_PROPERTIES       "provider=keystore"
#define KEYSTORE_LOCATION_MAX     PATH_MAX
#define KEYSTORE_TYPE_NAME_MAX    16
#define KEYSTORE_URI_SCHEME       "keystore"
#define KEYSTORE_REFERENCE_STRUCT "kssim-key-reference"
/* The names under which the key managers send a device key's operations (provider.c): only this
 * provider has them, so libcrypto never hands a device key to another provider's algorithm. */
#define KEYSTORE_OPERATION_ECDSA   "KEYSTORE-ECDSA"
#define KEYSTORE_OPERATION_ECDH    "KEYSTORE-ECDH"
#define KEYSTORE_OPERATION_RSA     "KEYSTORE-RSA"
#define KEYSTORE_OPERATION_ED25519 "KEYSTORE-ED25519"

/* ---- Device sessions (device_session.c) ---- */

typedef struct keystore_device_session keystore_device_session;

/* A mutex that knows which thread holds it, so that a function's "called with the lock held" is checked
 * (KSSIM_INVARIANT on device_lock_held_by_me in device_session.c), not only said. holder is meaningful
 * while held is true; both are atomic because a thread that does not hold the lock reads them too. */
typedef struct keystore_device_lock {
    pthread_mutex_t mutex;
    atomic_bool held;
    _Atomic(pthread_t) holder;
} keystore_device_lock;

/* Every device this process has opened through the provider, by location. After fork() the child
 * starts a new list: the parent's SQLite connections must not be used (nor closed) by the child. */
typedef struct keystore_devices {
    keystore_device_lock lock;  /* the list, its names and the default location */
    _Atomic long owner_pid;     /* the process the sessions belong to */
    atomic_flag following_fork; /* held by the thread that starts the child's own list */
    keystore_device_session *sessions;
    /* A child's view of its parent's sessions: never used (their SQLite connections belong to the parent)
     * and never closed (closing them here could fold or delete the parent's log), only kept reachable. */
    keystore_device_session *parents_sessions;
    bool default_known;
    char default_location[KEYSTORE_LOCATION_MAX];
} keystore_devices;

/* How many digest names keystore_digest_bit remembers: the spellings one process uses are few. */
#define KEYSTORE_DIGEST_NAMES    16
#define KEYSTORE_DIGEST_NAME_MAX 32

typedef struct keystore_provider {
    const OSSL_CORE_HANDLE *handle;
    /* The core's error functions from this instance's own dispatch table (errors.c). An error raised by
     * this instance is raised through its own handle, so it carries this instance's library code even
     * after another library context loads the provider again; a process-wide handle would name the last
     * instance loaded, and a freed one once that instance is unloaded. */
    OSSL_FUNC_core_new_error_fn *core_new_error;
    OSSL_FUNC_core_set_error_debug_fn *core_set_error_debug;
    OSSL_FUNC_core_vset_error_fn *core_vset_error;
    /* A library context wired to the core (BIO upcalls) in which only OpenSSL's default provider is
     * loaded: public keys are decoded, verified with and encrypted to here, never through the
     * application's context, so the provider cannot recurse into itself through a property query.
     * The context itself exists from the provider's init (the reference encoder and decoders need its
     * BIOs); the default provider is loaded in it by keystore_public_ready. */
    OSSL_LIB_CTX *public_libctx;
    char *device_param; /* the `device` configuration parameter, or NULL */
    keystore_devices devices;
    /* Loading the default provider and fetching its key managers costs more than the rest of the
     * provider's init, and processes that load the provider but never touch one of its keys (`openssl
     * list`, a PEM key's pkeyutl) do not need them: keystore_public_ready does it once, under this lock. */
    pthread_mutex_t public_lock;
    atomic_bool public_loaded;
    OSSL_PROVIDER *public_default; /* the default provider in public_libctx */
    /* The default provider's key managers in public_libctx, for the parameter lists of public halves:
     * EC, RSA, RSA-PSS, ED25519 (indexed by keystore_type_index), each fetched when its list is first
     * asked for (keystore_public_keymgmt): a signing process never asks. */
    _Atomic(EVP_KEYMGMT *) public_keymgmts[4];
    /* Each type's gettable key parameters: the default key manager's list with the device's own
     * (KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN) after it, built with the list's first request, under
     * public_lock, and kept until teardown. */
    _Atomic(OSSL_PARAM *) gettable_key_params[4];
    /* keystore_digest_bit's answers by name, exactly as asked: resolving OpenSSL's aliases takes a fetch,
     * a few percent of a signature. Entries below digest_name_count are never changed, so they are read
     * without the lock; new ones are added under public_lock. */
    struct {
        char name[KEYSTORE_DIGEST_NAME_MAX];
        uint32_t bit;
    } digest_names[KEYSTORE_DIGEST_NAMES];
    _Atomic size_t digest_name_count;
} keystore_provider;

/* Loads OpenSSL's default provider into public_libctx, once per provider;
 * false, with an error raised, if it cannot. Called before anything is made in public_libctx (public
 * keys, digests, key managers); what is made from a key's public half needs no call, the key's own
 * making having made it. */
bool keystore_public_ready(keystore_provider *provider);
/* The default provider's key manager for keystore_type_names[index] in public_libctx, fetched at the
 * first call; NULL if it does not fetch. */
EVP_KEYMGMT *keystore_public_keymgmt(keystore_provider *provider, int index);

typedef kssim_result keystore_device_call(kssim_device *device, void *arg);
/* The app call the next keystore_device_run on this thread stands for (sim/framework/app_view.h stages): its
 * refusal then also names what an app sees on the device's release. Callable inside the call too, when the
 * call moves on (begin done, finish next). keystore_device_run forgets it when it returns. */
void keystore_device_note_app_call(int stage, uint32_t purpose, kssim_algorithm algorithm);

/* Runs call as one transaction (kssim_device_begin ... kssim_device_commit) on the device at location
 * (NULL: the provider's own device), holding that device's lock so that threads take turns. On a
 * refusal it raises the OpenSSL error that names the result and carries the device's sentence. */
kssim_result keystore_device_run(keystore_provider *provider, const char *location, keystore_device_call *call,
                                 void *arg);
/* For a call that refuses on its own (not through a kssim function): records its sentence, which
 * keystore_device_run then raises instead of the device's message, and returns result. */
kssim_result keystore_device_refuse(kssim_result result, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* This thread's last refusal by keystore_device_run (KSSIM_OK if its last call succeeded), and its
 * sentence. */
kssim_result keystore_device_last_result(void);
const char *keystore_device_last_message(void);
/* The canonical location of the device a key lives on (an absolute directory, or "memory:"), as key
 * references record it. location NULL: the provider's own device. Raises an error and returns false
 * if no device can be chosen. */
bool keystore_device_canonical_location(keystore_provider *provider, const char *location, char *out, size_t out_size);
void keystore_devices_init(keystore_devices *devices);
void keystore_devices_close(keystore_devices *devices);

/* ---- Errors (errors.c) ---- */

/* The provider's own reasons; every kssim_result has its own reason as well (keystore_reason_for). */
enum keystore_reason {
    KEYSTORE_R_PRIVATE_KEY_STAYS_ON_DEVICE = 1,
    KEYSTORE_R_INVALID_KEY_REFERENCE,
    KEYSTORE_R_ALIAS_REQUIRED,
    KEYSTORE_R_UNSUPPORTED_PARAMETER,
    KEYSTORE_R_NOT_A_DEVICE_KEY,
    KEYSTORE_R_OPERATION_ALREADY_BEGUN,
    KEYSTORE_R_OPENSSL_FAILURE,
    KEYSTORE_R_OUTPUT_BUFFER_TOO_SMALL,
};

/* Takes the core's error functions from in into the provider instance (provider->handle already set). */
void keystore_errors_init(keystore_provider *provider, const OSSL_DISPATCH *in);
const OSSL_ITEM *keystore_reason_strings(void);
int keystore_reason_for(kssim_result result);
/* Every raise names the provider instance that owns the object the call is about (the context's, the
 * key's, the generation's provider), whose core handle the error goes through. */
void keystore_raise_at(const keystore_provider *provider, const char *file, int line, const char *func, int reason,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* "KEY_USER_NOT_AUTHENTICATED (-26): <sentence>", under the result's own reason. */
void keystore_raise_result_at(const keystore_provider *provider, const char *file, int line, const char *func,
                              kssim_result result, const char *sentence);
#define keystore_raise(provider, reason, ...)                                                                          \
    keystore_raise_at((provider), __FILE__, __LINE__, __func__, (reason), __VA_ARGS__)
#define keystore_raise_result(provider, result, sentence)                                                              \
    keystore_raise_result_at((provider), __FILE__, __LINE__, __func__, (result), (sentence))

/* ---- Parameter tables (params.c) ----
 * Each operation describes its parameters once, as a list macro of rows PARAM(name, type, what it sets),
 * where type is utf8_string, utf8_ptr, octet_string, int or uint64. Both what OpenSSL reads and what the
 * provider parses come from that one list:
 *
 *     #define CIPHER_SETTABLE(PARAM) PARAM(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, utf8_string, CIPHER_SETS_PADDING) ...
 *     static const OSSL_PARAM settable[] = {CIPHER_SETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
 *     static const keystore_param parsed[] = {CIPHER_SETTABLE(KEYSTORE_PARAM_ENTRY)};
 *     switch (keystore_param_meaning(parsed, KEYSTORE_PARAM_COUNT(parsed), p->key)) { ... }
 *
 * so a parameter listed is a parameter parsed, and the reverse (OpenSSL 3.5 generates the same pair from
 * its providers' .inc.in files). The type only shapes the description: a set parser reads values with
 * OSSL_PARAM_get_*, which convert between types as OpenSSL's own providers accept them. */
typedef struct keystore_param {
    const char *name;
    int meaning; /* the operation's own enum: what this parameter sets or answers */
} keystore_param;

#define KEYSTORE_PARAM_TYPE_utf8_string  OSSL_PARAM_UTF8_STRING, 0
#define KEYSTORE_PARAM_TYPE_utf8_ptr     OSSL_PARAM_UTF8_PTR, 0
#define KEYSTORE_PARAM_TYPE_octet_string OSSL_PARAM_OCTET_STRING, 0
#define KEYSTORE_PARAM_TYPE_int          OSSL_PARAM_INTEGER, sizeof(int)
#define KEYSTORE_PARAM_TYPE_uint64       OSSL_PARAM_UNSIGNED_INTEGER, sizeof(uint64_t)
/* The extra level splits KEYSTORE_PARAM_TYPE_x into its OSSL_PARAM type and size. */
#define KEYSTORE_PARAM_DEFN(name, type_and_size) KEYSTORE_PARAM_DEFN_SPLIT(name, type_and_size)
#define KEYSTORE_PARAM_DEFN_SPLIT(name, type, size)                                                                    \
    {                                                                                                                  \
        (name), (type), NULL, (size), OSSL_PARAM_UNMODIFIED                                                            \
    }
#define KEYSTORE_PARAM_DESCRIPTION(name, type, meaning) KEYSTORE_PARAM_DEFN(name, KEYSTORE_PARAM_TYPE_##type),
#define KEYSTORE_PARAM_ENTRY(name, type, meaning)       {(name), (meaning)},
#define KEYSTORE_PARAM_COUNT(table)                     (sizeof(table) / sizeof((table)[0]))

/* What the row named key sets, or KEYSTORE_PARAM_UNKNOWN for a name the table does not list (which the
 * provider ignores, as OpenSSL's providers ignore parameters they do not know). */
#define KEYSTORE_PARAM_UNKNOWN (-1)
int keystore_param_meaning(const keystore_param *table, size_t count, const char *key);

/* ---- KSSIM_PROVIDER_DEBUG=1 (debug.c) ---- */

/* True if KSSIM_PROVIDER_DEBUG is "1" (read once per process). */
bool keystore_debug_enabled(void);
/* "keystore: <function without keystore_>(<arguments>)" on stderr, one line. */
void keystore_debug_call(const char *function, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What the arguments name: a key object's alias ("(public key)" for one imported), and parameters as
 * "[name=value name=value]" (with_values false: the names a get asks for). Both for the trace only; the
 * parameters' text is this thread's until its next call. */
const char *keystore_debug_key(const void *keydata);
const char *keystore_debug_params(const OSSL_PARAM params[], bool with_values);
/* Traces the dispatch call this is the first statement of; the arguments are evaluated only when
 * tracing is on. */
#define KEYSTORE_DEBUG_CALL(...)                                                                                       \
    do {                                                                                                               \
        if (keystore_debug_enabled())                                                                                  \
            keystore_debug_call(__func__, __VA_ARGS__);                                                                \
    } while (0)
#define KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS() KEYSTORE_DEBUG_CALL("%s", "")

/* ---- Key references (key_reference.c) ----
 * What names a device key outside the device: its alias, its OpenSSL type and the device. Encoded as a
 * small DER SEQUENCE, the body of the "KSSIM KEY REFERENCE" PEM and of OSSL_OBJECT_PARAM_REFERENCE. */
typedef struct keystore_key_reference {
    char alias[KSSIM_ALIAS_MAX];
    char type_name[KEYSTORE_TYPE_NAME_MAX];
    char device[KEYSTORE_LOCATION_MAX];
} keystore_key_reference;

/* What the store loader and the decoders hand to the key managers' load as OSSL_OBJECT_PARAM_REFERENCE:
 * the reference plus the provider context (load gets no provider context of its own). It is made in
 * this process only, never read from a file, and is recognised by its magic and size. */
#define KEYSTORE_OBJECT_REFERENCE_MAGIC "kssim-object-ref"
typedef struct keystore_object_reference {
    char magic[sizeof(KEYSTORE_OBJECT_REFERENCE_MAGIC)];
    keystore_provider *provider;
    keystore_key_reference key;
    /* The key object the maker of the reference loaded already (the store loader, which opened the key
     * to check it exists), held by it for as long as the reference can be loaded: load shares it
     * (keystore_key_up_ref) instead of asking the device for the same key a second time. NULL: load
     * asks the device. */
    struct keystore_key *loaded;
} keystore_object_reference;

void keystore_object_reference_init(keystore_object_reference *object, keystore_provider *provider,
                                    const keystore_key_reference *key);

/* False (raising nothing: the caller names the key's provider in its error) if OpenSSL cannot encode it. */
bool keystore_key_reference_encode(const keystore_key_reference *reference, unsigned char **der, size_t *der_len);
bool keystore_key_reference_decode(const unsigned char *der, size_t der_len, keystore_key_reference *reference);
/* What bytes read as a key reference are: someone else's (FOREIGN: no PEM label of ours, labelled false,
 * and no reference description in them), a reference (READ), or one that is damaged (DAMAGED: why holds
 * what is wrong, e.g. "it is truncated (40 of its 53 bytes)"). why may be NULL. */
typedef enum keystore_reference_reading {
    KEYSTORE_REFERENCE_FOREIGN,
    KEYSTORE_REFERENCE_DAMAGED,
    KEYSTORE_REFERENCE_READ,
} keystore_reference_reading;
keystore_reference_reading keystore_key_reference_read(const unsigned char *der, size_t der_len, bool labelled,
                                                       keystore_key_reference *reference, char *why, size_t why_size);
/* Raises KEYSTORE_R_INVALID_KEY_REFERENCE for a damaged reference, with what is wrong and what to do. */
void keystore_key_reference_raise_damaged(const keystore_provider *provider, const keystore_key_reference *partial,
                                          const char *why);

/* ---- Keys (keymgmt_core.c) ---- */

typedef struct keystore_key {
    keystore_provider *provider;
    _Atomic int references;
    char type_name[KEYSTORE_TYPE_NAME_MAX]; /* "EC", "RSA", "RSA-PSS", "ED25519" */
    bool on_device;                         /* a device key (alias); false: a public key imported */
    bool has_public;                        /* public_key holds the public half, not only parameters */
    keystore_key_reference reference;       /* on_device keys */
    kssim_key_spec spec;                    /* on_device keys: the policy as generated */
    EVP_PKEY *public_key;                   /* in public_context; NULL for an empty key */
    /* Where public_key lives and its verifications, shadows and digests are fetched: a device key's
     * device's own library context (sim_device_library_context: one context per process instead of two,
     * both holding OpenSSL's default provider only), provider->public_libctx for a public half imported
     * from parameters. Both outlive every key (devices close at the provider's teardown). Work that
     * draws randomness (RSA encryption) runs in provider->public_libctx whatever this is. */
    OSSL_LIB_CTX *public_context;
    /* on_device keys: the SubjectPublicKeyInfo the alias held when this object was loaded, the key's
     * identity. Android's key objects name their key by its database id, not by alias; an operation
     * begins only while the alias still holds this key (device_operation.c). NULL for other keys. */
    uint8_t *identity;
    size_t identity_len;
    /* Signature contexts' shadows on public_key (signature.c), as their init leaves them before its
     * parameters, by the init's digest name ("" for none): an init copies one (EVP_PKEY_CTX_dup) rather
     * than building a context, fetching the signature and setting the digest each time. A slot's name
     * is written before its context is published, and neither changes until the key is freed, so
     * they are read without shadow_lock; new ones are added under it. */
    pthread_mutex_t shadow_lock;
    struct {
        char digest[KEYSTORE_DIGEST_NAME_MAX];
        _Atomic(EVP_PKEY_CTX *) shadow;
    } shadow_templates[4];
    /* A reference the device refused to load (unknown alias, invalidated key): libcrypto discards the
     * errors of a failed load from a file, so the key object carries the refusal to the first use. */
    kssim_result refusal;
    char refusal_message[512];
} keystore_key;

/* The key's attestation chain (concatenated DER, leaf first, malloc'd; kssim_free), or *chain NULL for a
 * key generated without an attestation challenge (no error then). location as keystore_device_run. */
kssim_result keystore_read_attestation_chain(keystore_provider *provider, const char *location, const char *alias,
                                             uint8_t **chain, size_t *chain_len);

/* Raises the refusal a key object carries and returns false; true for a usable key. */
bool keystore_key_check_usable(const keystore_key *key);

keystore_key *keystore_key_new(keystore_provider *provider, const char *type_name);
void keystore_key_up_ref(keystore_key *key);
void keystore_key_free(keystore_key *key);
/* The key alias names on a device (location NULL: the provider's own). type_name NULL: the type the
 * device's key has (RSA keys that may only use PSS are RSA-PSS). */
keystore_key *keystore_key_load(keystore_provider *provider, const char *location, const char *alias,
                                const char *type_name);
/* The OpenSSL type of a device key with this policy. */
const char *keystore_type_name_for(const kssim_key_spec *spec);

/* ---- Key generation (keymgmt_generate.c) ---- */

typedef struct keystore_generation {
    keystore_provider *provider;
    char type_name[KEYSTORE_TYPE_NAME_MAX];
    kssim_key_spec spec;
    bool has_alias;
    bool digests_given;
} keystore_generation;

keystore_generation *keystore_generation_new(keystore_provider *provider, const char *type_name,
                                             kssim_algorithm algorithm);
/* The policy parameters every algorithm shares (alias, user-auth, ...). Returns 0 on a bad value. */
int keystore_generation_set_policy_params(keystore_generation *generation, const OSSL_PARAM params[]);
keystore_key *keystore_generation_run(keystore_generation *generation);
void keystore_generation_free(keystore_generation *generation);
/* The OSSL_PARAM descriptions of the policy parameters, for gen_settable_params lists. */
#define KEYSTORE_POLICY_SETTABLE_PARAMS                                                                                \
    OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, NULL, 0),                                                       \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_USER_AUTH, NULL, 0),                                               \
        OSSL_PARAM_uint32(KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT, NULL),                                                    \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_INVALIDATED_BY_ENROLLMENT, NULL, 0),                               \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_UNLOCKED_DEVICE_REQUIRED, NULL, 0),                                \
        OSSL_PARAM_uint32(KSSIM_PROVIDER_PARAM_USAGE_COUNT_LIMIT, NULL),                                               \
        OSSL_PARAM_uint32(KSSIM_PROVIDER_PARAM_MAX_USES_PER_BOOT, NULL),                                               \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_SECURITY_LEVEL, NULL, 0),                                          \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_PURPOSES, NULL, 0),                                                \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_DIGESTS, NULL, 0),                                                 \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_ROLLBACK_RESISTANT, NULL, 0),                                      \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_ATTESTATION_CHALLENGE, NULL, 0),                                   \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_ATTESTATION_APPLICATION_ID, NULL, 0),                              \
        OSSL_PARAM_utf8_string(KSSIM_PROVIDER_PARAM_ATTESTATION_APP_SIGNATURE_DIGEST, NULL, 0)

/* ---- Keystore operations in flight (device_operation.c) ----
 * One keystore operation (kssim_begin ... kssim_finish), shared by an EVP context and the copies
 * OpenSSL makes of it (EVP_DigestSignFinal signs on a duplicate): the last one released aborts it. */

/* Where an operation is in its life, as the provider knows it. The transitions, and nothing else (each
 * is checked with KSSIM_INVARIANT in device_operation.c: the provider's code decides them, not its caller):
 *
 *   NEW --begin--> BEGUN --update--> UPDATED --update--> UPDATED
 *   NEW, BEGUN, UPDATED --finish (or begin-and-finish)--> FINISHED | FAILED | UNAUTHENTICATED
 *   BEGUN, UPDATED --refused update--> FAILED
 *   BEGUN, UPDATED, UNAUTHENTICATED --end: a refused final call, or the last reference released--> ABORTED
 *
 * A refused begin frees a NEW operation; FINISHED, FAILED and ABORTED are final. Only BEGUN and UPDATED
 * are live (a final call finishes them). UNAUTHENTICATED is a finish refused for want of a token: the
 * device ended it from Android 10, Android 9's keystore kept it, so it is still aborted at its end. */
typedef enum keystore_operation_state {
    KEYSTORE_OPERATION_NEW,             /* allocated; the device has not begun it */
    KEYSTORE_OPERATION_BEGUN,           /* kssim_begin succeeded; no data sent yet */
    KEYSTORE_OPERATION_UPDATED,         /* part of the data went to the device in kssim_update */
    KEYSTORE_OPERATION_FINISHED,        /* kssim_finish succeeded: the device ended it */
    KEYSTORE_OPERATION_FAILED,          /* a call was refused and the device ended it */
    KEYSTORE_OPERATION_UNAUTHENTICATED, /* a finish refused with KEY_USER_NOT_AUTHENTICATED (see above) */
    KEYSTORE_OPERATION_ABORTED,         /* the provider ended it (kssim_abort; in a forked child, forgotten) */
} keystore_operation_state;

typedef struct keystore_operation {
    keystore_provider *provider;
    _Atomic int references;
    char device[KEYSTORE_LOCATION_MAX];
    long pid; /* the process that began it: operations live in that process's memory of the device */
    kssim_operation op;
    keystore_operation_state state; /* moved only by device_operation.c's move_operation */
    /* digest-sign: the bytes every update has sent, so that a context copied in the middle of a streamed
     * message can tell that another copy fed the operation since (signature.c) */
    uint64_t bytes_streamed;
    /* What the app's Signature / Cipher / Mac is, for the app's view of a refusal (keystore_device_note_app_call). */
    uint32_t purpose;
    kssim_algorithm algorithm;
} keystore_operation;

/* kssim_begin on the key's device; the armed system prompt answers per-operation keys here. */
keystore_operation *keystore_operation_begin(const keystore_key *key, uint32_t purpose, const kssim_op_params *params);
/* kssim_finish with all the data at once. Any outcome ends the operation: a per-operation key's user
 * authenticates with the challenge before this call, not after a refusal. */
/* kssim_update with first, then with then (either may be empty), in one transaction: the streaming of
 * digest-sign data (signature.c). Any refusal ends the operation, as KeyMint ends it. */
kssim_result keystore_operation_update(keystore_operation *operation, const uint8_t *first, size_t first_len,
                                       const uint8_t *then, size_t then_len);
kssim_result keystore_operation_finish(keystore_operation *operation, const uint8_t *data, size_t len, uint8_t **out,
                                       size_t *out_len);
/* Begin and finish in one transaction: for keys whose operations need no token of their own (a
 * per-operation key's is refused with KEY_USER_NOT_AUTHENTICATED, and the operation has ended). */
kssim_result keystore_operation_begin_and_finish(const keystore_key *key, uint32_t purpose,
                                                 const kssim_op_params *params, const uint8_t *data, size_t len,
                                                 uint8_t **out, size_t *out_len);
/* True while a final call would finish the operation (BEGUN or UPDATED). */
bool keystore_operation_is_live(const keystore_operation *operation);
void keystore_operation_up_ref(keystore_operation *operation);
void keystore_operation_free(keystore_operation *operation);

/* What every context that asks the device (signature.c, asym_cipher_rsa.c) shares: its operation, once
 * begun, and a shadow context on the public half that answers OpenSSL's parameter questions. */
typedef struct keystore_device_context {
    keystore_provider *provider;
    keystore_key *key;
    uint32_t purpose;
    EVP_PKEY_CTX *shadow;
    keystore_operation *operation;
} keystore_device_context;

/* Releases the operation, the shadow and the key (an init on a used context, or its end). */
void keystore_device_context_reset(keystore_device_context *ctx);
/* A copy shares the key and the operation by reference and gets its own shadow; 0 on failure. */
int keystore_device_context_copy(keystore_device_context *to, const keystore_device_context *from);
/* True if an operation is in flight; an operation the device ended (finished, refused, lost in a
 * reboot) is released, so the caller begins a new one. */
bool keystore_device_context_has_live_operation(keystore_device_context *ctx);
/* The shadow answers every parameter but the challenge, which only the device knows. */
void keystore_device_context_get_shadow_params(const keystore_device_context *ctx, OSSL_PARAM params[]);

/* How a context says which digest and padding its operation runs with: false, with an error raised,
 * when the device cannot run it that way. Called with the context's keystore_device_context, its first
 * member. */
/* The row of the challenge in a context's gettable parameters (see the parameter tables); meaning is the
 * context's own value for it. */
#define KEYSTORE_CHALLENGE_ROW(PARAM, meaning) PARAM(KSSIM_PROVIDER_PARAM_CHALLENGE, uint64, meaning)
typedef bool keystore_operation_params_of(keystore_device_context *ctx, kssim_op_params *params);
/* Begins the context's operation (ctx->purpose) unless one is in flight. */
bool keystore_device_context_begin(keystore_device_context *ctx, keystore_operation_params_of *params_of);
/* Answers KSSIM_PROVIDER_PARAM_CHALLENGE if params asks for it, beginning the operation; only a context
 * whose purpose is `purpose` has one. 1, or 0 with an error. */
int keystore_device_context_get_challenge(keystore_device_context *ctx, OSSL_PARAM params[], uint32_t purpose,
                                          keystore_operation_params_of *params_of);
/* The final call: finishes the operation in flight with `in`, or begins and finishes one; the result
 * (`what`: "signature", "plaintext", ...) is copied to out if it fits, and wiped. 1, or 0 with an error. */
int keystore_device_context_finish(keystore_device_context *ctx, keystore_operation_params_of *params_of,
                                   const unsigned char *in, size_t in_len, unsigned char *out, size_t *out_len,
                                   size_t out_size, const char *what);

/* ---- Digests and names shared by signature and cipher (keymgmt_core.c) ---- */

/* The KSSIM_DIGEST_* bit of an OpenSSL digest name, 0 if the device has no such digest. NULL or "" is
 * KSSIM_DIGEST_NONE. The name is resolved in libctx (a key's public_context; NULL: public_libctx):
 * every context the provider uses holds OpenSSL's default provider only, so the answer is the same. */
uint32_t keystore_digest_bit(keystore_provider *provider, OSSL_LIB_CTX *libctx, const char *name);

/* The KSSIM_PADDING_* bit of an OpenSSL RSA padding number (RSA_PKCS1_PADDING, RSA_NO_PADDING,
 * RSA_PKCS1_OAEP_PADDING, RSA_PKCS1_PSS_PADDING), 0 for any other (device_operation.c). */
uint32_t keystore_padding_bit(int rsa_padding);

/* ---- keystore: URIs (store_loader.c) ---- */

/* The alias a "keystore:ALIAS" URI names: false if uri is not such a URI or the alias is empty, holds a
 * '/', or does not fit alias_size with its NUL. */
bool keystore_uri_alias(const char *uri, char *alias, size_t alias_size);

/* ---- Dispatch tables ---- */

extern const OSSL_DISPATCH keystore_keymgmt_ec_functions[];
extern const OSSL_DISPATCH keystore_keymgmt_rsa_functions[];
extern const OSSL_DISPATCH keystore_keymgmt_rsa_pss_functions[];
extern const OSSL_DISPATCH keystore_keymgmt_ed25519_functions[];
extern const OSSL_DISPATCH keystore_signature_ecdsa_functions[];
extern const OSSL_DISPATCH keystore_signature_rsa_functions[];
extern const OSSL_DISPATCH keystore_signature_ed25519_functions[];
extern const OSSL_DISPATCH keystore_asym_cipher_rsa_functions[];
extern const OSSL_DISPATCH keystore_keyexch_ecdh_functions[];
extern const OSSL_DISPATCH keystore_store_loader_functions[];
extern const OSSL_DISPATCH keystore_encoder_reference_pem_functions[];
extern const OSSL_DISPATCH keystore_encoder_reference_der_functions[];
extern const OSSL_DISPATCH keystore_decoder_reference_pem_functions[];
extern const OSSL_DISPATCH keystore_decoder_reference_ec_functions[];
extern const OSSL_DISPATCH keystore_decoder_reference_rsa_functions[];
extern const OSSL_DISPATCH keystore_decoder_reference_rsa_pss_functions[];
extern const OSSL_DISPATCH keystore_decoder_reference_ed25519_functions[];

/* Shared pieces of the key managers (keymgmt_core.c) that the per-algorithm files put in their tables. */
OSSL_FUNC_keymgmt_free_fn keystore_keymgmt_free;
OSSL_FUNC_keymgmt_has_fn keystore_keymgmt_has;
OSSL_FUNC_keymgmt_get_params_fn keystore_keymgmt_get_params;
OSSL_FUNC_keymgmt_match_fn keystore_keymgmt_match;
OSSL_FUNC_keymgmt_export_fn keystore_keymgmt_export;
OSSL_FUNC_keymgmt_import_fn keystore_keymgmt_import;
OSSL_FUNC_keymgmt_load_fn keystore_keymgmt_load;
OSSL_FUNC_keymgmt_dup_fn keystore_keymgmt_dup;
OSSL_FUNC_keymgmt_gen_set_params_fn keystore_keymgmt_gen_set_policy_params;
OSSL_FUNC_keymgmt_gen_fn keystore_keymgmt_gen;
OSSL_FUNC_keymgmt_gen_cleanup_fn keystore_keymgmt_gen_cleanup;
/* The parameters the default provider's key manager of this type reports (the public half's). */
const OSSL_PARAM *keystore_keymgmt_gettable_params_of(keystore_provider *provider, const char *type_name);
/* 0..3 for EC, RSA, RSA-PSS, ED25519; -1 for another name. */
int keystore_type_index(const char *type_name);
extern const char *const keystore_type_names[4];

#endif
