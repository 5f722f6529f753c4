/*
 * runner_internal.h - what the runner's step implementations share: the device, the values saved
 * under `as:` names, and small helpers that turn a step's arguments into device-call parameters.
 */
#ifndef SIM_RUNNER_RUNNER_INTERNAL_H
#define SIM_RUNNER_RUNNER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kssim/kssim.h>

#include "framework/app_view.h"
#include "runner/scenario.h"

/* What a name given with as: holds at run time. The parser checked every reference, but the step
 * that defines a name may itself have been refused (on purpose, with expect:); its slot then stays
 * empty and later steps pass zeros (handle 0, empty signature), which the device refuses in its own
 * words. */
typedef struct runner_slot {
    bool produced;
    kssim_operation operation; /* operations */
    uint32_t purpose;
    kssim_auth_token token; /* tokens */
    uint8_t *bytes;         /* signatures, outputs; ciphertexts as nonce || body */
    size_t length;
    size_t nonce_length; /* ciphertexts */
    uint8_t *plaintext;  /* ciphertexts: what was encrypted; encrypt operations: what was fed so far */
    size_t plaintext_length;
    long ciphertext_slot;     /* decrypt operations begun with ciphertext: that slot, else -1 */
    bool fed_by_update;       /* operations: an update supplied data */
    kssim_snapshot *snapshot; /* snapshots */
} runner_slot;

#define RUNNER_NOTE_MAX 512

typedef struct runner_context {
    kssim_device *device;
    const scenario *scenario;
    int api_level;      /* the release this run simulates: picks the values written per release */
    runner_slot *slots; /* one per scenario slot */
    /* The runner's own explanation of a result, when the device's message would not say it (a
     * round-trip mismatch) or would be overwritten (an abort after a refused finish). */
    char note[RUNNER_NOTE_MAX];
    /* expect_key: what the key turned out to be. */
    bool key_observed;
    kssim_key_state observed_state;
    kssim_invalidation_reason observed_reason;
    /* sign/decrypt: the finish half refused (the app's Signature.sign / Cipher.doFinal), not the begin. */
    bool refused_in_finish;
} runner_context;

typedef kssim_result (*runner_step_function)(runner_context *context, const scenario_step *step);

/* One implementation per action, in the files runner_steps_*.c. */
kssim_result runner_step_advance(runner_context *context, const scenario_step *step);
kssim_result runner_step_set_wall_clock(runner_context *context, const scenario_step *step);
kssim_result runner_step_reboot(runner_context *context, const scenario_step *step);
kssim_result runner_step_lock(runner_context *context, const scenario_step *step);
kssim_result runner_step_unlock(runner_context *context, const scenario_step *step);
kssim_result runner_step_set_credential(runner_context *context, const scenario_step *step);
kssim_result runner_step_change_credential(runner_context *context, const scenario_step *step);
kssim_result runner_step_reset_credential(runner_context *context, const scenario_step *step);
kssim_result runner_step_remove_credential(runner_context *context, const scenario_step *step);
kssim_result runner_step_verify_credential(runner_context *context, const scenario_step *step);
kssim_result runner_step_enroll_biometric(runner_context *context, const scenario_step *step);
kssim_result runner_step_remove_biometric(runner_context *context, const scenario_step *step);
kssim_result runner_step_authenticate_biometric(runner_context *context, const scenario_step *step);
kssim_result runner_step_callback_without_crypto(runner_context *context, const scenario_step *step);
kssim_result runner_step_prompt(runner_context *context, const scenario_step *step);
kssim_result runner_step_generate_key(runner_context *context, const scenario_step *step);
/* The kssim_key_spec a generate_key or import_key step asks for, on the algorithm's defaults (runner_steps_keys.c). */
void runner_fill_key_spec(const scenario_step *step, kssim_algorithm algorithm, kssim_key_spec *spec);
kssim_result runner_step_import_key(runner_context *context, const scenario_step *step);
kssim_result runner_step_delete_key(runner_context *context, const scenario_step *step);
kssim_result runner_step_expect_key(runner_context *context, const scenario_step *step);
kssim_result runner_step_sign(runner_context *context, const scenario_step *step);
kssim_result runner_step_verify(runner_context *context, const scenario_step *step);
kssim_result runner_step_encrypt(runner_context *context, const scenario_step *step);
kssim_result runner_step_decrypt(runner_context *context, const scenario_step *step);
kssim_result runner_step_begin(runner_context *context, const scenario_step *step);
kssim_result runner_step_update(runner_context *context, const scenario_step *step);
kssim_result runner_step_finish(runner_context *context, const scenario_step *step);
kssim_result runner_step_abort(runner_context *context, const scenario_step *step);
kssim_result runner_step_forge_token(runner_context *context, const scenario_step *step);
kssim_result runner_step_replay_token(runner_context *context, const scenario_step *step);
kssim_result runner_step_tamper_key_blob(runner_context *context, const scenario_step *step);
kssim_result runner_step_snapshot(runner_context *context, const scenario_step *step);
kssim_result runner_step_restore_snapshot(runner_context *context, const scenario_step *step);
/* runner_steps_faults.c (issue 14) */
kssim_result runner_step_inject_fault(runner_context *context, const scenario_step *step);
kssim_result runner_step_expect_attestation(runner_context *context, const scenario_step *step);

/* What the app sees for this step's result (runner_app_view.c). */
void runner_app_view(const runner_context *context, const scenario_step *step, kssim_result result, app_view *out);

/* ---- Arguments (runner_arguments.c) ---- */

/* The text of a string argument, NULL when it was not written. */
const char *runner_text(const scenario_step *step, scenario_key key);
/* The number (or word value, or bool) of an argument, fallback when it was not written. */
uint64_t runner_number(const scenario_step *step, scenario_key key, uint64_t fallback);
/* data or data_hex; empty when neither was written. */
void runner_data(const scenario_step *step, const uint8_t **data, size_t *length);
/* digest, padding and block_mode. */
void runner_op_params(const scenario_step *step, kssim_op_params *params);
/* A challenge written as a number, or the challenge of the operation it names; 0 when absent. */
uint64_t runner_challenge(const runner_context *context, const scenario_step *step);
/* The slot an argument names (op:, signature:, ciphertext:, replay_token:, as:), or NULL. */
runner_slot *runner_slot_of(runner_context *context, const scenario_step *step, scenario_key key);

/* ---- Saved values (runner_slots.c) ---- */

/* Replaces *bytes with first || second; false when memory ran out. */
bool runner_bytes_set(uint8_t **bytes, size_t *length, const uint8_t *first, size_t first_length, const uint8_t *second,
                      size_t second_length);
void runner_slots_free(runner_slot *slots, size_t count);
/* A ciphertext's body (what follows the nonce); empty when the ciphertext was never produced. */
void runner_ciphertext_body(const runner_slot *ciphertext, const uint8_t **body, size_t *length);
/* Sets params' nonce to the ciphertext's (none for RSA ciphertexts). */
void runner_ciphertext_nonce(const runner_slot *ciphertext, kssim_op_params *params);
/* Keeps the device's explanation of a refusal before further device calls replace it. */
kssim_result runner_keep_refusal(runner_context *context, kssim_result result);

#endif
