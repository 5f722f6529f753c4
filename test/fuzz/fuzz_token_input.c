/*
 * fuzz_token_input.c - libFuzzer target: HardwareAuthTokens chosen by the fuzzer, delivered the ways the
 * attack steps deliver them (kssim_inject_token as replay_token does, kssim_forge_token as forge_token
 * does), between operations on auth-bound keys (sim/framework/attacks.c, sim/keystore2/token_cache.c,
 * sim/secure/auth_token.c and keymint_user_auth.c).
 *
 * The token cache is the door a compromised HAL or system process reaches: every field of what comes in
 * there is the attacker's. The property checked is the one the phone exists for: a token the attacker
 * made without this boot's HMAC key - any bytes, a corrupt or previous-boot MAC, a genuine token of an
 * earlier boot replayed (as is or altered) - never lets an auth-bound key be used. A forged token with a
 * valid MAC (a compromised TEE) is allowed to work only if it names a secure ID the keys are bound to;
 * one that names none must not work either. A success the rules forbid is reported with abort().
 *
 * The input is a program: each operation is an opcode byte then its arguments (fuzz_input.h). Every run
 * starts from the same phone (support/fuzz_phone.c) after a reboot and an unlock long ago, so no genuine
 * token of this boot is fresh enough for any key: the only way to authorize is through the cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "fuzz_phone.h"
#include "store/device_image.h"

#define MAX_OPERATIONS       64
#define CAPTURED_TOKEN_COUNT 5
#define LONG_AGO_MS          (UINT64_C(3600) * 1000)
_Static_assert(LONG_AGO_MS > (uint64_t)FUZZ_PHONE_LONGEST_TIMEOUT_S * 1000, "the unlock's token must be stale");
#define PER_OPERATION_KEY_NAME "biometric per operation"

static sim_device_image phone_image;                       /* the phone every run starts from */
static kssim_auth_token captured[CAPTURED_TOKEN_COUNT];    /* genuine tokens of an earlier boot */
static const uint8_t message[] = "the server's challenge"; /* what every operation signs or encrypts */

typedef struct run_state {
    kssim_device *device;
    kssim_status status;
    bool operation_open;
    kssim_operation operation;
    size_t operation_key;
    /* A token with a valid MAC and a secure ID some key is bound to went into the cache this boot:
     * from then on a success may be legitimate (what a compromised TEE can do). */
    bool valid_token_for_bound_sid;
} run_state;

/* Signs or encrypts message with an open operation; frees what it produced. */
static kssim_result finish_operation(kssim_device *device, uint64_t handle)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    kssim_result r = kssim_finish(device, handle, message, sizeof(message), NULL, 0, &out, &out_len);
    kssim_free(out);
    return r;
}

/* Genuine tokens of the first boot, for replays; the per-operation one also shows that a genuine token
 * does authorize, so the property below is not vacuous. */
static void capture_first_boot_tokens(kssim_device *device)
{
    fuzz_phone_require(device, kssim_verify_credential(device, FUZZ_PHONE_PIN, 0, &captured[0]), "verify_credential");
    fuzz_phone_require(device, kssim_verify_credential(device, FUZZ_PHONE_PIN, 0x5eed, &captured[1]),
                       "verify_credential with a challenge");
    fuzz_phone_require(device, kssim_authenticate_biometric(device, 1, 0, &captured[2]), "fingerprint");
    fuzz_phone_require(device, kssim_authenticate_biometric(device, 2, 0, &captured[3]), "face");
    kssim_operation op;
    fuzz_phone_require(device, kssim_begin(device, PER_OPERATION_KEY_NAME, KSSIM_PURPOSE_SIGN, NULL, &op), "begin");
    fuzz_phone_require(device, kssim_authenticate_biometric(device, 1, op.challenge, &captured[4]),
                       "fingerprint for an operation");
    fuzz_phone_require(device, finish_operation(device, op.handle), "finish with a genuine token");
}

/* After a reboot: unlock, then let every key's timeout pass, so the unlock's genuine token is stale. */
static kssim_result unlock_long_ago(kssim_device *device)
{
    kssim_result r = kssim_unlock(device, FUZZ_PHONE_PIN);
    return r != KSSIM_OK ? r : kssim_advance(device, LONG_AGO_MS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kssim_device *device = fuzz_phone_new();
    capture_first_boot_tokens(device);
    fuzz_phone_require(device, kssim_reboot(device), "reboot");
    fuzz_phone_require(device, unlock_long_ago(device), "unlock");
    fuzz_phone_require(device, sim_device_image_capture(device, &phone_image), "capturing the phone");
    kssim_device_free(device);
    return 0;
}

static bool is_bound_sid(const kssim_status *status, uint64_t sid)
{
    return sid != 0 && (sid == status->root_sid || sid == status->authenticator_ids[KSSIM_MODALITY_FINGERPRINT] ||
                        sid == status->authenticator_ids[KSSIM_MODALITY_FACE]);
}

static uint64_t take_sid(fuzz_input *in, const kssim_status *status)
{
    switch (fuzz_take_u8(in) % 5) {
    case 0:
        return fuzz_take_u64(in);
    case 1:
        return status->root_sid;
    case 2:
        return status->authenticator_ids[KSSIM_MODALITY_FINGERPRINT];
    case 3:
        return status->authenticator_ids[KSSIM_MODALITY_FACE];
    default:
        return 0;
    }
}

static uint64_t take_challenge(fuzz_input *in, const run_state *run)
{
    switch (fuzz_take_u8(in) % 3) {
    case 0:
        return fuzz_take_u64(in);
    case 1:
        return run->operation_open ? run->operation.challenge : 0;
    default:
        return 0;
    }
}

static uint32_t take_type(fuzz_input *in)
{
    switch (fuzz_take_u8(in) % 4) {
    case 0:
        return KSSIM_AUTHENTICATOR_PASSWORD;
    case 1:
        return KSSIM_AUTHENTICATOR_FINGERPRINT;
    case 2:
        return KSSIM_AUTHENTICATOR_ANY;
    default:
        return fuzz_take_u32(in);
    }
}

static uint64_t take_timestamp(fuzz_input *in, const kssim_status *status)
{
    switch (fuzz_take_u8(in) % 3) {
    case 0:
        return fuzz_take_u64(in);
    case 1:
        return status->boot_ms;
    default: {
        uint32_t age = fuzz_take_u32(in);
        return age < status->boot_ms ? status->boot_ms - age : 0;
    }
    }
}

/* Any token at all, straight into the cache. */
static void inject_any_token(fuzz_input *in, run_state *run)
{
    kssim_auth_token token;
    token.challenge = take_challenge(in, run);
    token.user_id = take_sid(in, &run->status);
    token.authenticator_id = take_sid(in, &run->status);
    token.authenticator_type = take_type(in);
    token.timestamp_ms = take_timestamp(in, &run->status);
    uint8_t mac_source = fuzz_take_u8(in);
    if (mac_source % 2 == 0)
        fuzz_take_bytes(in, token.mac, sizeof(token.mac));
    else
        memcpy(token.mac, captured[mac_source / 2 % CAPTURED_TOKEN_COUNT].mac, sizeof(token.mac));
    kssim_inject_token(run->device, &token);
}

/* forge_token as the scenario step does it, with every argument the fuzzer's. */
static void forge_token(fuzz_input *in, run_state *run)
{
    uint32_t type = take_type(in);
    uint64_t sid = take_sid(in, &run->status);
    uint64_t challenge = take_challenge(in, run);
    uint64_t age = fuzz_take_u8(in) % 2 == 0 ? fuzz_take_u64(in) : fuzz_take_u32(in) % 120000;
    kssim_forged_mac mac = (kssim_forged_mac)(fuzz_take_u8(in) % 4); /* 3: not a kind; refused */
    kssim_auth_token token;
    if (kssim_forge_token(run->device, type, sid, challenge, age, mac, &token) != KSSIM_OK)
        return;
    /* A valid MAC is a compromised TEE's token: legitimate for the keys of a secure ID it carries. A
     * fingerprint token carries the root SID as its user ID, whatever sid was asked for. */
    if (mac == KSSIM_MAC_VALID &&
        (is_bound_sid(&run->status, token.user_id) || is_bound_sid(&run->status, token.authenticator_id)))
        run->valid_token_for_bound_sid = true;
}

/* A genuine token of an earlier boot, replayed as captured or with fields the fuzzer changed. */
static void replay_token(fuzz_input *in, run_state *run)
{
    kssim_auth_token token = captured[fuzz_take_u8(in) % CAPTURED_TOKEN_COUNT];
    uint8_t changes = fuzz_take_u8(in);
    if (changes & 1)
        token.challenge = take_challenge(in, run);
    if (changes & 2)
        token.timestamp_ms = take_timestamp(in, &run->status);
    if (changes & 4)
        token.authenticator_type = take_type(in);
    if (changes & 8)
        token.user_id = take_sid(in, &run->status);
    kssim_inject_token(run->device, &token);
}

static void check_authorization(const run_state *run, size_t key, kssim_result result, const char *how)
{
    if (result != KSSIM_OK || !fuzz_phone_keys[key].user_auth || run->valid_token_for_bound_sid)
        return;
    fprintf(stderr, "fuzz_token_input: '%s' (%s) was used with no genuine token of this boot: %s\n",
            fuzz_phone_keys[key].alias, how, kssim_device_message(run->device));
    abort();
}

static void close_operation(run_state *run)
{
    if (run->operation_open)
        kssim_abort(run->device, run->operation.handle);
    run->operation_open = false;
}

static void begin_operation(fuzz_input *in, run_state *run)
{
    close_operation(run);
    size_t key = fuzz_take_u8(in) % fuzz_phone_key_count;
    if (kssim_begin(run->device, fuzz_phone_keys[key].alias, fuzz_phone_keys[key].purpose, NULL, &run->operation) ==
        KSSIM_OK) {
        run->operation_open = true;
        run->operation_key = key;
    }
}

static void finish_open_operation(run_state *run)
{
    if (!run->operation_open)
        return;
    kssim_result r = finish_operation(run->device, run->operation.handle);
    check_authorization(run, run->operation_key, r, "finish");
    /* Every finish ends the operation, a refused one too (keystore2 with_locked_operation). */
    (void)r;
    close_operation(run);
}

static void use_key_at_once(fuzz_input *in, run_state *run)
{
    size_t key = fuzz_take_u8(in) % fuzz_phone_key_count;
    kssim_operation op;
    kssim_result r = kssim_begin(run->device, fuzz_phone_keys[key].alias, fuzz_phone_keys[key].purpose, NULL, &op);
    if (r != KSSIM_OK)
        return;
    r = finish_operation(run->device, op.handle);
    check_authorization(run, key, r, "begin and finish");
    if (r != KSSIM_OK)
        kssim_abort(run->device, op.handle);
}

/* A real reboot, then the unlock's effect on keystore2 without Gatekeeper: its scrypt costs about a
 * second under the sanitizers, and its genuine token is what this target keeps out of reach anyway. */
static void reboot(run_state *run)
{
    run->operation_open = false; /* a reboot ends every operation */
    if (kssim_reboot(run->device) != KSSIM_OK)
        return;
    sim_keystore2_on_device_unlocked(&run->device->ks);
    run->valid_token_for_bound_sid = false; /* the cache was emptied and the key replaced */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_state run;
    memset(&run, 0, sizeof(run));
    kssim_config config;
    kssim_config_default(&config);
    fuzz_phone_require(NULL, kssim_device_create(&config, &run.device), "creating the device");
    fuzz_phone_require(run.device, sim_device_image_restore(run.device, &phone_image), "restoring the phone");
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    for (int i = 0; i < MAX_OPERATIONS && !fuzz_input_done(&in); i++) {
        kssim_status_get(run.device, &run.status);
        switch (fuzz_take_u8(&in) % 8) {
        case 0:
            inject_any_token(&in, &run);
            break;
        case 1:
            forge_token(&in, &run);
            break;
        case 2:
            replay_token(&in, &run);
            break;
        case 3:
            kssim_advance(run.device, fuzz_take_u8(&in) % 2 == 0 ? fuzz_take_u32(&in) : fuzz_take_u64(&in));
            break;
        case 4:
            begin_operation(&in, &run);
            break;
        case 5:
            finish_open_operation(&run);
            break;
        case 6:
            use_key_at_once(&in, &run);
            break;
        default:
            reboot(&run);
            break;
        }
    }
    close_operation(&run);
    kssim_device_free(run.device);
    return 0;
}
