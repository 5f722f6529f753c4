/*
 * device.c - creating and inspecting a simulated phone.
 *
 * A new device is a phone straight out of the box: no lock screen, no biometrics, no keys, unlocked,
 * first boot. Everything random about it follows from the seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/android_versions.h"
#include "core/names.h"
#include "framework/device.h"

void kssim_config_default(kssim_config *config)
{
    config->seed = 1;
    config->api_level = 34;
    config->security_level = KSSIM_SECURITY_TEE;
    config->wall_clock_ms = KSSIM_DEFAULT_WALL_CLOCK_MS;
    config->realtime = false;
}

kssim_result kssim_device_create(const kssim_config *config, kssim_device **out)
{
    *out = NULL;
    /* Only a release the table models: its rules would otherwise be guesses. */
    if (sim_android_release_find(config->api_level) == NULL)
        return KSSIM_INVALID_ARGUMENT;
    if (config->security_level != KSSIM_SECURITY_SOFTWARE && config->security_level != KSSIM_SECURITY_TEE &&
        config->security_level != KSSIM_SECURITY_STRONGBOX)
        return KSSIM_INVALID_ARGUMENT;
    kssim_device *device = calloc(1, sizeof(*device));
    if (device == NULL)
        return KSSIM_SYSTEM_ERROR;
    device->config = *config;
    device->env.clock.boot_ms = 0;
    device->env.clock.wall_ms = config->wall_clock_ms;
    if (sim_crypto_init(&device->env.crypto, config->seed) != 0) {
        free(device);
        return KSSIM_SYSTEM_ERROR;
    }
    if (sim_secure_world_init(&device->sw, &device->env, config->security_level) != 0) {
        sim_crypto_cleanup(&device->env.crypto);
        free(device);
        return KSSIM_SYSTEM_ERROR;
    }
    device->sw.api_level = config->api_level;
    sim_keystore2_init(&device->ks, &device->env, &device->sw, config->api_level);
    *out = device;
    return KSSIM_OK;
}

void kssim_device_free(kssim_device *device)
{
    if (device == NULL)
        return;
    /* A persistent device's open transaction, if any, is rolled back: what it did is not committed. */
    if (device->store != NULL)
        device->close_store(device->store);
    sim_keystore2_cleanup(&device->ks);
    sim_secure_world_cleanup(&device->sw);
    sim_crypto_cleanup(&device->env.crypto);
    free(device);
}

OSSL_LIB_CTX *sim_device_library_context(const kssim_device *device)
{
    return device->env.crypto.libctx;
}

const char *kssim_device_message(const kssim_device *device)
{
    return device->env.message;
}

void kssim_set_explain(kssim_device *device, bool explain)
{
    sim_decision_enable(&device->env, explain);
}

const char *kssim_device_decision(const kssim_device *device)
{
    return sim_decision_text(&device->env);
}

void kssim_device_decision_clear(kssim_device *device)
{
    sim_decision_clear(&device->env);
}

void kssim_free(void *p)
{
    free(p);
}

size_t sim_framework_biometric_sids(const kssim_device *device, uint64_t sids[KSSIM_MODALITY_COUNT])
{
    size_t n = 0;
    for (int m = 0; m < KSSIM_MODALITY_COUNT; m++)
        if (device->sw.biometric.authenticator_ids[m] != 0)
            sids[n++] = device->sw.biometric.authenticator_ids[m];
    return n;
}

kssim_result kssim_status_get(kssim_device *device, kssim_status *status)
{
    SIM_BEGIN_CALL(device);
    memset(status, 0, sizeof(*status));
    const sim_gatekeeper *gk = &device->sw.gatekeeper;
    status->credential = gk->enrolled ? gk->type : KSSIM_CREDENTIAL_NONE;
    status->root_sid = gk->enrolled ? gk->sid : 0;
    memcpy(status->authenticator_ids, device->sw.biometric.authenticator_ids, sizeof(status->authenticator_ids));
    status->biometric_count = device->sw.biometric.count;
    status->locked = device->ks.locked;
    status->unlocked_since_boot = device->ks.unlocked_since_boot;
    status->boot_ms = device->env.clock.boot_ms;
    status->wall_ms = device->env.clock.wall_ms;
    status->boot_count = device->sw.boot_count;
    status->failed_attempts = gk->failure_count;
    status->api_level = device->config.api_level;
    status->security_level = device->config.security_level;
    status->realtime = device->config.realtime;
    status->prompt = device->prompt.response;
    status->prompt_biometric_id = device->prompt.biometric_id;
    status->prompt_remaining = device->prompt.remaining;
    status->rollback_detected = device->rollback_detected;
    return KSSIM_OK;
}

/* The provider's refusals (provider/device_session.c) come through here, so that the reason outlives the
 * process and the clients that drop OpenSSL's error data. Recorded at the refusal, before the commit that
 * stores it: the refusal and its record are committed together. */
void kssim_device_record_refusal(kssim_device *device, kssim_result result, const char *sentence)
{
    if (result == KSSIM_OK || device->current_call_is_abort)
        return;
    kssim_refusal_record *record = &device->last_refusal;
    const char *why = sentence != NULL && sentence[0] != '\0' ? sentence : kssim_device_message(device);
    if (why == NULL || why[0] == '\0')
        why = kssim_result_advice(result);
    memset(record, 0, sizeof(*record));
    record->present = true;
    record->result = result;
    const char *purpose = device->current_call_purpose != 0 ? sim_purpose_name(device->current_call_purpose) : NULL;
    snprintf(record->what, sizeof(record->what), "%s", purpose != NULL ? purpose : "device call");
    snprintf(record->alias, sizeof(record->alias), "%s", device->current_call_alias);
    snprintf(record->sentence, sizeof(record->sentence), "%s", why != NULL ? why : "");
    record->boot_ms = device->env.clock.boot_ms;
    record->wall_ms = device->env.clock.wall_ms;
    record->boot_count = device->sw.boot_count;
}

void kssim_device_last_refusal(const kssim_device *device, kssim_refusal_record *record)
{
    *record = device->last_refusal;
}
