/*
 * fuzz_phone.h - the phone the stateful fuzz targets and the seed writers start from: a lock screen,
 * strong biometrics and keys of every kind of authentication binding, so that whatever a target feeds
 * (tokens, stored images) meets every rule that could let it through.
 */
#ifndef KSSIM_FUZZ_PHONE_H
#define KSSIM_FUZZ_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#include <kssim/kssim.h>

#define FUZZ_PHONE_PIN "1234"

/* The keys of the phone, by what they need. */
typedef struct fuzz_phone_key {
    const char *alias;
    kssim_algorithm algorithm;
    bool user_auth;
    uint32_t auth_timeout_s; /* 0 with user_auth: a per-operation key */
    uint32_t auth_types;
    uint32_t purpose; /* what the targets use it for: sign or encrypt */
} fuzz_phone_key;

extern const fuzz_phone_key fuzz_phone_keys[];
extern const size_t fuzz_phone_key_count;
/* The longest auth timeout of fuzz_phone_keys, in seconds. */
#define FUZZ_PHONE_LONGEST_TIMEOUT_S 600u

/* A new phone (seed 7): PIN FUZZ_PHONE_PIN, fingerprint 1 and face 2 (both strong), a weak fingerprint
 * 3, and every key of fuzz_phone_keys; no token in the cache. Aborts if the simulator refuses any of it,
 * since every target would then test less than it claims. */
kssim_device *fuzz_phone_new(void);

/* Aborts with a message when result is not KSSIM_OK: set-up steps must work. */
void fuzz_phone_require(kssim_device *device, kssim_result result, const char *what);

#endif
