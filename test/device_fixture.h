/*
 * device_fixture.h - what the tests that drive a whole kssim_device share: one-call signing through
 * begin and finish, and the PIN and strong fingerprint most rules need. The cmocka programs include it
 * after <cmocka.h> (the PIN helper asserts with it); a program without cmocka gets the rest. Every helper is static
 * inline so each test program takes only what it uses.
 */
#ifndef TEST_DEVICE_FIXTURE_H
#define TEST_DEVICE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kssim/kssim.h>

/* One begin and finish signing data with alias; the signature is dropped. *op and *begun (either may be
 * NULL) say which operation was begun, so that a caller can abort one whose finish was refused (an API
 * level before V-OP-FAILED-CALL-ENDS keeps it open). */
static inline kssim_result fixture_sign_once(kssim_device *device, const char *alias, const uint8_t *data, size_t len,
                                             kssim_operation *op, bool *begun)
{
    kssim_operation begun_op;
    kssim_result r = kssim_begin(device, alias, KSSIM_PURPOSE_SIGN, NULL, &begun_op);
    if (begun != NULL)
        *begun = r == KSSIM_OK;
    if (r != KSSIM_OK)
        return r;
    if (op != NULL)
        *op = begun_op;
    uint8_t *signature = NULL;
    size_t signature_len = 0;
    r = kssim_finish(device, begun_op.handle, data, len, NULL, 0, &signature, &signature_len);
    kssim_free(signature);
    return r;
}

/* fixture_sign_once, aborting a begun operation whose finish was refused, so that its slot is free on
 * every API level. */
static inline kssim_result fixture_sign_or_abort(kssim_device *device, const char *alias, const uint8_t *data,
                                                 size_t len)
{
    kssim_operation op;
    bool begun;
    kssim_result r = fixture_sign_once(device, alias, data, len, &op, &begun);
    if (r != KSSIM_OK && begun)
        kssim_abort(device, op.handle);
    return r;
}

#ifdef assert_int_equal
/* The lock screen PIN 1234 and strong fingerprint 1, as the user sets them up. */
static inline void fixture_set_pin_and_strong_fingerprint(kssim_device *device)
{
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    assert_int_equal(kssim_enroll_biometric(device, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG), KSSIM_OK);
}
#endif

#endif
