/*
 * key_generation.c - from what the app asks for (KeyGenParameterSpec) to the key's authorization list.
 *
 * The framework binds user-authenticated keys to secure IDs (KeyStore2ParameterUtils.addSids):
 *   - biometric or device credential allowed, or credential only: the root SID (Gatekeeper);
 *   - strong biometric only, invalidatedByBiometricEnrollment (the default): every current strong
 *     biometric authenticator ID, so a new enrollment leaves the key bound to IDs that no longer exist;
 *   - strong biometric only, not invalidated by enrollment: the root SID.
 * AUTH_TIMEOUT is set only for a timeout above zero; zero makes a per-operation key.
 * Source: frameworks/base keystore/java/android/security/keystore2/KeyStore2ParameterUtils.java
 * (addSids, addUserAuthArgs).
 *
 * What an app can ask for depends on its device's release: each setter, purpose and algorithm came in
 * some API level (the V-API-* rows of core/android_versions.c). An option the release does not have is
 * refused before anything else, naming the release that added it; on Android, code calling a method the
 * device lacks fails (NoSuchMethodError, or an unknown constant the framework rejects), which the
 * simulator answers as INVALID_ARGUMENT (UNSUPPORTED_PURPOSE / UNSUPPORTED_ALGORITHM for a purpose or
 * an algorithm, as a Keymaster without them would).
 */
#include <stdio.h>
#include <string.h>

#include "core/android_versions.h"
#include "core/names.h"
#include "core/private_key.h"
#include "core/utf8.h"
#include "framework/device.h"

void kssim_key_spec_default(kssim_key_spec *spec, kssim_algorithm algorithm)
{
    memset(spec, 0, sizeof(*spec));
    spec->algorithm = algorithm;
    spec->auth_types = KSSIM_AUTH_BIOMETRIC_STRONG;
    spec->invalidated_by_biometric_enrollment = true;
    spec->security_level = KSSIM_SECURITY_TEE;
    switch (algorithm) {
    case KSSIM_ALGORITHM_EC:
        spec->size = 256;
        spec->purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
        spec->digests = KSSIM_DIGEST_SHA256;
        break;
    case KSSIM_ALGORITHM_RSA:
        spec->size = 2048;
        spec->purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
        spec->digests = KSSIM_DIGEST_SHA256;
        spec->paddings = KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS;
        break;
    case KSSIM_ALGORITHM_ED25519:
        spec->size = 256;
        spec->purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
        spec->digests = KSSIM_DIGEST_NONE;
        break;
    case KSSIM_ALGORITHM_AES:
        spec->size = 0; /* the framework's default, 128 (R-KEY-SIZE-DEFAULT, keymint_key_policy.c) */
        spec->purposes = KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT;
        spec->block_modes = KSSIM_BLOCK_MODE_GCM;
        spec->paddings = KSSIM_PADDING_NONE;
        break;
    case KSSIM_ALGORITHM_HMAC:
        spec->size = 0; /* the digest's output size, once the digest is chosen (R-KEY-SIZE-DEFAULT) */
        spec->purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
        spec->digests = KSSIM_DIGEST_SHA256;
        break;
    }
}

/* The sentence of a refused option: which release added it, which release this device is, and the two
 * ways to succeed. */
static kssim_result refuse_before_release(kssim_device *device, sim_android_difference difference, kssim_result result,
                                          const char *what, const char *instead)
{
    const sim_android_difference_row *row = sim_android_difference_row_of(difference);
    const char *added_in = sim_android_release_name(row->since_api_level);
    int api_level = device->config.api_level;
    const char *device_release = sim_android_release_name(api_level);
    return sim_refuse(&device->env, result,
                      "%s needs %s (API level %d); this device is %s (API level %d): %s, or use a device of API "
                      "level %d or later (%s)",
                      what, added_in != NULL ? added_in : "a later Android", row->since_api_level,
                      device_release != NULL ? device_release : "another release", api_level, instead,
                      row->since_api_level, row->id);
}

/* R-KEYGEN-OPTION-NEEDS-RELEASE: a key option the device's release does not have is refused, naming the
 * release that added it; frameworks/base KeyGenParameterSpec.Builder / KeyProperties ("Added in API level N") */
static kssim_result check_options_exist_on_release(kssim_device *device, const kssim_key_spec *spec)
{
    int api_level = device->config.api_level;
    if (spec->algorithm == KSSIM_ALGORITHM_ED25519 && !sim_android_has(api_level, SIM_ANDROID_API_ED25519))
        return refuse_before_release(device, SIM_ANDROID_API_ED25519, KSSIM_UNSUPPORTED_ALGORITHM, "an Ed25519 key",
                                     "make an EC key (P-256) instead");
    if ((spec->purposes & KSSIM_PURPOSE_AGREE_KEY) != 0 && !sim_android_has(api_level, SIM_ANDROID_API_AGREE_KEY))
        return refuse_before_release(device, SIM_ANDROID_API_AGREE_KEY, KSSIM_UNSUPPORTED_PURPOSE,
                                     "KeyProperties.PURPOSE_AGREE_KEY (the agree_key purpose)", "leave agree_key out");
    if (!spec->invalidated_by_biometric_enrollment &&
        !sim_android_has(api_level, SIM_ANDROID_API_INVALIDATED_BY_ENROLLMENT_OPTION))
        return refuse_before_release(device, SIM_ANDROID_API_INVALIDATED_BY_ENROLLMENT_OPTION, KSSIM_INVALID_ARGUMENT,
                                     "setInvalidatedByBiometricEnrollment(false)",
                                     "leave invalidated_by_biometric_enrollment at true");
    if (spec->unlocked_device_required && !sim_android_has(api_level, SIM_ANDROID_API_UNLOCKED_DEVICE_REQUIRED))
        return refuse_before_release(device, SIM_ANDROID_API_UNLOCKED_DEVICE_REQUIRED, KSSIM_INVALID_ARGUMENT,
                                     "setUnlockedDeviceRequired", "leave unlocked_device_required out");
    if (spec->security_level == KSSIM_SECURITY_STRONGBOX && !sim_android_has(api_level, SIM_ANDROID_API_STRONGBOX))
        return refuse_before_release(device, SIM_ANDROID_API_STRONGBOX, KSSIM_INVALID_ARGUMENT, "setIsStrongBoxBacked",
                                     "ask for a tee key");
    if (spec->attestation_requested && !sim_android_has(api_level, SIM_ANDROID_API_ATTESTATION))
        return refuse_before_release(device, SIM_ANDROID_API_ATTESTATION, KSSIM_INVALID_ARGUMENT,
                                     "a key attestation (setAttestationChallenge)",
                                     "leave the attestation challenge out");
    if (spec->usage_count_limit != 0 && !sim_android_has(api_level, SIM_ANDROID_API_MAX_USAGE_COUNT))
        return refuse_before_release(device, SIM_ANDROID_API_MAX_USAGE_COUNT, KSSIM_INVALID_ARGUMENT,
                                     "setMaxUsageCount", "leave usage_count_limit out");
    if (!spec->user_auth)
        return KSSIM_OK;
    bool accepts_credential = (spec->auth_types & KSSIM_AUTH_DEVICE_CREDENTIAL) != 0;
    if (spec->auth_timeout_s == 0 && accepts_credential &&
        !sim_android_has(api_level, SIM_ANDROID_API_PER_OP_DEVICE_CREDENTIAL))
        return refuse_before_release(device, SIM_ANDROID_API_PER_OP_DEVICE_CREDENTIAL, KSSIM_INVALID_ARGUMENT,
                                     "a per-operation key that accepts the device credential "
                                     "(setUserAuthenticationParameters(0, AUTH_DEVICE_CREDENTIAL))",
                                     "make it biometric_strong only, or give it a timeout");
    if (spec->auth_timeout_s > 0 && spec->auth_types == KSSIM_AUTH_DEVICE_CREDENTIAL &&
        !sim_android_has(api_level, SIM_ANDROID_API_AUTH_PARAMETERS))
        return refuse_before_release(device, SIM_ANDROID_API_AUTH_PARAMETERS, KSSIM_INVALID_ARGUMENT,
                                     "a timeout key that accepts only the device credential "
                                     "(setUserAuthenticationParameters)",
                                     "let it accept biometric_strong too, which is what "
                                     "setUserAuthenticationValidityDurationSeconds gives");
    return KSSIM_OK;
}

/* R-ATTEST-APP-ID-NEEDS-CHALLENGE: keystore2 adds ATTESTATION_APPLICATION_ID (and its signature digests)
 * only to a key generated with ATTESTATION_CHALLENGE (security_level.rs add_required_parameters), so an
 * application ID or digest asked for without a challenge would be dropped unseen: refused instead, for the
 * CLI, scenarios and genpkey alike. */
static kssim_result check_attestation_request(kssim_device *device, const kssim_key_spec *spec)
{
    uint32_t digest_len = spec->attestation_app_signature_digest_len;
    if (digest_len != 0 && digest_len != sizeof(spec->attestation_app_signature_digest))
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "an attestation application signature digest is the SHA-256 of the signing certificate: "
                          "give 32 bytes (64 hex digits), not %u",
                          (unsigned)digest_len);
    if (spec->attestation_requested)
        return KSSIM_OK;
    if (spec->attestation_application_id[0] != '\0')
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "an attestation application ID ('%.*s') needs an attestation challenge: only an attested "
                          "key carries one; give the challenge too, or leave the application ID out",
                          KSSIM_ALIAS_MAX - 1, spec->attestation_application_id);
    if (digest_len != 0)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "an attestation application signature digest needs an attestation challenge: only an "
                          "attested key carries one; give the challenge too, or leave the digest out");
    return KSSIM_OK;
}

void kssim_key_spec_set_attestation_challenge(kssim_key_spec *spec, const uint8_t *challenge, size_t len)
{
    size_t kept = len < sizeof(spec->attestation_challenge) ? len : sizeof(spec->attestation_challenge);
    if (kept > 0)
        memcpy(spec->attestation_challenge, challenge, kept);
    spec->attestation_challenge_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    spec->attestation_requested = true;
}

/* R-KEYGEN-TIMEOUT-KEY-BINDS-ROOT-SID-BEFORE-30: before setUserAuthenticationParameters, a timeout key
 * accepts biometric and credential and is bound to the root SID, whatever types were asked for; Android 9
 * frameworks/base keystore/java/android/security/keystore/KeymasterUtils.java addUserAuthArgs */
static void apply_release_auth_binding(const kssim_device *device, kssim_key_spec *spec)
{
    /* Only a biometric-only request is widened: both types already are what the old setter gives, a
     * credential-only one was refused, and anything else is refused by bind_user_authentication. */
    if (spec->user_auth && spec->auth_timeout_s > 0 && spec->auth_types == KSSIM_AUTH_BIOMETRIC_STRONG &&
        !sim_android_has(device->config.api_level, SIM_ANDROID_API_AUTH_PARAMETERS))
        spec->auth_types = KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL;
}

/* R-SID-BINDING: root SID, or every strong biometric ID. AOSP: KeyStore2ParameterUtils addSids */
/* R-LOCKSCREEN-REQUIRED-FOR-AUTH-KEY: auth keys need a secure lock screen. AOSP: KeyStore2ParameterUtils getRootSid */
/* R-BIO-REQUIRED-FOR-BIO-KEY: biometric-only keys need a strong biometric. AOSP: KeyStore2ParameterUtils addSids */
static kssim_result bind_user_authentication(kssim_device *device, const kssim_key_spec *spec, sim_auth_list *auth)
{
    if (!spec->user_auth) {
        auth->no_auth_required = true;
        return KSSIM_OK;
    }
    const uint32_t known = KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL;
    if (spec->auth_types == 0 || (spec->auth_types & ~known) != 0) {
        char types[96];
        sim_vocabulary_list(&sim_auth_types, ", ", types, sizeof(types));
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT, "user authentication types must be %s or both", types);
    }
    if (!device->sw.gatekeeper.enrolled)
        return sim_refuse(&device->env, KSSIM_NO_SECURE_LOCK_SCREEN,
                          "a key that requires user authentication needs a secure lock screen: set a PIN, "
                          "password or pattern first");
    auth->user_auth_types = spec->auth_types;
    auth->has_auth_timeout = spec->auth_timeout_s > 0;
    auth->auth_timeout_s = spec->auth_timeout_s;
    if (spec->auth_types == KSSIM_AUTH_BIOMETRIC_STRONG) {
        /* addSids asks BiometricManager first, whatever invalidatedByBiometricEnrollment says: a
         * biometric-only key needs at least one enrolled strong biometric. */
        uint64_t sids[KSSIM_MODALITY_COUNT];
        size_t n = sim_framework_biometric_sids(device, sids);
        if (n == 0)
            return sim_refuse(&device->env, KSSIM_NO_BIOMETRIC_ENROLLED,
                              "a biometric-only key needs at least one enrolled strong biometric: enroll one "
                              "first, or allow device_credential too");
        if (spec->invalidated_by_biometric_enrollment) {
            for (size_t i = 0; i < n; i++)
                auth->sids[auth->sid_count++] = sids[i];
            return KSSIM_OK;
        }
    }
    auth->sids[auth->sid_count++] = device->sw.gatekeeper.sid;
    return KSSIM_OK;
}

/* Aliases are shown in tables, JSON, transcripts, keystore:ALIAS URIs and key-reference files: text that
 * stays one printable line and reads the same everywhere, and no '/', which those URIs and paths take as
 * a separator. */
_Static_assert(KSSIM_ALIAS_MAX == 128, "kssim_check_alias's sentence says 1 to 127 bytes");

kssim_result kssim_check_alias(const char *alias, char *why, size_t why_size)
{
    static const char accepted[] = "an alias is 1 to 127 bytes of UTF-8 text without control characters or '/'";
    size_t length = strlen(alias);
    if (length == 0 || length >= KSSIM_ALIAS_MAX) {
        snprintf(why, why_size, "the alias is %zu bytes long: %s", length, accepted);
        return KSSIM_INVALID_ARGUMENT;
    }
    const unsigned char *bytes = (const unsigned char *)alias;
    for (size_t i = 0; i < length;) {
        size_t sequence = sim_utf8_sequence_length(alias + i);
        if (bytes[i] < 0x20 || bytes[i] == 0x7f)
            snprintf(why, why_size, "the alias has the control character 0x%02x at byte %zu: %s", bytes[i], i,
                     accepted);
        else if (bytes[i] == '/')
            snprintf(why, why_size, "the alias has '/' at byte %zu: %s", i, accepted);
        else if (sequence == 0)
            snprintf(why, why_size, "the alias is not valid UTF-8 at byte %zu (0x%02x): %s", i, bytes[i], accepted);
        else {
            i += sequence;
            continue;
        }
        return KSSIM_INVALID_ARGUMENT;
    }
    if (why_size > 0)
        why[0] = '\0';
    return KSSIM_OK;
}

/* spec is the app's request as the device's framework records it: apply_release_auth_binding may widen
 * its authentication types, so that the stored key says what Android's key says. */
static kssim_result authorization_list_for(kssim_device *device, kssim_key_spec *spec, sim_auth_list *auth)
{
    if (spec->alias[0] == '\0' || memchr(spec->alias, '\0', sizeof(spec->alias)) == NULL)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT, "a key needs an alias of 1 to %d characters",
                          KSSIM_ALIAS_MAX - 1);
    char why[SIM_MESSAGE_MAX];
    if (kssim_check_alias(spec->alias, why, sizeof(why)) != KSSIM_OK)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT, "%s", why);
    kssim_result available = check_attestation_request(device, spec);
    if (available == KSSIM_OK)
        available = check_options_exist_on_release(device, spec);
    if (available != KSSIM_OK)
        return available;
    apply_release_auth_binding(device, spec);
    memset(auth, 0, sizeof(*auth));
    auth->algorithm = spec->algorithm;
    auth->key_size = spec->size;
    auth->purposes = spec->purposes;
    auth->digests = spec->digests;
    auth->block_modes = spec->block_modes;
    auth->paddings = spec->paddings;
    auth->unlocked_device_required = spec->unlocked_device_required;
    auth->max_uses_per_boot = spec->max_uses_per_boot;
    auth->usage_count_limit = spec->usage_count_limit;
    auth->min_seconds_between_ops = spec->min_seconds_between_ops;
    auth->has_active = spec->has_active;
    auth->active_ms = spec->active_ms;
    auth->has_origination_expire = spec->has_origination_expire;
    auth->origination_expire_ms = spec->origination_expire_ms;
    auth->has_usage_expire = spec->has_usage_expire;
    auth->usage_expire_ms = spec->usage_expire_ms;
    auth->security_level = spec->security_level;
    auth->rollback_resistant = spec->rollback_resistant;
    return bind_user_authentication(device, spec, auth);
}

/* The framework's path to a new key, generated or imported: the authorization list the spec asks for, then
 * IKeystoreService.getSecurityLevel and the security level's `method` (generateKey or importKey). */
static kssim_result ask_security_level_to_create_key(kssim_device *device, kssim_key_spec *recorded,
                                                     sim_auth_list *auth, const char *method)
{
    kssim_result r = authorization_list_for(device, recorded, auth);
    if (r == KSSIM_OK)
        r = sim_framework_call_keystore_service(device, "getSecurityLevel");
    if (r == KSSIM_OK)
        r = sim_framework_call_keystore_security_level(device, method);
    return r;
}

kssim_result kssim_generate_key(kssim_device *device, const kssim_key_spec *spec)
{
    SIM_BEGIN_CALL(device);
    sim_auth_list auth;
    kssim_key_spec recorded = *spec;
    kssim_result r = ask_security_level_to_create_key(device, &recorded, &auth, "generateKey");
    if (r != KSSIM_OK)
        return r;
    return sim_keystore2_generate_key(&device->ks, &recorded, &auth);
}

kssim_result kssim_import_key(kssim_device *device, const kssim_key_spec *spec, const uint8_t *key, size_t key_len)
{
    SIM_BEGIN_CALL(device);
    sim_auth_list auth;
    kssim_key_spec recorded = *spec;
    kssim_result r = ask_security_level_to_create_key(device, &recorded, &auth, "importKey");
    if (r != KSSIM_OK)
        return r;
    auth.imported = true;
    return sim_keystore2_import_key(&device->ks, &recorded, &auth, key, key_len);
}

kssim_result kssim_import_key_algorithm(kssim_device *device, const uint8_t *key, size_t key_len,
                                        kssim_algorithm *algorithm)
{
    SIM_BEGIN_CALL(device);
    EVP_PKEY *decoded = sim_private_key_decode(device->env.crypto.libctx, key, key_len);
    uint32_t key_size = 0;
    int known = decoded != NULL ? sim_private_key_describe(decoded, algorithm, &key_size) : -1;
    EVP_PKEY_free(decoded);
    if (decoded == NULL)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "these bytes are not a private key OpenSSL can read, so they do not say which algorithm "
                          "they are: give a PEM or DER private key, or name the algorithm (aes or hmac for raw "
                          "key bytes)");
    if (known != 0)
        return sim_refuse(&device->env, KSSIM_UNSUPPORTED_ALGORITHM,
                          "the key is neither RSA, EC nor Ed25519, the kinds of private key KeyMint holds: import "
                          "one of those");
    return KSSIM_OK;
}

kssim_result kssim_delete_key(kssim_device *device, const char *alias)
{
    SIM_BEGIN_CALL(device);
    kssim_result reached = sim_framework_call_keystore_service(device, "deleteKey");
    if (reached != KSSIM_OK)
        return reached;
    return sim_keystore2_delete_key(&device->ks, alias);
}
