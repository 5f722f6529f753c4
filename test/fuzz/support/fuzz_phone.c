/*
 * fuzz_phone.c - the phone the stateful fuzz targets start from (fuzz_phone.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_phone.h"

#define CREDENTIAL KSSIM_AUTH_DEVICE_CREDENTIAL
#define BIOMETRIC  KSSIM_AUTH_BIOMETRIC_STRONG

const fuzz_phone_key fuzz_phone_keys[] = {
    {"biometric per operation", KSSIM_ALGORITHM_EC, true, 0, BIOMETRIC, KSSIM_PURPOSE_SIGN},
    {"credential per operation", KSSIM_ALGORITHM_AES, true, 0, CREDENTIAL, KSSIM_PURPOSE_ENCRYPT},
    {"either per operation", KSSIM_ALGORITHM_ED25519, true, 0, BIOMETRIC | CREDENTIAL, KSSIM_PURPOSE_SIGN},
    {"biometric 30s", KSSIM_ALGORITHM_EC, true, 30, BIOMETRIC, KSSIM_PURPOSE_SIGN},
    {"credential 600s", KSSIM_ALGORITHM_HMAC, true, FUZZ_PHONE_LONGEST_TIMEOUT_S, CREDENTIAL, KSSIM_PURPOSE_SIGN},
    {"either 60s", KSSIM_ALGORITHM_AES, true, 60, BIOMETRIC | CREDENTIAL, KSSIM_PURPOSE_ENCRYPT},
    {"no authentication", KSSIM_ALGORITHM_EC, false, 0, 0, KSSIM_PURPOSE_SIGN},
};
const size_t fuzz_phone_key_count = sizeof(fuzz_phone_keys) / sizeof(fuzz_phone_keys[0]);

void fuzz_phone_require(kssim_device *device, kssim_result result, const char *what)
{
    if (result == KSSIM_OK)
        return;
    fprintf(stderr, "fuzz set-up: %s failed: %s (%d): %s\n", what, kssim_result_name(result), (int)result,
            device != NULL ? kssim_device_message(device) : "");
    abort();
}

static void generate(kssim_device *device, const fuzz_phone_key *key)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, key->algorithm);
    snprintf(spec.alias, sizeof(spec.alias), "%s", key->alias);
    spec.user_auth = key->user_auth;
    spec.auth_timeout_s = key->auth_timeout_s;
    spec.auth_types = key->auth_types;
    fuzz_phone_require(device, kssim_generate_key(device, &spec), key->alias);
}

kssim_device *fuzz_phone_new(void)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 7;
    kssim_device *device = NULL;
    fuzz_phone_require(NULL, kssim_device_create(&config, &device), "creating the device");
    fuzz_phone_require(device, kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, FUZZ_PHONE_PIN), "set_credential");
    fuzz_phone_require(device, kssim_enroll_biometric(device, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG),
                       "enrolling fingerprint 1");
    fuzz_phone_require(device, kssim_enroll_biometric(device, 2, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG),
                       "enrolling face 2");
    fuzz_phone_require(device, kssim_enroll_biometric(device, 3, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_WEAK),
                       "enrolling weak fingerprint 3");
    for (size_t i = 0; i < fuzz_phone_key_count; i++)
        generate(device, &fuzz_phone_keys[i]);
    return device;
}
