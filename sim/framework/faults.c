/*
 * faults.c - the failures real devices show, injected where they happen on a phone (docs/faults.md).
 *
 * This file holds the faults of the framework's side of the keystore2 boundary: keystore2 not answering
 * its binder (the daemon died or is restarting), and auth tokens that reach keystore2's cache late. The
 * secure world's own faults (a failing StrongBox, a blob that does not open) live in
 * sim/secure/keymint_faults.c; the wall clock jump is the user's or the network's, so it is here too.
 * Every fault counts calls or waits on the boot clock: nothing reads the host's time.
 */
#include <string.h>

#include "core/android_versions.h"
#include "framework/device.h"

static const char *const fault_names[] = {
    [KSSIM_FAULT_KEYSTORE_UNAVAILABLE] = "keystore_unavailable",
    [KSSIM_FAULT_STRONGBOX_FAILING] = "strongbox_failing",
    [KSSIM_FAULT_TOKEN_DELAYED] = "token_delayed",
    [KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE] = "key_blob_requires_upgrade",
    [KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE] = "key_blob_undecryptable",
    [KSSIM_FAULT_WALL_CLOCK_JUMP] = "wall_clock_jump",
    [KSSIM_FAULT_CLEAR] = "clear",
};
#define FAULT_COUNT (sizeof(fault_names) / sizeof(fault_names[0]))

const char *kssim_fault_name(kssim_fault fault)
{
    return (unsigned)fault < FAULT_COUNT ? fault_names[fault] : NULL;
}

int kssim_fault_from_name(const char *name, kssim_fault *out)
{
    for (size_t i = 0; i < FAULT_COUNT; i++)
        if (name != NULL && strcmp(fault_names[i], name) == 0) {
            *out = (kssim_fault)i;
            return 0;
        }
    return -1;
}

/* One binder transaction to keystore2: false while the keystore_unavailable fault lasts, each failed
 * transaction using up one of its calls (as each reaches a dead binder). */
static bool keystore_answers(kssim_device *device)
{
    if (device->faults.keystore_unavailable_calls == 0)
        return true;
    device->faults.keystore_unavailable_calls--;
    return false;
}

/* R-FAULT-KEYSTORE-UNAVAILABLE: a dead keystore binder; service calls retried once (Android 12+). AOSP:
 * frameworks/base keystore/java/android/security/KeyStore2.java handleRemoteExceptionWithRetry */
kssim_result sim_framework_call_keystore_service(kssim_device *device, const char *call)
{
    sim_framework_deliver_due_tokens(device);
    if (keystore_answers(device))
        return KSSIM_OK;
    bool retried = sim_android_has(device->config.api_level, SIM_ANDROID_KEYSTORE_DEAD_BINDER_RETRIED);
    /* Android 12+ logs "Looks like we may have lost connection to the Keystore daemon", waits 50 ms
     * (RECOVERY_GRACE_PERIOD_MS, not modelled on the boot clock), looks the service up again and retries. */
    if (retried && keystore_answers(device))
        return KSSIM_OK;
    return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR,
                      "keystore did not answer %s (android.os.DeadObjectException: the keystore daemon died or is "
                      "restarting)%s: the app gets KeyStoreException SYSTEM_ERROR (4); retry once keystore is back "
                      "(the keystore_unavailable fault has %u more failing calls)",
                      call, retried ? ", nor the framework's one retry after reconnecting" : "",
                      device->faults.keystore_unavailable_calls);
}

kssim_result sim_framework_call_keystore_security_level(kssim_device *device, const char *call)
{
    sim_framework_deliver_due_tokens(device);
    if (keystore_answers(device))
        return KSSIM_OK;
    /* KeyStoreSecurityLevel.handleExceptions does not retry: RemoteException -> SYSTEM_ERROR. Android 11's
     * KeyStore.java catches it the same way ("Cannot connect to keystore"). */
    return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR,
                      "keystore did not answer %s (android.os.DeadObjectException: the keystore daemon died or is "
                      "restarting), and the framework does not retry this call: the app gets KeyStoreException "
                      "SYSTEM_ERROR (4); retry once keystore is back (the keystore_unavailable fault has %u more "
                      "failing calls)",
                      call, device->faults.keystore_unavailable_calls);
}

kssim_result sim_framework_call_keystore_operation(kssim_device *device, const char *call)
{
    sim_framework_deliver_due_tokens(device);
    if (keystore_answers(device))
        return KSSIM_OK;
    if (sim_android_has(device->config.api_level, SIM_ANDROID_KEYSTORE_DEAD_BINDER_RETRIED))
        /* KeyStoreOperation.handleExceptions: "This should prompt the caller drop the reference to this
         * operation and retry." */
        return sim_refuse(&device->env, KSSIM_INVALID_OPERATION_HANDLE,
                          "keystore did not answer the operation's %s (android.os.DeadObjectException): the "
                          "framework reports INVALID_OPERATION_HANDLE, so the app must drop this operation and "
                          "begin a new one once keystore is back (the keystore_unavailable fault has %u more "
                          "failing calls)",
                          call, device->faults.keystore_unavailable_calls);
    return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR,
                      "keystore did not answer the operation's %s (android.os.DeadObjectException; Android 11 and "
                      "earlier throw KeyStoreConnectException): begin a new operation once keystore is back (the "
                      "keystore_unavailable fault has %u more failing calls)",
                      call, device->faults.keystore_unavailable_calls);
}

static void deliver_now(kssim_device *device, const kssim_auth_token *token, uint64_t received_ms)
{
    sim_keystore2_add_auth_token_received_at(&device->ks, token, received_ms);
}

/* R-FAULT-TOKEN-DELAYED: a token reaches keystore2's cache only after a virtual delay. AOSP: system/security
 * keystore2/src/service.rs / authorization.rs add_auth_token (the only way in), enforcements.rs add_auth_token */
void sim_framework_deliver_token(kssim_device *device, const kssim_auth_token *token)
{
    sim_framework_faults *faults = &device->faults;
    sim_framework_deliver_due_tokens(device);
    if (faults->tokens_to_delay == 0 || faults->delayed_count == SIM_MAX_DELAYED_TOKENS) {
        deliver_now(device, token, device->env.clock.boot_ms);
        return;
    }
    faults->tokens_to_delay--;
    sim_delayed_token *held = &faults->delayed[faults->delayed_count++];
    held->token = *token;
    held->due_ms = device->env.clock.boot_ms + faults->token_delay_ms;
}

void sim_framework_deliver_due_tokens(kssim_device *device)
{
    sim_framework_faults *faults = &device->faults;
    uint64_t now = device->env.clock.boot_ms;
    /* In the order they reach keystore2: by due time, those due together in the order they were issued
     * (a token held back longer than one issued after it arrives after it). Each is received at its due
     * time, which is what keystore2 would have stamped on it (time_received), so the cache stays in
     * arrival order (token_cache.c checks it). */
    for (;;) {
        size_t next = faults->delayed_count;
        for (size_t i = 0; i < faults->delayed_count; i++)
            if (faults->delayed[i].due_ms <= now &&
                (next == faults->delayed_count || faults->delayed[i].due_ms < faults->delayed[next].due_ms))
                next = i;
        if (next == faults->delayed_count)
            break;
        sim_delayed_token due = faults->delayed[next];
        memmove(&faults->delayed[next], &faults->delayed[next + 1],
                (faults->delayed_count - next - 1) * sizeof(faults->delayed[0]));
        faults->delayed_count--;
        memset(&faults->delayed[faults->delayed_count], 0, sizeof(faults->delayed[0]));
        deliver_now(device, &due.token, due.due_ms);
        memset(&due, 0, sizeof(due));
    }
}

void sim_framework_drop_delayed_tokens(kssim_device *device)
{
    /* A token still on its way when the phone reboots would be MACed with the old boot's key anyway. */
    memset(device->faults.delayed, 0, sizeof(device->faults.delayed));
    device->faults.delayed_count = 0;
}

/* R-FAULT-WALL-CLOCK-JUMP: the wall clock jumps, the boot clock does not. AOSP: keystore2/src/enforcements.rs
 * (validity dates against the wall clock, token ages against the boot clock, BootTime) */
static kssim_result inject_wall_clock_jump(kssim_device *device, int64_t jump_ms)
{
    int64_t wall = device->env.clock.wall_ms;
    if ((jump_ms > 0 && wall > INT64_MAX - jump_ms) || (jump_ms < 0 && wall < INT64_MIN - jump_ms))
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "a jump of %lld ms would take the wall clock outside 64-bit milliseconds: jump less far",
                          (long long)jump_ms);
    device->env.clock.wall_ms = wall + jump_ms;
    return KSSIM_OK;
}

static void clear_faults(kssim_device *device)
{
    device->faults.keystore_unavailable_calls = 0;
    device->faults.tokens_to_delay = 0;
    device->faults.token_delay_ms = 0;
    /* Tokens held back arrive now, as the stalled delivery completes. */
    for (size_t i = 0; i < device->faults.delayed_count; i++)
        deliver_now(device, &device->faults.delayed[i].token, device->env.clock.boot_ms);
    sim_framework_drop_delayed_tokens(device);
    sim_keymint_clear_strongbox_fault(&device->sw);
}

kssim_result kssim_inject_fault(kssim_device *device, const kssim_fault_spec *spec)
{
    SIM_BEGIN_CALL(device);
    if (spec == NULL)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT, "name the fault to inject");
    switch (spec->fault) {
    case KSSIM_FAULT_KEYSTORE_UNAVAILABLE:
        if (spec->calls == 0)
            return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                              "keystore_unavailable needs the number of binder calls that fail: give calls of 1 or "
                              "more");
        device->faults.keystore_unavailable_calls = spec->calls;
        return KSSIM_OK;
    case KSSIM_FAULT_STRONGBOX_FAILING:
        return sim_keymint_inject_strongbox_fault(&device->sw, spec->calls);
    case KSSIM_FAULT_TOKEN_DELAYED:
        if (spec->delay_ms == 0)
            return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                              "token_delayed needs how late the token arrives: give a delay of 1ms or more");
        if (spec->delay_ms > KSSIM_CLOCK_MAX_MS)
            return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                              "a token delay must fit the boot clock: give at most %llu ms",
                              (unsigned long long)KSSIM_CLOCK_MAX_MS);
        device->faults.tokens_to_delay = spec->calls != 0 ? spec->calls : 1;
        device->faults.token_delay_ms = spec->delay_ms;
        return KSSIM_OK;
    case KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE:
    case KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE: {
        bool every_key = spec->alias[0] == '\0';
        if (every_key && spec->fault == KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE)
            return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                              "key_blob_undecryptable needs the alias of the key whose blob no longer decrypts");
        return sim_keystore2_inject_blob_fault(
            &device->ks, every_key ? NULL : spec->alias,
            spec->fault == KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE ? KSSIM_KEY_REQUIRES_UPGRADE : KSSIM_INVALID_KEY_BLOB);
    }
    case KSSIM_FAULT_WALL_CLOCK_JUMP:
        return inject_wall_clock_jump(device, spec->jump_ms);
    case KSSIM_FAULT_CLEAR:
        clear_faults(device);
        return KSSIM_OK;
    }
    return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                      "unknown fault: use keystore_unavailable, strongbox_failing, token_delayed, "
                      "key_blob_requires_upgrade, key_blob_undecryptable, wall_clock_jump or clear");
}

kssim_result kssim_fault_status_get(kssim_device *device, kssim_fault_status *status)
{
    SIM_BEGIN_CALL(device);
    memset(status, 0, sizeof(*status));
    status->keystore_unavailable_calls = device->faults.keystore_unavailable_calls;
    status->tokens_to_delay = device->faults.tokens_to_delay;
    status->token_delay_ms = device->faults.token_delay_ms;
    status->tokens_held = device->faults.delayed_count;
    sim_keymint_fault_counts(&device->sw, &status->strongbox_failing, &status->strongbox_failing_calls,
                             &status->blobs_requiring_upgrade, &status->blobs_undecryptable);
    return KSSIM_OK;
}
