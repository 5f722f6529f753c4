/*
 * key_lint.c - the table of weak key settings `kssim lint` names (key_lint.h), and the one function that
 * decides which of them hold for a key. Pure: a key's policy and what is known of its use in, findings out.
 *
 * Findings are advice about an app's choices, not Android rules: Android accepts every one of these keys.
 * Each row therefore cites where Android (its developer documentation or framework source) or a public
 * write-up says the setting is weak, and docs/lint.md explains each with a worked example.
 */
#include "framework/key_lint.h"

#include <string.h>

#include "core/android_versions.h"

/* The timeout above which a biometric-only key no longer behaves like a "confirm it is you now" key. The
 * developer guide's per-use pattern is timeout 0; a few seconds covers a UI that starts the operation right
 * after the prompt. 30 s is the line the issue names; documented in docs/lint.md. */
#define KEY_LINT_BIOMETRIC_TIMEOUT_MAX_S 30u

#define DOCS_SPEC       "https://developer.android.com/reference/android/security/keystore/KeyGenParameterSpec.Builder"
#define DOCS_BIOMETRIC  "https://developer.android.com/identity/sign-in/biometric-auth"
#define STYTCH          "https://stytch.com/blog/android-keystore-pitfalls-and-best-practices/"
#define MASTG_BIOMETRIC "OWASP MASTG, Android local authentication (MASTG-TEST-0018: Testing Biometric Authentication)"

static const key_lint_rule rules[KEY_LINT_FINDING_COUNT] = {
    [KEY_LINT_NO_USER_AUTH] =
        {KEY_LINT_NO_USER_AUTH, "L-NO-USER-AUTH", KEY_LINT_WARNING, "a signing key that needs no user authentication",
         "A login or step-up key proves that the user is present only if using it needs the user: without\n"
         "setUserAuthenticationRequired(true) any code running as the app (or a hooked app) signs the server's\n"
         "challenge without a prompt. Heuristic: every signing key is taken for a login key unless it is marked\n"
         "unattended (--intent unattended, or # lint-intent: ALIAS unattended).",
         "setUserAuthenticationRequired(true) with setUserAuthenticationParameters(0, AUTH_BIOMETRIC_STRONG),\n"
         "and sign inside BiometricPrompt.authenticate(info, new CryptoObject(signature)).",
         DOCS_SPEC "#setUserAuthenticationRequired(boolean); " DOCS_BIOMETRIC
                   " (\"Include a cryptographic object\"); " STYTCH " (\"Recap: result-based architecture\")"},
    [KEY_LINT_INVALIDATION_OFF] =
        {KEY_LINT_INVALIDATION_OFF, "L-INVALIDATION-OFF", KEY_LINT_WARNING,
         "a biometric-only key that survives a new enrollment",
         "setInvalidatedByBiometricEnrollment(false) binds the key to the user's root SID instead of the\n"
         "enrolled biometrics (frameworks/base keystore/java/android/security/keystore2/KeyStore2ParameterUtils\n"
         "addSids): whoever learns the PIN can enroll their own finger and then use the key.",
         "Keep the default (true); on KeyPermanentlyInvalidatedException ask for the password, delete the key\n"
         "and enroll again with a new key.",
         DOCS_SPEC "#setInvalidatedByBiometricEnrollment(boolean); " MASTG_BIOMETRIC "; " STYTCH},
    [KEY_LINT_LONG_BIOMETRIC_TIMEOUT] =
        {KEY_LINT_LONG_BIOMETRIC_TIMEOUT, "L-LONG-BIOMETRIC-TIMEOUT", KEY_LINT_WARNING,
         "a biometric-only key usable for more than 30 s after any authentication",
         "A timeout key accepts any strong biometric authentication within its window, the one that unlocked\n"
         "the phone included (system/security keystore2/src/enforcements.rs authorize_create: timeout keys take\n"
         "the newest matching token), so a long window is not a \"confirm it is you\" check. Over 30 s.",
         "Timeout 0 (setUserAuthenticationParameters(0, AUTH_BIOMETRIC_STRONG)) and a CryptoObject per\n"
         "operation; if a window is really needed, keep it to a few seconds.",
         DOCS_SPEC "#setUserAuthenticationParameters(int,%20int); " DOCS_BIOMETRIC "; " MASTG_BIOMETRIC},
    [KEY_LINT_TIMEOUT_ON_PER_OP_FLOW] =
        {KEY_LINT_TIMEOUT_ON_PER_OP_FLOW, "L-TIMEOUT-ON-PER-OPERATION-FLOW", KEY_LINT_ERROR,
         "a timeout key used as if each operation had its own prompt",
         "The app authorizes an operation by its challenge (a CryptoObject), or says the key is per-operation\n"
         "or a login key, but the key has a timeout: keystore2 then does not bind the prompt to the operation\n"
         "(enforcements.rs authorize_create: no challenge is asked for), so any recent authentication, the\n"
         "device unlock included, authorizes it and the CryptoObject proves nothing.",
         "Generate the key with timeout 0 (setUserAuthenticationParameters(0, ...)); then the operation's\n"
         "challenge must be in the prompt's token.",
         DOCS_SPEC "#setUserAuthenticationParameters(int,%20int); " DOCS_BIOMETRIC "; " STYTCH
                   " (\"The CryptoObject\")"},
    [KEY_LINT_DEVICE_CREDENTIAL_ALLOWED] =
        {KEY_LINT_DEVICE_CREDENTIAL_ALLOWED, "L-DEVICE-CREDENTIAL-ALLOWED", KEY_LINT_ERROR,
         "device credential allowed where biometric-only was meant",
         "The key accepts the PIN/pattern/password as well as a biometric, yet it is marked biometric-only or\n"
         "the scenario only ever authorizes it by biometric: a biometric step-up is then no stronger than the\n"
         "PIN, and the key is bound to the root SID, so new enrollments never invalidate it\n"
         "(KeyStore2ParameterUtils addSids).",
         "setUserAuthenticationParameters(0, KeyProperties.AUTH_BIOMETRIC_STRONG) only; offer the credential\n"
         "as a separate, server-known weaker path if one is needed.",
         DOCS_SPEC "#setUserAuthenticationParameters(int,%20int); " MASTG_BIOMETRIC "; " STYTCH},
    [KEY_LINT_NO_UNLOCKED_DEVICE] =
        {KEY_LINT_NO_UNLOCKED_DEVICE, "L-NO-UNLOCKED-DEVICE-REQUIRED", KEY_LINT_WARNING,
         "a key that decrypts a secret at rest while the phone is locked",
         "An AES decrypt key (or any key marked secret-at-rest) without setUnlockedDeviceRequired(true) can\n"
         "decrypt while the phone sits locked, e.g. by malware or a forensic tool on a seized, booted phone.\n"
         "Only raised on releases that have the option (V-API-UNLOCKED-DEVICE-REQUIRED, API 28).",
         "setUnlockedDeviceRequired(true) (API 28+); or require user authentication for the key.",
         DOCS_SPEC "#setUnlockedDeviceRequired(boolean); "
                   "https://developer.android.com/privacy-and-security/keystore (\"Require user authorization\")"},
    [KEY_LINT_STRONGBOX_FALLBACK] =
        {KEY_LINT_STRONGBOX_FALLBACK, "L-STRONGBOX-SILENT-FALLBACK", KEY_LINT_WARNING,
         "StrongBox refused, then the same key made in the TEE without telling anyone",
         "The scenario asks StrongBox, gets HARDWARE_TYPE_UNAVAILABLE (StrongBoxUnavailableException,\n"
         "AndroidKeyStoreKeyPairGeneratorSpi), and makes the same alias at a lower level. Falling back may be\n"
         "right, but a server that trusts \"StrongBox\" now gets a TEE key without knowing it.",
         "Decide the fallback on purpose: record KeyInfo.getSecurityLevel() and send the key attestation to\n"
         "the server, which accepts or refuses the lower level; check FEATURE_STRONGBOX_KEYSTORE first.",
         DOCS_SPEC "#setIsStrongBoxBacked(boolean); "
                   "https://developer.android.com/privacy-and-security/keystore (\"Hardware security module\"); " STYTCH
                   " (\"Android Keystore support\")"},
    [KEY_LINT_WEAK_DIGEST] =
        {KEY_LINT_WEAK_DIGEST, "L-SHA1-DIGEST", KEY_LINT_NOTE, "a signing key that allows SHA-1",
         "SHA-1 collisions are practical (SHAttered, 2017); NIST disallows SHA-1 for digital signature\n"
         "generation. A key that allows it can be asked for a SHA-1 signature a verifier may accept.",
         "setDigests(KeyProperties.DIGEST_SHA256) (or SHA-384/512) only.",
         "NIST SP 800-131A Rev. 2, section 9; " DOCS_SPEC "#setDigests(java.lang.String[])"},
    [KEY_LINT_ECB_MODE] =
        {KEY_LINT_ECB_MODE, "L-AES-ECB", KEY_LINT_NOTE, "an AES key that allows ECB",
         "ECB encrypts equal blocks to equal ciphertext and has no integrity: it leaks the plaintext's\n"
         "structure. Android refuses ECB encryption while randomized encryption (IND-CPA) is required, the\n"
         "default, so a key that allows ECB either fails at Cipher.init or was made with\n"
         "setRandomizedEncryptionRequired(false), which is the weakness itself.",
         "setBlockModes(KeyProperties.BLOCK_MODE_GCM) with setEncryptionPaddings(ENCRYPTION_PADDING_NONE).",
         DOCS_SPEC "#setRandomizedEncryptionRequired(boolean); NIST SP 800-38A"},
    [KEY_LINT_RSA_PKCS1_ENCRYPTION] =
        {KEY_LINT_RSA_PKCS1_ENCRYPTION, "L-RSA-PKCS1-ENCRYPTION", KEY_LINT_NOTE,
         "an RSA decryption key that allows PKCS#1 v1.5 encryption padding",
         "RSAES-PKCS1-v1_5 decryption is open to padding-oracle attacks (Bleichenbacher, 1998): an app that\n"
         "tells a caller whether a ciphertext decrypted lets the caller decrypt any message. RFC 8017 keeps\n"
         "it only for compatibility with legacy applications.",
         "setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_RSA_OAEP) only.",
         "RFC 8017 section 7.2; " DOCS_SPEC "#setEncryptionPaddings(java.lang.String[])"},
};

const key_lint_rule *key_lint_rules(size_t *count)
{
    *count = KEY_LINT_FINDING_COUNT;
    return rules;
}

const key_lint_rule *key_lint_rule_of(key_lint_finding finding)
{
    return finding < KEY_LINT_FINDING_COUNT ? &rules[finding] : NULL;
}

const key_lint_rule *key_lint_rule_by_id(const char *id)
{
    for (size_t i = 0; i < KEY_LINT_FINDING_COUNT; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

static const char *const severity_names[] = {"note", "warning", "error"};

const char *key_lint_severity_name(key_lint_severity severity)
{
    return severity <= KEY_LINT_ERROR ? severity_names[severity] : "?";
}

bool key_lint_severity_parse(const char *word, key_lint_severity *severity)
{
    for (int i = KEY_LINT_NOTE; i <= KEY_LINT_ERROR; i++)
        if (strcmp(word, severity_names[i]) == 0) {
            *severity = (key_lint_severity)i;
            return true;
        }
    return false;
}

static const struct {
    const char *word;
    uint32_t bit;
} intent_words[] = {
    {"login", KEY_LINT_INTENT_LOGIN},
    {"per-operation", KEY_LINT_INTENT_PER_OPERATION},
    {"biometric-only", KEY_LINT_INTENT_BIOMETRIC_ONLY},
    {"secret-at-rest", KEY_LINT_INTENT_SECRET_AT_REST},
    {"unattended", KEY_LINT_INTENT_UNATTENDED},
};

/* The word of length n, '_' read as '-' (scenario words are written with '_'). */
static uint32_t intent_bit(const char *word, size_t n)
{
    for (size_t i = 0; i < sizeof(intent_words) / sizeof(intent_words[0]); i++) {
        const char *known = intent_words[i].word;
        if (strlen(known) != n)
            continue;
        size_t j = 0;
        while (j < n && (word[j] == known[j] || (word[j] == '_' && known[j] == '-')))
            j++;
        if (j == n)
            return intent_words[i].bit;
    }
    return 0;
}

bool key_lint_intents_parse(const char *list, uint32_t *intents, char *unknown, size_t unknown_size)
{
    *intents = 0;
    const char *at = list;
    for (;;) {
        const char *end = strchr(at, ',');
        size_t n = end != NULL ? (size_t)(end - at) : strlen(at);
        uint32_t bit = intent_bit(at, n);
        if (bit == 0) {
            if (unknown_size > 0) {
                size_t shown = n < unknown_size - 1 ? n : unknown_size - 1;
                memcpy(unknown, at, shown);
                unknown[shown] = '\0';
            }
            return false;
        }
        *intents |= bit;
        if (end == NULL)
            return true;
        at = end + 1;
    }
}

static bool allows_device_credential(const kssim_key_spec *spec)
{
    return spec->user_auth && (spec->auth_types & KSSIM_AUTH_DEVICE_CREDENTIAL) != 0;
}

static bool is_biometric_only(const kssim_key_spec *spec)
{
    return spec->user_auth && (spec->auth_types & KSSIM_AUTH_BIOMETRIC_STRONG) != 0 && !allows_device_credential(spec);
}

static bool has_intent(const key_lint_context *context, uint32_t intent)
{
    return (context->intents & intent) != 0;
}

/* Whether one finding holds. Each case is the whole of that finding's decision. */
static bool finding_holds(key_lint_finding finding, const kssim_key_spec *spec, const key_lint_context *context,
                          int api_level)
{
    switch (finding) {
    case KEY_LINT_NO_USER_AUTH:
        /* The heuristic: a key that signs is a login key unless marked unattended; or it is marked login. */
        return !spec->user_auth && !has_intent(context, KEY_LINT_INTENT_UNATTENDED) &&
               ((spec->purposes & KSSIM_PURPOSE_SIGN) != 0 || has_intent(context, KEY_LINT_INTENT_LOGIN));
    case KEY_LINT_INVALIDATION_OFF:
        /* The option exists from API 24 (V-API-INVALIDATED-BY-ENROLLMENT-OPTION) and matters only for a
         * biometric-only key: one that allows the credential is bound to the root SID anyway. */
        return is_biometric_only(spec) && !spec->invalidated_by_biometric_enrollment &&
               sim_android_has(api_level, SIM_ANDROID_API_INVALIDATED_BY_ENROLLMENT_OPTION);
    case KEY_LINT_LONG_BIOMETRIC_TIMEOUT:
        return is_biometric_only(spec) && spec->auth_timeout_s > KEY_LINT_BIOMETRIC_TIMEOUT_MAX_S;
    case KEY_LINT_TIMEOUT_ON_PER_OP_FLOW:
        return spec->user_auth && spec->auth_timeout_s > 0 &&
               (context->used_per_operation ||
                has_intent(context, KEY_LINT_INTENT_PER_OPERATION | KEY_LINT_INTENT_LOGIN));
    case KEY_LINT_DEVICE_CREDENTIAL_ALLOWED:
        return allows_device_credential(spec) &&
               (has_intent(context, KEY_LINT_INTENT_BIOMETRIC_ONLY) || context->authorized_only_by_biometric);
    case KEY_LINT_NO_UNLOCKED_DEVICE: {
        bool decrypts_at_rest =
            (spec->algorithm == KSSIM_ALGORITHM_AES && (spec->purposes & KSSIM_PURPOSE_DECRYPT) != 0) ||
            has_intent(context, KEY_LINT_INTENT_SECRET_AT_REST);
        /* A key that needs the user for every use is not usable on a locked phone without the user either. */
        bool per_use_auth = spec->user_auth && spec->auth_timeout_s == 0;
        return decrypts_at_rest && !spec->unlocked_device_required && !per_use_auth &&
               sim_android_has(api_level, SIM_ANDROID_API_UNLOCKED_DEVICE_REQUIRED);
    }
    case KEY_LINT_STRONGBOX_FALLBACK:
        return context->strongbox_fell_back && spec->security_level != KSSIM_SECURITY_STRONGBOX;
    case KEY_LINT_WEAK_DIGEST:
        return (spec->purposes & KSSIM_PURPOSE_SIGN) != 0 && (spec->digests & KSSIM_DIGEST_SHA1) != 0;
    case KEY_LINT_ECB_MODE:
        return spec->algorithm == KSSIM_ALGORITHM_AES && (spec->block_modes & KSSIM_BLOCK_MODE_ECB) != 0;
    case KEY_LINT_RSA_PKCS1_ENCRYPTION:
        /* PKCS#1 v1.5 is one padding word for signing and encryption; only decryption is the oracle. */
        return spec->algorithm == KSSIM_ALGORITHM_RSA && (spec->purposes & KSSIM_PURPOSE_DECRYPT) != 0 &&
               (spec->paddings & KSSIM_PADDING_PKCS1) != 0;
    case KEY_LINT_FINDING_COUNT:
        break;
    }
    return false;
}

size_t key_lint_check(const kssim_key_spec *spec, const key_lint_context *context,
                      key_lint_finding findings[KEY_LINT_FINDING_COUNT])
{
    static const key_lint_context nothing_known = {0};
    if (context == NULL)
        context = &nothing_known;
    int api_level = context->api_level != 0 ? context->api_level : KSSIM_API_LEVEL_MAX;
    size_t count = 0;
    for (int f = 0; f < KEY_LINT_FINDING_COUNT; f++)
        if (finding_holds((key_lint_finding)f, spec, context, api_level))
            findings[count++] = (key_lint_finding)f;
    return count;
}
