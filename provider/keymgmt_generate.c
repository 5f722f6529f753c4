/*
 * keymgmt_generate.c - key generation through OpenSSL (`openssl genpkey`, EVP_PKEY_keygen): the
 * policy parameters every algorithm shares, turned into the kssim_key_spec an app would give
 * KeyGenParameterSpec, and the generation itself on the device.
 *
 * The contract's pkeyopts: alias, user-auth, auth-timeout, invalidated-by-biometric-enrollment,
 * unlocked-device-required, usage-count-limit, max-uses-per-boot, security-level. Two more let a key be
 * made for what OpenSSL will ask of it: purposes (sign,verify by default; add decrypt for RSA-OAEP,
 * agree_key for ECDH) and
 * digests. The default digests are every digest the key's security level computes (none and the SHA
 * family on a TEE, none and sha256 on a StrongBox) so that whatever digest a TLS peer, CMS or a plain
 * EVP_PKEY_sign picks, the device - not the provider - decides whether the key may use it. Whether a
 * size, a purpose or a policy is acceptable is the device's to say too: the values go through unchanged.
 * rollback-resistant (yes|no) asks for Tag::ROLLBACK_RESISTANCE (docs/device.md, "Rollback").
 * attestation-challenge:TEXT (and attestation-application-id:PACKAGE, attestation-app-signature-digest:HEX)
 * attest the key (docs/attestation.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/params.h>

#include "keystore_provider.h"

#include "core/names.h"
#include "framework/app_view.h"

keystore_generation *keystore_generation_new(keystore_provider *provider, const char *type_name,
                                             kssim_algorithm algorithm)
{
    keystore_generation *generation = calloc(1, sizeof(*generation));
    if (generation == NULL) {
        keystore_raise_result(provider, KSSIM_SYSTEM_ERROR, "out of memory for a key generation");
        return NULL;
    }
    generation->provider = provider;
    snprintf(generation->type_name, sizeof(generation->type_name), "%s", type_name);
    kssim_key_spec_default(&generation->spec, algorithm);
    generation->spec.user_auth = false; /* no user authentication unless user-auth says so */
    return generation;
}

void keystore_generation_free(keystore_generation *generation)
{
    free(generation);
}

/* ---- Parsing the values ---- */

/* The words are core/names.c's tables, as the scenario format and the CLI spell them; OpenSSL's pkeyopts take
 * them in any case. A comma-separated list of words into a bit set; false on an unknown word or an empty list. */
static bool parse_bits(const char *text, const sim_vocabulary *words, uint32_t *bits)
{
    *bits = 0;
    const char *p = text;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        const sim_word *word = sim_vocabulary_find_ignoring_case(words, p, len);
        if (word == NULL)
            return false;
        *bits |= word->value;
        p += len;
        if (*p == ',')
            p++;
    }
    return *bits != 0;
}

static bool parse_yes_no(const char *text, bool *value)
{
    static const char *const yes[] = {"yes", "true", "1", "on"};
    static const char *const no[] = {"no", "false", "0", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *value = true;
            return true;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *value = false;
            return true;
        }
    }
    return false;
}

static int refuse_value(const keystore_provider *provider, const char *name, const char *expected)
{
    keystore_raise(provider, KEYSTORE_R_UNSUPPORTED_PARAMETER, "the key-generation parameter %s must be %s", name,
                   expected);
    return 0;
}

/* "a comma list of sign, verify, ..." (list) or "tee, strongbox or software" (one word), then after. */
static int refuse_word(const keystore_provider *provider, const char *name, const sim_vocabulary *words, bool list,
                       const char *after)
{
    char expected[256];
    int length = snprintf(expected, sizeof(expected), "%s", list ? "a comma list of " : "");
    sim_vocabulary_list(words, list ? ", " : " or ", expected + length, sizeof(expected) - (size_t)length);
    snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected), "%s", after);
    return refuse_value(provider, name, expected);
}

static int get_text(const OSSL_PARAM *p, const char **value)
{
    return OSSL_PARAM_get_utf8_string_ptr(p, value);
}

/* A limit given as a pkeyopt is a number of uses; 0 is refused with the device's reason, since the key
 * spec would read it as no limit at all. */
static int get_use_limit(const keystore_provider *provider, const OSSL_PARAM *p, const char *name,
                         kssim_use_limit limit, uint32_t *out)
{
    uint32_t count;
    if (!OSSL_PARAM_get_uint32(p, &count))
        return refuse_value(provider, name, "a number of uses, 1 or more");
    char why[512];
    kssim_result checked = kssim_check_use_limit(limit, count, why, sizeof(why));
    if (checked != KSSIM_OK) {
        keystore_raise_result(provider, checked, why);
        return 0;
    }
    *out = count;
    return 1;
}

int keystore_generation_set_policy_params(keystore_generation *generation, const OSSL_PARAM params[])
{
    const keystore_provider *provider = generation->provider;
    kssim_key_spec *spec = &generation->spec;
    const OSSL_PARAM *p;
    const char *text = NULL;
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_ALIAS)) != NULL) {
        if (!get_text(p, &text) || text[0] == '\0' || strlen(text) >= sizeof(spec->alias))
            return refuse_value(provider, KSSIM_PROVIDER_PARAM_ALIAS, "a name of 1 to 127 bytes");
        snprintf(spec->alias, sizeof(spec->alias), "%s", text);
        generation->has_alias = true;
    }
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_USER_AUTH)) != NULL) {
        uint32_t types = 0;
        if (!get_text(p, &text))
            return refuse_word(provider, KSSIM_PROVIDER_PARAM_USER_AUTH, &sim_auth_types, true, "");
        if (strcasecmp(text, "none") == 0) {
            spec->user_auth = false;
        } else if (parse_bits(text, &sim_auth_types, &types)) {
            spec->user_auth = true;
            spec->auth_types = types;
        } else {
            return refuse_word(provider, KSSIM_PROVIDER_PARAM_USER_AUTH, &sim_auth_types, true, " (or none)");
        }
    }
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT)) != NULL &&
        !OSSL_PARAM_get_uint32(p, &spec->auth_timeout_s))
        return refuse_value(provider, KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT, "a number of seconds (0: every operation)");
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_INVALIDATED_BY_ENROLLMENT)) != NULL &&
        (!get_text(p, &text) || !parse_yes_no(text, &spec->invalidated_by_biometric_enrollment)))
        return refuse_value(provider, KSSIM_PROVIDER_PARAM_INVALIDATED_BY_ENROLLMENT, "yes or no");
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_UNLOCKED_DEVICE_REQUIRED)) != NULL &&
        (!get_text(p, &text) || !parse_yes_no(text, &spec->unlocked_device_required)))
        return refuse_value(provider, KSSIM_PROVIDER_PARAM_UNLOCKED_DEVICE_REQUIRED, "yes or no");
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_ROLLBACK_RESISTANT)) != NULL &&
        (!get_text(p, &text) || !parse_yes_no(text, &spec->rollback_resistant)))
        return refuse_value(provider, KSSIM_PROVIDER_PARAM_ROLLBACK_RESISTANT, "yes or no");
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_USAGE_COUNT_LIMIT)) != NULL &&
        !get_use_limit(generation->provider, p, KSSIM_PROVIDER_PARAM_USAGE_COUNT_LIMIT, KSSIM_LIMIT_USAGE_COUNT,
                       &spec->usage_count_limit))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_MAX_USES_PER_BOOT)) != NULL &&
        !get_use_limit(generation->provider, p, KSSIM_PROVIDER_PARAM_MAX_USES_PER_BOOT, KSSIM_LIMIT_MAX_USES_PER_BOOT,
                       &spec->max_uses_per_boot))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_SECURITY_LEVEL)) != NULL) {
        const sim_word *level =
            get_text(p, &text) ? sim_vocabulary_find_ignoring_case(&sim_security_levels, text, strlen(text)) : NULL;
        if (level == NULL)
            return refuse_word(provider, KSSIM_PROVIDER_PARAM_SECURITY_LEVEL, &sim_security_levels, false, "");
        spec->security_level = (kssim_security_level)level->value;
    }
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_PURPOSES)) != NULL &&
        (!get_text(p, &text) || !parse_bits(text, &sim_purposes, &spec->purposes)))
        return refuse_word(provider, KSSIM_PROVIDER_PARAM_PURPOSES, &sim_purposes, true, "");
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_DIGESTS)) != NULL) {
        if (!get_text(p, &text) || !parse_bits(text, &sim_digests, &spec->digests))
            return refuse_word(provider, KSSIM_PROVIDER_PARAM_DIGESTS, &sim_digests, true, "");
        generation->digests_given = true;
    }
    /* KeyGenParameterSpec.Builder.setAttestationChallenge: the key is generated with a chain
     * (`kssim attestation ALIAS`, `openssl storeutl -certs keystore:ALIAS`). */
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_ATTESTATION_CHALLENGE)) != NULL) {
        /* any length: the device refuses one over 128 bytes (INVALID_INPUT_LENGTH) at generation */
        if (!get_text(p, &text))
            return refuse_value(provider, KSSIM_PROVIDER_PARAM_ATTESTATION_CHALLENGE, "a text");
        kssim_key_spec_set_attestation_challenge(spec, (const uint8_t *)text, strlen(text));
    }
    /* 64 hex digits; the device refuses a digest of another length, or one without a challenge */
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_ATTESTATION_APP_SIGNATURE_DIGEST)) != NULL) {
        size_t digits = 0;
        if (!get_text(p, &text) || (digits = strlen(text)) % 2 != 0 || digits == 0 ||
            strspn(text, "0123456789abcdefABCDEF") != digits)
            return refuse_value(provider, KSSIM_PROVIDER_PARAM_ATTESTATION_APP_SIGNATURE_DIGEST,
                                "hex digits: a SHA-256 digest is 64 of them");
        size_t len = digits / 2;
        for (size_t i = 0; i < len && i < sizeof(spec->attestation_app_signature_digest); i++) {
            unsigned byte = 0;
            sscanf(text + 2 * i, "%2x", &byte);
            spec->attestation_app_signature_digest[i] = (uint8_t)byte;
        }
        spec->attestation_app_signature_digest_len = (uint32_t)len;
    }
    if ((p = OSSL_PARAM_locate_const(params, KSSIM_PROVIDER_PARAM_ATTESTATION_APPLICATION_ID)) != NULL) {
        if (!get_text(p, &text) || text[0] == '\0' || strlen(text) >= sizeof(spec->attestation_application_id))
            return refuse_value(provider, KSSIM_PROVIDER_PARAM_ATTESTATION_APPLICATION_ID,
                                "a package name of 1 to 127 bytes");
        snprintf(spec->attestation_application_id, sizeof(spec->attestation_application_id), "%s", text);
    }
    return 1;
}

/* ---- Generating ---- */

/* The choices left open by the pkeyopts, as described at the top of the file. */
static void complete_spec(keystore_generation *generation)
{
    kssim_key_spec *spec = &generation->spec;
    if (spec->algorithm == KSSIM_ALGORITHM_ED25519)
        return; /* Ed25519 signs the message itself: digest none, no padding */
    if (!generation->digests_given)
        spec->digests = spec->security_level == KSSIM_SECURITY_STRONGBOX
                            ? KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA256
                            : KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA1 | KSSIM_DIGEST_SHA224 | KSSIM_DIGEST_SHA256 |
                                  KSSIM_DIGEST_SHA384 | KSSIM_DIGEST_SHA512;
    if (spec->algorithm != KSSIM_ALGORITHM_RSA)
        return;
    if (strcmp(generation->type_name, "RSA-PSS") == 0) {
        spec->paddings = KSSIM_PADDING_PSS;
        return;
    }
    spec->paddings = 0;
    if ((spec->purposes & (KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY)) != 0)
        spec->paddings |= KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS;
    if ((spec->purposes & (KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT)) != 0)
        spec->paddings |= KSSIM_PADDING_OAEP | KSSIM_PADDING_PKCS1;
}

static kssim_result generate_on_device(kssim_device *device, void *arg)
{
    const kssim_key_spec *spec = arg;
    keystore_device_note_app_call(APP_VIEW_KEY_GENERATION, 0, spec->algorithm);
    return kssim_generate_key(device, spec);
}

keystore_key *keystore_generation_run(keystore_generation *generation)
{
    if (!generation->has_alias) {
        keystore_raise(generation->provider, KEYSTORE_R_ALIAS_REQUIRED,
                       "a keystore key needs an alias: add -pkeyopt alias:NAME (the key is then keystore:NAME); for a "
                       "software key, load the default provider before keystore (`kssim openssl-config` prints such "
                       "an openssl.cnf) or add -propquery '?provider=default'");
        return NULL;
    }
    complete_spec(generation);
    if (keystore_device_run(generation->provider, NULL, generate_on_device, &generation->spec) != KSSIM_OK)
        return NULL;
    return keystore_key_load(generation->provider, NULL, generation->spec.alias, generation->type_name);
}
