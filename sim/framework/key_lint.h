/*
 * key_lint.h - `kssim lint`'s one table of weak key settings: each finding has a stable ID (L-...), a
 * severity, the reason it is weak, what to do instead and the source that says so. key_lint_check is a
 * pure function of a key's policy (kssim_key_spec, as generate-key / a scenario's generate_key builds it or
 * as the device stored it), what the app said the key is for (its intents) and what a scenario showed
 * about how the key is used; the CLI and the scenario lint (runner/scenario_lint.c) both call it.
 */
#ifndef SIM_FRAMEWORK_KEY_LINT_H
#define SIM_FRAMEWORK_KEY_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kssim/kssim.h>

/* Ordered: --fail-on LEVEL fails on findings at or above it. */
typedef enum key_lint_severity {
    KEY_LINT_NOTE = 0,    /* hygiene: weak, but not a way around the user's authentication */
    KEY_LINT_WARNING = 1, /* the setting weakens what the key protects; heuristics live here */
    KEY_LINT_ERROR = 2,   /* the app's own stated intent or flow is defeated by the setting */
} key_lint_severity;

/* Every finding, in the order the table, the output and docs/lint.md list them. */
typedef enum key_lint_finding {
    KEY_LINT_NO_USER_AUTH,              /* L-NO-USER-AUTH */
    KEY_LINT_INVALIDATION_OFF,          /* L-INVALIDATION-OFF */
    KEY_LINT_LONG_BIOMETRIC_TIMEOUT,    /* L-LONG-BIOMETRIC-TIMEOUT */
    KEY_LINT_TIMEOUT_ON_PER_OP_FLOW,    /* L-TIMEOUT-ON-PER-OPERATION-FLOW */
    KEY_LINT_DEVICE_CREDENTIAL_ALLOWED, /* L-DEVICE-CREDENTIAL-ALLOWED */
    KEY_LINT_NO_UNLOCKED_DEVICE,        /* L-NO-UNLOCKED-DEVICE-REQUIRED */
    KEY_LINT_STRONGBOX_FALLBACK,        /* L-STRONGBOX-SILENT-FALLBACK */
    KEY_LINT_WEAK_DIGEST,               /* L-SHA1-DIGEST */
    KEY_LINT_ECB_MODE,                  /* L-AES-ECB */
    KEY_LINT_RSA_PKCS1_ENCRYPTION,      /* L-RSA-PKCS1-ENCRYPTION */
    KEY_LINT_FINDING_COUNT
} key_lint_finding;

typedef struct key_lint_rule {
    key_lint_finding finding;
    const char *id; /* "L-NO-USER-AUTH": stable, never renamed */
    key_lint_severity severity;
    const char *title;   /* one line */
    const char *reason;  /* why it is weak */
    const char *instead; /* what to do instead, in the app's API */
    const char *source;  /* Android developer docs / framework source / public write-up */
} key_lint_rule;

/* What the app says a key is for (kssim lint --intent LIST; a scenario's `# lint-intent: ALIAS LIST`). */
#define KEY_LINT_INTENT_LOGIN          0x01u /* login / step-up: proves the user is present */
#define KEY_LINT_INTENT_PER_OPERATION  0x02u /* used with a CryptoObject, one prompt per operation */
#define KEY_LINT_INTENT_BIOMETRIC_ONLY 0x04u /* only a biometric may authorize it */
#define KEY_LINT_INTENT_SECRET_AT_REST 0x08u /* decrypts a stored secret */
#define KEY_LINT_INTENT_UNATTENDED     0x10u /* used without the user on purpose (attestation, TLS client) */

/* What is known about the key besides its policy. */
typedef struct key_lint_context {
    uint32_t intents; /* KEY_LINT_INTENT_* */
    /* The API level the key is for (its device's, the scenario's); 0: the newest modelled. Findings about an
     * option that level does not have are not raised (V-API-... rows of core/android_versions.c). */
    int api_level;
    /* A scenario began an operation on the key and authorized it by its challenge (CryptoObject style). */
    bool used_per_operation;
    /* Every authentication a scenario bound to the key's operations was a biometric one. */
    bool authorized_only_by_biometric;
    /* A scenario asked StrongBox for the alias, was refused HARDWARE_TYPE_UNAVAILABLE, then made it at a
     * lower level. */
    bool strongbox_fell_back;
} key_lint_context;

/* The whole table (KEY_LINT_FINDING_COUNT rows, in enum order). */
const key_lint_rule *key_lint_rules(size_t *count);
const key_lint_rule *key_lint_rule_of(key_lint_finding finding);
/* The row with this ID, or NULL. */
const key_lint_rule *key_lint_rule_by_id(const char *id);

const char *key_lint_severity_name(key_lint_severity severity); /* note | warning | error */
/* "note", "warning", "error"; false for any other word. */
bool key_lint_severity_parse(const char *word, key_lint_severity *severity);

/* A comma list of login, per-operation, biometric-only, secret-at-rest, unattended (also with '_'). false with
 * the first unknown word copied to unknown. */
bool key_lint_intents_parse(const char *list, uint32_t *intents, char *unknown, size_t unknown_size);

/* The findings that hold for spec in context, in table order; returns how many (at most
 * KEY_LINT_FINDING_COUNT, the size findings must have). */
size_t key_lint_check(const kssim_key_spec *spec, const key_lint_context *context,
                      key_lint_finding findings[KEY_LINT_FINDING_COUNT]);

#endif
