/*
 * result.h - the names and numbers of every outcome the simulated device can give.
 *
 * Negative values are KeyMint ErrorCodes, small positive values keystore2 ResponseCodes, and 1000+ the
 * simulator's own (Gatekeeper and biometric outcomes that Android reports through other channels).
 * The values are the contract's (shared/spec/scenario-format.md, "Results"): users script against them.
 */
#ifndef KSSIM_RESULT_H
#define KSSIM_RESULT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kssim_result {
    KSSIM_OK = 0,
    /* keystore2 ResponseCode */
    KSSIM_LOCKED = 2,
    KSSIM_SYSTEM_ERROR = 4,
    KSSIM_KEY_NOT_FOUND = 7,
    KSSIM_KEY_PERMANENTLY_INVALIDATED = 17,
    /* Project extensions of the contract's list, with Android's numbers (ResponseCode.aidl): every KeyMint
     * slot is taken and keystore2 found no operation it may prune; an operation called while it serves
     * another call (never produced: the simulator's calls are sequential). */
    KSSIM_BACKEND_BUSY = 18,
    KSSIM_OPERATION_BUSY = 19,
    /* KeyMint ErrorCode */
    KSSIM_UNSUPPORTED_PURPOSE = -2,
    KSSIM_INCOMPATIBLE_PURPOSE = -3,
    KSSIM_UNSUPPORTED_ALGORITHM = -4,
    KSSIM_UNSUPPORTED_KEY_SIZE = -6,
    KSSIM_INCOMPATIBLE_BLOCK_MODE = -8,
    KSSIM_UNSUPPORTED_PADDING_MODE = -10, /* a padding the algorithm cannot use for the purpose (issue 12) */
    KSSIM_INCOMPATIBLE_PADDING_MODE = -11,
    KSSIM_UNSUPPORTED_DIGEST = -12, /* a digest the algorithm cannot use: HMAC with none (issue 12) */
    KSSIM_INCOMPATIBLE_DIGEST = -13,
    KSSIM_INVALID_INPUT_LENGTH = -21, /* project extension: an attestation challenge over 128 bytes (issue 15) */
    KSSIM_KEY_NOT_YET_VALID = -24,
    KSSIM_KEY_EXPIRED = -25,
    KSSIM_KEY_USER_NOT_AUTHENTICATED = -26,
    KSSIM_INVALID_OPERATION_HANDLE = -28,
    KSSIM_VERIFICATION_FAILED = -30,
    KSSIM_TOO_MANY_OPERATIONS = -31, /* project extension: KeyMint has no free operation slot */
    KSSIM_INVALID_KEY_BLOB = -33,
    KSSIM_INVALID_ARGUMENT = -38,
    KSSIM_KEY_RATE_LIMIT_EXCEEDED = -54,
    KSSIM_CALLER_NONCE_PROHIBITED = -55, /* an encryption given a nonce by a key without CALLER_NONCE (issue 12) */
    KSSIM_KEY_MAX_OPS_EXCEEDED = -56,
    KSSIM_KEY_REQUIRES_UPGRADE = -62, /* keystore2 upgrades the blob and retries; apps see it only if that fails */
    KSSIM_ROLLBACK_RESISTANCE_UNAVAILABLE = -67,
    KSSIM_HARDWARE_TYPE_UNAVAILABLE = -68,
    KSSIM_DEVICE_LOCKED = -72,
    /* the simulator's own */
    KSSIM_WRONG_CREDENTIAL = 1001,
    KSSIM_RETRY_TIMEOUT = 1002,
    KSSIM_NO_CREDENTIAL = 1003,
    KSSIM_NO_SECURE_LOCK_SCREEN = 1004,
    KSSIM_NO_BIOMETRIC_ENROLLED = 1005,
    KSSIM_NO_MATCH = 1006,
    KSSIM_LOCKOUT = 1007,
    KSSIM_LOCKOUT_PERMANENT = 1008,
    /* the device store (sim/store/): not Android outcomes, the simulator's own files */
    KSSIM_DEVICE_UNAVAILABLE = 1101, /* the device directory cannot be created, opened or locked */
    KSSIM_DEVICE_DAMAGED = 1102,     /* not a kssim device, damaged, or written by a newer kssim */
} kssim_result;

/* "KEY_USER_NOT_AUTHENTICATED", "ok" for KSSIM_OK, NULL for a value that is not a result. */
const char *kssim_result_name(kssim_result result);

/* Parses a result name as the contract spells it ("ok" included); returns 0 on success, -1 otherwise. */
int kssim_result_from_name(const char *name, kssim_result *out);

/* A general sentence saying what would let an operation that got this result succeed. The device's
 * own message (kssim_device_message) is more specific; this is the fallback. */
const char *kssim_result_advice(kssim_result result);

#ifdef __cplusplus
}
#endif
#endif
