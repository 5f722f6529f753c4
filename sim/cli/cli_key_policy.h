/*
 * cli_key_policy.h - the key policy options that generate-key and import-key share: the scenario
 * format's generate_key arguments (an app's KeyGenParameterSpec) spelled as options.
 */
#ifndef SIM_CLI_CLI_KEY_POLICY_H
#define SIM_CLI_CLI_KEY_POLICY_H

#include <stdbool.h>

#include <kssim/kssim.h>

#include "cli/cli_options.h"

/* The options, to be listed in a command's option table (after its own). */
#define CLI_KEY_POLICY_OPTIONS                                                                                         \
    {"--algorithm", "ALG", "ec (default), rsa, ed25519, aes or hmac", false},                                          \
        {"--size", "BITS",                                                                                             \
         "ec 224|256|384|521, rsa 2048|3072|4096, aes 128|192|256, hmac 64..512 in steps of 8 (StrongBox: ec 256, "    \
         "rsa 2048, aes 128|256); default ec 256, rsa 2048, aes 128, hmac the digest's size (256 for sha256)",         \
         false},                                                                                                       \
        {"--purposes", "LIST", "comma list of sign, verify, encrypt, decrypt, agree_key (setPurposes)", false},        \
        {"--digests", "LIST", "comma list of none, sha1, sha224, sha256, sha384, sha512 (setDigests)", false},         \
        {"--block-modes", "LIST", "aes: comma list of gcm, cbc, ctr, ecb (setBlockModes)", false},                     \
        {"--paddings", "LIST", "comma list of none, pkcs7, pkcs1, pss, oaep (setSignaturePaddings, ...)", false},      \
        {"--auth", "TYPES", "require user authentication by biometric_strong and/or device_credential (comma list)",   \
         false},                                                                                                       \
        {"--timeout", "SECONDS", "how long an authentication lasts; 0 (default) = every operation needs its own",      \
         false},                                                                                                       \
        {"--no-invalidate-on-enrollment", NULL,                                                                        \
         "biometric-only keys: bind the root SID, surviving new enrollments (setInvalidatedByBiometricEnrollment)",    \
         false},                                                                                                       \
        {"--invalidated-by-biometric-enrollment", "BOOL", "true (default) or false, as the scenario argument", false}, \
        {"--unlocked-device-required", NULL, "usable only while the phone is unlocked (setUnlockedDeviceRequired)",    \
         false},                                                                                                       \
        {"--rollback-resistant", NULL,                                                                                 \
         "Tag::ROLLBACK_RESISTANCE: refuses for good once the device is found rolled back (tee, strongbox)", false},   \
        {"--usage-count-limit", "N", "successful uses in the key's life; the last one deletes it (setMaxUsageCount)",  \
         false},                                                                                                       \
        {"--max-uses-per-boot", "N", "operations allowed per boot", false},                                            \
        {"--min-seconds-between-ops", "N", "minimum interval between operations", false},                              \
        {"--active", "TIME", "not usable before this wall-clock time (setKeyValidityStart)", false},                   \
        {"--origination-expire", "TIME", "no sign/encrypt after this time (setKeyValidityForOriginationEnd)", false},  \
        {"--usage-expire", "TIME", "no verify/decrypt after this time (setKeyValidityForConsumptionEnd)", false},      \
    {                                                                                                                  \
        "--security-level", "LEVEL", "tee (default) or strongbox (setIsStrongBoxBacked)", false                        \
    }

/* The policy text every key command's help ends with. */
#define CLI_KEY_POLICY_HELP                                                                                            \
    "Lists are comma-separated (--purposes sign,verify). --auth or --timeout makes the key require user\n"             \
    "authentication: --auth defaults to biometric_strong, --timeout to 0 (per operation: use kssim prompt).\n"         \
    "TIME is YYYY-MM-DDTHH:MM:SSZ (UTC)."

/* --algorithm, or fallback when it was not given. */
bool cli_read_key_algorithm(const cli_args *args, kssim_algorithm fallback, kssim_algorithm *algorithm);

/* The algorithm's defaults (kssim_key_spec_default), the alias, then every policy option given. */
bool cli_read_key_spec(const cli_args *args, const char *alias, kssim_algorithm algorithm, kssim_key_spec *spec);

#endif
