/*
 * keymint_attestation.h - KeyMint key attestation: the KeyDescription extension
 * (OID 1.3.6.1.4.1.11129.2.1.17) and the certificate chain leaf -> intermediate -> the device's own
 * attestation root, made inside the secure world.
 *
 * The root and intermediate keys are derived from the device key (itself drawn from the seeded DRBG at
 * first power-on and kept in the secure world's image), so a device keeps one root for its whole life,
 * the same seed gives the same root, and another seed another one. It is a test root, never Google's.
 */
#ifndef SIM_SECURE_KEYMINT_ATTESTATION_H
#define SIM_SECURE_KEYMINT_ATTESTATION_H

#include <openssl/types.h>

#include "secure/secure_world.h"

/* The OID of the extension, as text, for OBJ_txt2obj. */
#define SIM_ATTESTATION_EXTENSION_OID "1.3.6.1.4.1.11129.2.1.17"
/* KeyMint refuses a challenge longer than 128 bytes with INVALID_INPUT_LENGTH (R-ATTEST-CHALLENGE-LENGTH)
 * (IKeyMintDevice.aidl generateKey; VTS KeyMintAidlTestBase / AttestKeyTest "challenge too long"). */
#define SIM_ATTESTATION_CHALLENGE_MAX 128
/* The framework's default certificate end date when the key sets none: 2048-01-01T00:00:00Z
 * (AndroidKeyStoreKeyPairGeneratorSpi DEFAULT_CERT_NOT_AFTER = 2461449600000 ms). */
#define SIM_ATTESTATION_DEFAULT_NOT_AFTER_MS INT64_C(2461449600000)

/* What the caller asks to be attested beside the key's characteristics. */
typedef struct sim_attestation_request {
    const uint8_t *challenge; /* ATTESTATION_CHALLENGE: the server's nonce */
    size_t challenge_len;
    const uint8_t *application_id; /* the package name keystore2 puts in ATTESTATION_APPLICATION_ID */
    size_t application_id_len;
    uint8_t application_signature_digest[32]; /* SHA-256 of the package's signing certificate */
    int64_t creation_ms;                      /* CREATION_DATETIME: the wall clock when the key was made */
} sim_attestation_request;

/* The chain, leaf first: DER certificates, each malloc'd; released with sim_attestation_chain_free. */
#define SIM_ATTESTATION_CHAIN_LENGTH 3
typedef struct sim_attestation_chain {
    uint8_t *certificates[SIM_ATTESTATION_CHAIN_LENGTH];
    size_t lengths[SIM_ATTESTATION_CHAIN_LENGTH];
} sim_attestation_chain;

void sim_attestation_chain_free(sim_attestation_chain *chain);

/* attestationVersion and keyMintVersion (keymasterVersion before KeyMint) of the HAL an API level ships,
 * read from the release table (core/android_versions.c, R-ATTEST-VERSIONS-PER-RELEASE): Keymaster 2 (24,
 * 25): 1 and 2; Keymaster 3 (26, 27): 2 and 3; Keymaster 4 (28): 3 and 4; Keymaster 4.1 (29, 30): 4 and 41;
 * KeyMint 1 (31, 32): 100; KeyMint 2 (33): 200; KeyMint 3 (34, 35): 300. API 23 has none (0). */
void sim_attestation_versions(int api_level, uint32_t *attestation_version, uint32_t *keymint_version);

/* Device facts the record states (rootOfTrust, OS version and patch levels), a function of the device key
 * and the API level. */
typedef struct sim_attestation_device {
    int api_level;
    kssim_security_level security_level; /* of the KeyMint instance holding the key */
    uint8_t verified_boot_key[32];
    uint8_t verified_boot_hash[32];
} sim_attestation_device;

/* The KeyDescription DER for auth on that device; malloc'd into *der. Returns 0, or -1 out of memory. */
int sim_attestation_key_description(const sim_attestation_device *device, const sim_auth_list *auth,
                                    const sim_attestation_request *request, uint8_t **der, size_t *der_len);

/* IKeyMintDevice's attestation at generateKey: the chain for the key in blob. Refuses challenges over
 * 128 bytes (INVALID_INPUT_LENGTH, before reading them) and symmetric keys (KeyMint attests only asymmetric ones). */
kssim_result sim_keymint_attest_key(sim_secure_world *sw, const sim_key_blob *blob,
                                    const sim_attestation_request *request, sim_attestation_chain *chain);
/* What the leaf of a stored chain says about the app: [709]'s first package name and first signature
 * digest (each flagged absent when the record has none, as before attestation version 2). */
typedef struct sim_attestation_application {
    bool has_package, has_signature_digest;
    char package[KSSIM_ALIAS_MAX];
    uint8_t signature_digest[32];
} sim_attestation_application;
void sim_attestation_read_application(const uint8_t *chain, size_t chain_len, sim_attestation_application *out);

/* The device's attestation root certificate, DER, malloc'd. */
kssim_result sim_keymint_attestation_root(sim_secure_world *sw, uint8_t **der, size_t *der_len);

/* The P-256 key derived from the device key under label (the attestation keys, and the attack
 * functions' own keys); NULL out of memory. The intermediate's is SIM_ATTESTATION_INTERMEDIATE_KEY_LABEL. */
#define SIM_ATTESTATION_INTERMEDIATE_KEY_LABEL "kssim attestation intermediate key"
EVP_PKEY *sim_attestation_derive_key(sim_secure_world *sw, const char *label);

/* Attestation attacks (keymint_attestation_attacks.c, docs/attestation.md "Attacks a verifier must
 * catch"): what an attacker makes of a genuine chain, as a compromised TEE holding the attestation
 * intermediate's private key could. The intermediate's key never leaves the secure world: the caller
 * hands chains in and gets the altered chain out (concatenated DER, leaf first), a function of the
 * device key, the attack and the chains alone. */
typedef enum sim_attestation_attack {
    SIM_ATTACK_RESIGN_ROOT = 0, /* another root with the same names re-signs the intermediate */
    SIM_ATTACK_WRONG_KEY,       /* the leaf re-issued for another key Q, signed by the real intermediate */
    SIM_ATTACK_COPY_EXTENSION,  /* the leaf keeps its key, carries other's KeyDescription, signed by the intermediate */
} sim_attestation_attack;
kssim_result sim_keymint_forge_attestation(sim_secure_world *sw, sim_attestation_attack attack, const uint8_t *chain,
                                           size_t chain_len, const uint8_t *other, size_t other_len, uint8_t **out,
                                           size_t *out_len);

#endif
