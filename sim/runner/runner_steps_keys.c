/*
 * runner_steps_keys.c - the key steps: generate_key and import_key (an app's KeyGenParameterSpec),
 * delete_key, and expect_key, which asserts a key's state.
 */
#include <string.h>

#include "runner/runner_internal.h"

static void apply_user_auth(const scenario_arg *user_auth, kssim_key_spec *spec)
{
    const scenario_arg *timeout = scenario_arg_find(user_auth, SCENARIO_KEY_TIMEOUT);
    const scenario_arg *types = scenario_arg_find(user_auth, SCENARIO_KEY_TYPES);
    spec->user_auth = true;
    spec->auth_timeout_s = timeout != NULL ? (uint32_t)timeout->number : 0;
    spec->auth_types = types != NULL ? (uint32_t)types->number : KSSIM_AUTH_BIOMETRIC_STRONG;
}

/* Starts from the algorithm's defaults and applies every policy argument written. Also what `kssim lint`
 * reads a scenario's keys with (runner/scenario_lint.c), so it lints the key the runner would make. */
void runner_fill_key_spec(const scenario_step *step, kssim_algorithm algorithm, kssim_key_spec *spec)
{
    kssim_key_spec_default(spec, algorithm);
    const scenario_arg *alias = scenario_step_find(step, SCENARIO_KEY_ALIAS);
    memset(spec->alias, 0, sizeof(spec->alias));
    memcpy(spec->alias, alias->text, alias->length); /* the parser keeps aliases below KSSIM_ALIAS_MAX */
    for (size_t i = 0; i < step->arg_count; i++) {
        const scenario_arg *arg = &step->args[i];
        uint32_t number = (uint32_t)arg->number;
        switch (arg->key) {
        case SCENARIO_KEY_SIZE:
            spec->size = number;
            break;
        case SCENARIO_KEY_PURPOSES:
            spec->purposes = number;
            break;
        case SCENARIO_KEY_DIGESTS:
            spec->digests = number;
            break;
        case SCENARIO_KEY_BLOCK_MODES:
            spec->block_modes = number;
            break;
        case SCENARIO_KEY_PADDINGS:
            spec->paddings = number;
            break;
        case SCENARIO_KEY_USER_AUTH:
            apply_user_auth(arg, spec);
            break;
        case SCENARIO_KEY_INVALIDATED_BY_BIOMETRIC_ENROLLMENT:
            spec->invalidated_by_biometric_enrollment = number != 0;
            break;
        case SCENARIO_KEY_UNLOCKED_DEVICE_REQUIRED:
            spec->unlocked_device_required = number != 0;
            break;
        case SCENARIO_KEY_ROLLBACK_RESISTANT:
            spec->rollback_resistant = number != 0;
            break;
        case SCENARIO_KEY_MAX_USES_PER_BOOT:
            spec->max_uses_per_boot = number;
            break;
        case SCENARIO_KEY_USAGE_COUNT_LIMIT:
            spec->usage_count_limit = number;
            break;
        case SCENARIO_KEY_MIN_SECONDS_BETWEEN_OPS:
            spec->min_seconds_between_ops = number;
            break;
        case SCENARIO_KEY_ACTIVE:
            spec->has_active = true;
            spec->active_ms = arg->time_ms;
            break;
        case SCENARIO_KEY_ORIGINATION_EXPIRE:
            spec->has_origination_expire = true;
            spec->origination_expire_ms = arg->time_ms;
            break;
        case SCENARIO_KEY_USAGE_EXPIRE:
            spec->has_usage_expire = true;
            spec->usage_expire_ms = arg->time_ms;
            break;
        case SCENARIO_KEY_SECURITY_LEVEL:
            spec->security_level = (kssim_security_level)number;
            break;
        case SCENARIO_KEY_ATTESTATION_CHALLENGE:
            /* any length: KeyMint refuses one over 128 bytes (INVALID_INPUT_LENGTH) */
            kssim_key_spec_set_attestation_challenge(spec, (const uint8_t *)arg->text, arg->length);
            break;
        case SCENARIO_KEY_ATTESTATION_APP_SIGNATURE_DIGEST: {
            /* kssim_generate_key refuses any length but 32 */
            size_t kept = arg->length < sizeof(spec->attestation_app_signature_digest)
                              ? arg->length
                              : sizeof(spec->attestation_app_signature_digest);
            if (kept > 0)
                memcpy(spec->attestation_app_signature_digest, arg->text, kept);
            spec->attestation_app_signature_digest_len = arg->length == 0 ? UINT32_MAX : (uint32_t)arg->length;
            break;
        }
        case SCENARIO_KEY_ATTESTATION_APPLICATION_ID:
            memcpy(spec->attestation_application_id, arg->text, arg->length);
            spec->attestation_application_id[arg->length] = '\0';
            break;
        default:
            break;
        }
    }
}

kssim_result runner_step_generate_key(runner_context *context, const scenario_step *step)
{
    kssim_key_spec spec;
    runner_fill_key_spec(step, (kssim_algorithm)runner_number(step, SCENARIO_KEY_ALGORITHM, KSSIM_ALGORITHM_EC), &spec);
    return kssim_generate_key(context->device, &spec);
}

kssim_result runner_step_import_key(runner_context *context, const scenario_step *step)
{
    const scenario_arg *material = scenario_step_find(step, SCENARIO_KEY_PEM);
    if (material == NULL)
        material = scenario_step_find(step, SCENARIO_KEY_KEY_HEX);
    const uint8_t *bytes = (const uint8_t *)material->text;
    /* Without an algorithm the key names its own, as a PrivateKey object does on Android. */
    kssim_algorithm algorithm = (kssim_algorithm)runner_number(step, SCENARIO_KEY_ALGORITHM, 0);
    if (scenario_step_find(step, SCENARIO_KEY_ALGORITHM) == NULL) {
        kssim_result r = kssim_import_key_algorithm(context->device, bytes, material->length, &algorithm);
        if (r != KSSIM_OK)
            return r;
    }
    kssim_key_spec spec;
    runner_fill_key_spec(step, algorithm, &spec);
    /* The size is the key's own unless the step states one (which must then match). */
    if (scenario_step_find(step, SCENARIO_KEY_SIZE) == NULL)
        spec.size = 0;
    return kssim_import_key(context->device, &spec, bytes, material->length);
}

kssim_result runner_step_delete_key(runner_context *context, const scenario_step *step)
{
    return kssim_delete_key(context->device, runner_text(step, SCENARIO_KEY_VALUE));
}

kssim_result runner_step_expect_key(runner_context *context, const scenario_step *step)
{
    kssim_key_info info;
    memset(&info, 0, sizeof(info));
    kssim_result result = kssim_key_info_get(context->device, runner_text(step, SCENARIO_KEY_ALIAS), &info);
    /* An alias the device does not know is what "absent" asserts, whichever way the device says it. */
    if (result == KSSIM_KEY_NOT_FOUND) {
        info.state = KSSIM_KEY_ABSENT;
        info.reason = KSSIM_REASON_NONE;
        result = KSSIM_OK;
    }
    if (result == KSSIM_OK) {
        context->key_observed = true;
        context->observed_state = info.state;
        context->observed_reason = info.reason;
    }
    return result;
}
