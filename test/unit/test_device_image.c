/*
 * test_device_image.c - a device captured into bytes and restored (sim/store/device_image.c).
 *
 * A restored device must be the captured one, down to the random values it will draw next, so the
 * tests compare re-captured images byte for byte and then drive both devices through the same calls.
 * A damaged image must be refused without touching the device, and no damage may crash or leak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/checksum.h"
#include "store/device_image.h"
#include "../device_fixture.h"

static const uint8_t message[] = "the server's challenge";

static kssim_device *new_device(uint64_t seed)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = seed;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static kssim_key_spec spec_for(const char *alias, kssim_algorithm algorithm)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, algorithm);
    strcpy(spec.alias, alias);
    return spec;
}

static void generate(kssim_device *device, const kssim_key_spec *spec)
{
    assert_int_equal(kssim_generate_key(device, spec), KSSIM_OK);
}

/* Signs message with alias; *signature is NULL unless the result is KSSIM_OK. */
static kssim_result sign(kssim_device *device, const char *alias, uint8_t **signature, size_t *signature_len)
{
    *signature = NULL;
    *signature_len = 0;
    kssim_operation op;
    kssim_result r = kssim_begin(device, alias, KSSIM_PURPOSE_SIGN, NULL, &op);
    if (r != KSSIM_OK)
        return r;
    r = kssim_finish(device, op.handle, message, sizeof(message), NULL, 0, signature, signature_len);
    if (r != KSSIM_OK)
        kssim_abort(device, op.handle);
    return r;
}

static kssim_result sign_and_forget(kssim_device *device, const char *alias)
{
    uint8_t *signature;
    size_t signature_len;
    kssim_result r = sign(device, alias, &signature, &signature_len);
    kssim_free(signature);
    return r;
}

/* A phone with something in every part of its state: a credential with a failed attempt, strong and
 * weak biometrics with a failed match, keys of every algorithm with every kind of limit (some used),
 * a tombstone, tokens in the cache, an armed prompt, a reboot behind it and time gone by. */
static kssim_device *rich_device(void)
{
    kssim_device *device = new_device(11);
    fixture_set_pin_and_strong_fingerprint(device);
    assert_int_equal(kssim_enroll_biometric(device, 2, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG), KSSIM_OK);
    assert_int_equal(kssim_enroll_biometric(device, 3, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_WEAK), KSSIM_OK);

    kssim_key_spec spec = spec_for("ec", KSSIM_ALGORITHM_EC);
    generate(device, &spec);
    spec = spec_for("rsa", KSSIM_ALGORITHM_RSA);
    generate(device, &spec);
    spec = spec_for("aes", KSSIM_ALGORITHM_AES);
    generate(device, &spec);
    spec = spec_for("hmac", KSSIM_ALGORITHM_HMAC);
    generate(device, &spec);
    spec = spec_for("limited", KSSIM_ALGORITHM_EC);
    spec.usage_count_limit = 3;
    generate(device, &spec);
    spec = spec_for("once", KSSIM_ALGORITHM_EC);
    spec.usage_count_limit = 1;
    generate(device, &spec);
    spec = spec_for("per_boot", KSSIM_ALGORITHM_EC);
    spec.max_uses_per_boot = 2;
    generate(device, &spec);
    spec = spec_for("rate", KSSIM_ALGORITHM_EC);
    spec.min_seconds_between_ops = 10;
    generate(device, &spec);
    spec = spec_for("per_op", KSSIM_ALGORITHM_EC);
    spec.user_auth = true;
    spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL;
    generate(device, &spec);
    spec = spec_for("timeout", KSSIM_ALGORITHM_EC);
    spec.user_auth = true;
    spec.auth_timeout_s = 30;
    spec.auth_types = KSSIM_AUTH_DEVICE_CREDENTIAL;
    spec.has_usage_expire = true;
    spec.usage_expire_ms = KSSIM_DEFAULT_WALL_CLOCK_MS + 86400000;
    generate(device, &spec);

    assert_int_equal(sign_and_forget(device, "limited"), KSSIM_OK);
    assert_int_equal(sign_and_forget(device, "once"), KSSIM_OK); /* its last use: a tombstone */
    assert_int_equal(kssim_verify_credential(device, "0000", 1, NULL), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(kssim_authenticate_biometric(device, 9, 2, NULL), KSSIM_NO_MATCH);
    assert_int_equal(kssim_advance(device, 5000), KSSIM_OK);

    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 2500), KSSIM_OK);
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", 0x5151, NULL), KSSIM_OK);
    assert_int_equal(kssim_authenticate_biometric(device, 1, 0x7777, NULL), KSSIM_OK);
    assert_int_equal(kssim_authenticate_biometric(device, 9, 3, NULL), KSSIM_NO_MATCH);
    assert_int_equal(sign_and_forget(device, "per_boot"), KSSIM_OK);
    assert_int_equal(sign_and_forget(device, "rate"), KSSIM_OK);
    assert_int_equal(sign_and_forget(device, "timeout"), KSSIM_OK);
    assert_int_equal(kssim_prompt_arm(device, KSSIM_PROMPT_BIOMETRIC, 1, NULL, 3), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 1234), KSSIM_OK);
    return device;
}

static void assert_images_equal(const sim_device_image *a, const sim_device_image *b)
{
    assert_int_equal(a->state_len, b->state_len);
    assert_memory_equal(a->state, b->state, a->state_len);
    assert_int_equal(a->key_count, b->key_count);
    for (size_t i = 0; i < a->key_count; i++) {
        assert_string_equal(a->keys[i].alias, b->keys[i].alias);
        assert_int_equal(a->keys[i].len, b->keys[i].len);
        assert_memory_equal(a->keys[i].bytes, b->keys[i].bytes, a->keys[i].len);
    }
}

/* The device is exactly as captured in expected. */
static void assert_device_is(kssim_device *device, const sim_device_image *expected)
{
    sim_device_image now;
    assert_int_equal(sim_device_image_capture(device, &now), KSSIM_OK);
    assert_images_equal(&now, expected);
    sim_device_image_free(&now);
}

static void assert_same_result_and_output(kssim_device *a, kssim_device *b, const char *alias)
{
    uint8_t *out_a, *out_b;
    size_t len_a, len_b;
    kssim_result r_a = sign(a, alias, &out_a, &len_a);
    kssim_result r_b = sign(b, alias, &out_b, &len_b);
    assert_int_equal(r_a, r_b);
    assert_string_equal(kssim_device_message(a), kssim_device_message(b));
    assert_int_equal(len_a, len_b);
    if (len_a > 0)
        assert_memory_equal(out_a, out_b, len_a);
    kssim_free(out_a);
    kssim_free(out_b);
}

static void a_restored_device_is_the_captured_one(void **state)
{
    (void)state;
    kssim_device *original = rich_device();
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(original, &image), KSSIM_OK);
    assert_int_equal(image.key_count, 10);
    assert_non_null(sim_device_image_find_key(&image, "rsa"));
    assert_null(sim_device_image_find_key(&image, "nothing"));

    kssim_device *restored = new_device(99);
    assert_int_equal(sim_device_image_restore(restored, &image), KSSIM_OK);
    assert_device_is(restored, &image);

    kssim_status status_a, status_b;
    assert_int_equal(kssim_status_get(original, &status_a), KSSIM_OK);
    assert_int_equal(kssim_status_get(restored, &status_b), KSSIM_OK);
    assert_int_equal(status_b.boot_count, 2);
    assert_int_equal(status_a.root_sid, status_b.root_sid);
    assert_int_equal(status_a.boot_ms, status_b.boot_ms);
    assert_int_equal(status_a.wall_ms, status_b.wall_ms);
    assert_int_equal(status_a.failed_attempts, status_b.failed_attempts);
    assert_int_equal(status_a.locked, status_b.locked);
    assert_int_equal(status_a.unlocked_since_boot, status_b.unlocked_since_boot);
    assert_memory_equal(status_a.authenticator_ids, status_b.authenticator_ids, sizeof(status_a.authenticator_ids));
    assert_int_equal(restored->config.seed, 11);

    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(restored, "once", &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_INVALIDATED);
    assert_int_equal(info.reason, KSSIM_REASON_USAGE_EXHAUSTED);
    assert_int_equal(kssim_key_info_get(restored, "limited", &info), KSSIM_OK);
    assert_int_equal(info.uses_remaining, 2);

    /* The same calls on both phones give the same results and the same bytes: ECDSA nonces, handles and
     * challenges come from the restored DRBG. */
    const char *aliases[] = {"ec", "rsa", "hmac", "limited", "once", "per_boot", "per_boot", "rate", "timeout"};
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        assert_same_result_and_output(original, restored, aliases[i]);
    assert_int_equal(sign_and_forget(restored, "per_boot"), KSSIM_KEY_MAX_OPS_EXCEEDED);
    assert_int_equal(sign_and_forget(original, "per_boot"), KSSIM_KEY_MAX_OPS_EXCEEDED);
    assert_int_equal(sign_and_forget(restored, "rate"), KSSIM_KEY_RATE_LIMIT_EXCEEDED);

    kssim_auth_token token_a, token_b;
    assert_int_equal(kssim_verify_credential(original, "1234", 42, &token_a), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(restored, "1234", 42, &token_b), KSSIM_OK);
    assert_memory_equal(&token_a, &token_b, sizeof(token_a));

    kssim_operation op_a, op_b;
    assert_int_equal(kssim_begin(original, "per_op", KSSIM_PURPOSE_SIGN, NULL, &op_a), KSSIM_OK);
    assert_int_equal(kssim_begin(restored, "per_op", KSSIM_PURPOSE_SIGN, NULL, &op_b), KSSIM_OK);
    assert_true(op_a.needs_per_op_auth);
    assert_int_equal(op_a.handle, op_b.handle);
    assert_int_equal(op_a.challenge, op_b.challenge);
    uint8_t *sig_a = NULL, *sig_b = NULL;
    size_t len_a = 0, len_b = 0;
    assert_int_equal(kssim_finish(original, op_a.handle, message, sizeof(message), NULL, 0, &sig_a, &len_a), KSSIM_OK);
    assert_int_equal(kssim_finish(restored, op_b.handle, message, sizeof(message), NULL, 0, &sig_b, &len_b), KSSIM_OK);
    assert_int_equal(len_a, len_b);
    assert_memory_equal(sig_a, sig_b, len_a);
    kssim_free(sig_a);
    kssim_free(sig_b);

    kssim_key_spec spec = spec_for("new", KSSIM_ALGORITHM_EC);
    generate(original, &spec);
    generate(restored, &spec);
    uint8_t *public_a, *public_b;
    assert_int_equal(kssim_export_public(original, "new", &public_a, &len_a), KSSIM_OK);
    assert_int_equal(kssim_export_public(restored, "new", &public_b, &len_b), KSSIM_OK);
    assert_int_equal(len_a, len_b);
    assert_memory_equal(public_a, public_b, len_a);
    kssim_free(public_a);
    kssim_free(public_b);

    sim_device_image after_a, after_b;
    assert_int_equal(sim_device_image_capture(original, &after_a), KSSIM_OK);
    assert_int_equal(sim_device_image_capture(restored, &after_b), KSSIM_OK);
    assert_images_equal(&after_a, &after_b);
    sim_device_image_free(&after_a);
    sim_device_image_free(&after_b);

    sim_device_image_free(&image);
    kssim_device_free(original);
    kssim_device_free(restored);
}

static void an_operation_in_flight_survives_only_its_own_boot(void **state)
{
    (void)state;
    kssim_device *device = new_device(5);
    kssim_key_spec spec = spec_for("ec", KSSIM_ALGORITHM_EC);
    generate(device, &spec);

    kssim_operation op;
    assert_int_equal(kssim_begin(device, "ec", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    sim_device_image same_boot;
    assert_int_equal(sim_device_image_capture(device, &same_boot), KSSIM_OK);
    assert_int_equal(sim_device_image_restore(device, &same_boot), KSSIM_OK);
    assert_int_equal(kssim_update(device, op.handle, message, sizeof(message)), KSSIM_OK);
    uint8_t *signature = NULL;
    size_t signature_len = 0;
    assert_int_equal(kssim_finish(device, op.handle, NULL, 0, NULL, 0, &signature, &signature_len), KSSIM_OK);
    assert_int_equal(kssim_verify(device, "ec", NULL, message, sizeof(message), signature, signature_len), KSSIM_OK);
    kssim_free(signature);

    /* Another process (here another device object) loads the phone, reboots it and stores it. */
    assert_int_equal(kssim_begin(device, "ec", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    sim_device_image before_reboot, after_reboot;
    assert_int_equal(sim_device_image_capture(device, &before_reboot), KSSIM_OK);
    kssim_device *other = new_device(6);
    assert_int_equal(sim_device_image_restore(other, &before_reboot), KSSIM_OK);
    assert_int_equal(kssim_reboot(other), KSSIM_OK);
    assert_int_equal(sim_device_image_capture(other, &after_reboot), KSSIM_OK);

    assert_int_equal(sim_device_image_restore(device, &after_reboot), KSSIM_OK);
    assert_int_equal(kssim_update(device, op.handle, message, sizeof(message)), KSSIM_INVALID_OPERATION_HANDLE);
    assert_int_equal(kssim_finish(device, op.handle, NULL, 0, NULL, 0, &signature, &signature_len),
                     KSSIM_INVALID_OPERATION_HANDLE);
    assert_device_is(device, &after_reboot);

    /* kssim init --force: another phone at the same boot count; the operation is gone all the same. */
    assert_int_equal(kssim_begin(device, "ec", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    kssim_device *replacement = new_device(7);
    sim_device_image replaced;
    assert_int_equal(sim_device_image_capture(replacement, &replaced), KSSIM_OK);
    kssim_status status;
    kssim_status_get(replacement, &status);
    assert_int_equal(status.boot_count, 1);
    kssim_status_get(device, &status);
    assert_int_equal(status.boot_count, 2);
    assert_int_equal(kssim_reboot(replacement), KSSIM_OK); /* now both at boot 2 */
    sim_device_image_free(&replaced);
    assert_int_equal(sim_device_image_capture(replacement, &replaced), KSSIM_OK);
    assert_int_equal(sim_device_image_restore(device, &replaced), KSSIM_OK);
    assert_int_equal(kssim_update(device, op.handle, message, sizeof(message)), KSSIM_INVALID_OPERATION_HANDLE);
    sim_device_image_free(&replaced);
    kssim_device_free(replacement);

    sim_device_image_free(&same_boot);
    sim_device_image_free(&before_reboot);
    sim_device_image_free(&after_reboot);
    kssim_device_free(other);
    kssim_device_free(device);
}

/* The state image cut to len bytes, the byte at `at` flipped by xor_mask or overwritten with value,
 * restored into device. */
static kssim_result restore_altered_state(kssim_device *device, const sim_device_image *image, size_t len, size_t at,
                                          uint8_t xor_mask, bool overwrite, uint8_t value)
{
    sim_device_image altered = *image;
    altered.state = malloc(len > 0 ? len : 1);
    assert_non_null(altered.state);
    memcpy(altered.state, image->state, len);
    altered.state_len = len;
    if (at < len)
        altered.state[at] = overwrite ? value : (uint8_t)(altered.state[at] ^ xor_mask);
    kssim_result r = sim_device_image_restore(device, &altered);
    free(altered.state);
    return r;
}

/* The same for one key's image. */
static kssim_result restore_altered_key(kssim_device *device, const sim_device_image *image, size_t key, size_t len,
                                        size_t at, uint8_t xor_mask, bool overwrite, uint8_t value)
{
    sim_key_image *keys = malloc(image->key_count * sizeof(*keys));
    assert_non_null(keys);
    memcpy(keys, image->keys, image->key_count * sizeof(*keys));
    uint8_t *bytes = malloc(len > 0 ? len : 1);
    assert_non_null(bytes);
    memcpy(bytes, image->keys[key].bytes, len);
    if (at < len)
        bytes[at] = overwrite ? value : (uint8_t)(bytes[at] ^ xor_mask);
    keys[key].bytes = bytes;
    keys[key].len = len;
    sim_device_image altered = *image;
    altered.keys = keys;
    kssim_result r = sim_device_image_restore(device, &altered);
    free(bytes);
    free(keys);
    return r;
}

static void every_truncation_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    kssim_device *source = rich_device();
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(source, &image), KSSIM_OK);
    kssim_device_free(source);

    /* The target holds a state of its own, which a refused image must leave alone. */
    kssim_device *target = new_device(3);
    kssim_key_spec spec = spec_for("mine", KSSIM_ALGORITHM_EC);
    generate(target, &spec);
    assert_int_equal(kssim_set_credential(target, KSSIM_CREDENTIAL_PASSWORD, "secret"), KSSIM_OK);
    sim_device_image before;
    assert_int_equal(sim_device_image_capture(target, &before), KSSIM_OK);

    for (size_t len = 0; len < image.state_len; len++) {
        assert_int_equal(restore_altered_state(target, &image, len, len, 0, false, 0), KSSIM_DEVICE_DAMAGED);
        assert_non_null(strstr(kssim_device_message(target), "kssim init --force"));
    }
    for (size_t k = 0; k < image.key_count; k++)
        for (size_t len = 0; len < image.keys[k].len; len++) {
            assert_int_equal(restore_altered_key(target, &image, k, len, len, 0, false, 0), KSSIM_DEVICE_DAMAGED);
            assert_non_null(strstr(kssim_device_message(target), image.keys[k].alias));
        }
    assert_device_is(target, &before);
    assert_int_equal(sign_and_forget(target, "mine"), KSSIM_OK);

    sim_device_image_free(&before);
    sim_device_image_free(&image);
    kssim_device_free(target);
}

static void headers_trailing_bytes_and_aliases_are_checked(void **state)
{
    (void)state;
    kssim_device *device = new_device(4);
    kssim_key_spec spec = spec_for("a", KSSIM_ALGORITHM_EC);
    generate(device, &spec);
    spec = spec_for("b", KSSIM_ALGORITHM_AES);
    generate(device, &spec);
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(device, &image), KSSIM_OK);
    assert_int_equal(image.key_count, 2);

    assert_int_equal(restore_altered_state(device, &image, image.state_len, 0, 0, true, 'X'), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "not a kssim image"));
    assert_int_equal(restore_altered_state(device, &image, image.state_len, 11, 0, true, SIM_DEVICE_IMAGE_VERSION + 1),
                     KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "newer kssim"));
    assert_int_equal(restore_altered_key(device, &image, 1, image.keys[1].len, 0, 0, true, 'X'), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "stored key 'b'"));
    assert_non_null(strstr(kssim_device_message(device), "not a kssim image"));
    assert_int_equal(restore_altered_key(device, &image, 0, image.keys[0].len, 11, 0, true, 9), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "newer kssim"));

    /* One byte too many is as damaged as one too few. */
    sim_device_image longer = image;
    longer.state = malloc(image.state_len + 1);
    assert_non_null(longer.state);
    memcpy(longer.state, image.state, image.state_len);
    longer.state[image.state_len] = 0;
    longer.state_len = image.state_len + 1;
    assert_int_equal(sim_device_image_restore(device, &longer), KSSIM_DEVICE_DAMAGED);
    /* Since format version 2 the image ends with its checksum, which the extra byte displaces. */
    assert_non_null(strstr(kssim_device_message(device), "checksum"));
    free(longer.state);

    /* A row under another alias, and the same row twice. */
    sim_key_image keys[2] = {image.keys[0], image.keys[1]};
    sim_device_image mixed = image;
    mixed.keys = keys;
    strcpy(keys[1].alias, "a");
    keys[1].bytes = image.keys[1].bytes;
    assert_int_equal(sim_device_image_restore(device, &mixed), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "another key's alias"));
    keys[1] = image.keys[0];
    assert_int_equal(sim_device_image_restore(device, &mixed), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "same alias"));

    /* After all of that the intact image still restores. */
    assert_int_equal(sim_device_image_restore(device, &image), KSSIM_OK);
    assert_device_is(device, &image);

    sim_device_image_free(&image);
    kssim_device_free(device);
}

/* A device that took a damaged but well-formed image must still answer every call without crashing. */
static void exercise(kssim_device *device, size_t round)
{
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    char **aliases = NULL;
    size_t count = 0;
    if (kssim_key_aliases(device, &aliases, &count) == KSSIM_OK) {
        for (size_t i = 0; i < count; i++)
            kssim_free(aliases[i]);
        kssim_free(aliases);
    }
    if (round % 32 == 0) {
        (void)sign_and_forget(device, "ec");
        (void)sign_and_forget(device, "per_boot");
        kssim_auth_token token;
        (void)kssim_authenticate_biometric(device, 1, 5, &token);
        static const uint8_t signature[64] = {1};
        (void)kssim_verify(device, "rsa", NULL, message, sizeof(message), signature, sizeof(signature));
        (void)kssim_verify(device, "hmac", NULL, message, sizeof(message), signature, 32);
        uint8_t *out = NULL;
        size_t out_len = 0;
        if (kssim_encrypt(device, "aes", NULL, message, sizeof(message), &out, &out_len, NULL) == KSSIM_OK)
            kssim_free(out);
    }
}

static void damaged_images_never_crash(void **state)
{
    (void)state;
    kssim_device *source = rich_device();
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(source, &image), KSSIM_OK);
    kssim_device_free(source);
    kssim_device *target = new_device(8);

    size_t bits = image.state_len * 8;
    size_t step = bits / 3000 + 1;
    size_t round = 0;
    for (size_t bit = 0; bit < bits; bit += step, round++)
        if (restore_altered_state(target, &image, image.state_len, bit / 8, (uint8_t)(1u << (bit % 8)), false, 0) ==
            KSSIM_OK)
            exercise(target, round);

    uint32_t lcg = 12345;
    for (int i = 0; i < 2000; i++, round++) {
        lcg = lcg * 1103515245u + 12345u;
        size_t key = (lcg >> 8) % (image.key_count + 1);
        lcg = lcg * 1103515245u + 12345u;
        uint8_t value = (uint8_t)(lcg >> 16);
        lcg = lcg * 1103515245u + 12345u;
        kssim_result r;
        if (key == image.key_count)
            r = restore_altered_state(target, &image, image.state_len, (lcg >> 4) % image.state_len, 0, true, value);
        else
            r = restore_altered_key(target, &image, key, image.keys[key].len, (lcg >> 4) % image.keys[key].len, 0, true,
                                    value);
        if (r == KSSIM_OK)
            exercise(target, round);
        else
            assert_int_equal(r, KSSIM_DEVICE_DAMAGED);
    }
    for (size_t k = 0; k < image.key_count; k++)
        for (size_t bit = 0; bit < image.keys[k].len * 8; bit += 7, round++)
            if (restore_altered_key(target, &image, k, image.keys[k].len, bit / 8, (uint8_t)(1u << (bit % 8)), false,
                                    0) == KSSIM_OK)
                exercise(target, round);

    sim_device_image_free(&image);
    kssim_device_free(target);
}

/* The provider's last refusal (kssim last-refusal) is part of the image from version 5; a version 4 image, which
 * ends before it, reads as a device that has refused nothing. */
static void the_last_refusal_survives_the_image_and_older_images_have_none(void **state)
{
    (void)state;
    kssim_device *device = new_device(11);
    kssim_key_spec spec = spec_for("k", KSSIM_ALGORITHM_EC);
    generate(device, &spec);
    assert_int_equal(kssim_advance(device, 1500), KSSIM_OK);
    /* The record names the call it interrupts: here the begin of a signature with k. */
    kssim_operation op;
    assert_int_equal(kssim_begin(device, "k", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    kssim_device_record_refusal(device, KSSIM_KEY_USER_NOT_AUTHENTICATED, "authenticate first");
    kssim_device_record_refusal(device, KSSIM_OK, "a success is no refusal");
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(device, &image), KSSIM_OK);
    kssim_device *restored = new_device(11);
    assert_int_equal(sim_device_image_restore(restored, &image), KSSIM_OK);
    kssim_refusal_record record;
    kssim_device_last_refusal(restored, &record);
    assert_true(record.present);
    assert_int_equal(record.result, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_string_equal(record.sentence, "authenticate first");
    assert_string_equal(record.what, "sign");
    assert_string_equal(record.alias, "k");
    assert_int_equal(record.boot_ms, 1500);
    assert_int_equal(record.boot_count, 1);
    sim_device_image_free(&image);

    /* Without a record the section is one bool; a version 4 image is the same bytes without it. */
    kssim_device *fresh = new_device(12);
    assert_int_equal(sim_device_image_capture(fresh, &image), KSSIM_OK);
    size_t body = image.state_len - 4 - 1;
    assert_int_equal(image.state[body], 0);
    image.state[11] = 4;
    uint32_t crc = sim_store_crc32(image.state, body);
    for (int i = 0; i < 4; i++)
        image.state[body + (size_t)i] = (uint8_t)(crc >> (24 - 8 * i));
    image.state_len = body + 4;
    assert_int_equal(sim_device_image_restore(restored, &image), KSSIM_OK);
    kssim_device_last_refusal(restored, &record);
    assert_false(record.present);
    sim_device_image_free(&image);
    kssim_abort(device, op.handle);
    kssim_device_free(fresh);
    kssim_device_free(restored);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_restored_device_is_the_captured_one),
        cmocka_unit_test(an_operation_in_flight_survives_only_its_own_boot),
        cmocka_unit_test(every_truncation_is_refused_and_changes_nothing),
        cmocka_unit_test(headers_trailing_bytes_and_aliases_are_checked),
        cmocka_unit_test(damaged_images_never_crash),
        cmocka_unit_test(the_last_refusal_survives_the_image_and_older_images_have_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
