/*
 * large_input.c - messages larger than one operation's input bound (KSSIM_OPERATION_INPUT_MAX, 16 MiB)
 * through the provider (issue 18, item 12): digest-sign streams them to the device, which hashes them
 * as KeyMint's update does, so 20 MiB in updates of several sizes signs and verifies; a context whose
 * streamed operation ended refuses to sign again rather than sign the tail alone; a per-operation key
 * keeps its message for the two-phase flow and refuses past the bound; a signature without a digest
 * refuses past the bound, the sentence naming it; and copies of a context that diverge in the middle of a
 * streamed message refuse instead of signing a mix, while the original signs its own.
 *
 * Usage: large_input [BUILD_DIR]  (the directory holding keystore.so; OPENSSL_MODULES otherwise)
 */
#include "provider_test.h"

#define MESSAGE_BYTES ((size_t)20 * 1024 * 1024)

static unsigned char *large_message(void)
{
    unsigned char *message = malloc(MESSAGE_BYTES);
    CHECK(message != NULL);
    for (size_t i = 0; i < MESSAGE_BYTES; i++)
        message[i] = (unsigned char)(i * 131 + (i >> 20));
    return message;
}

/* The newest error names result and its sentence holds text. */
static void check_refusal(const char *result, const char *text)
{
    CHECK(test_last_error_is(result));
    const char *data = NULL;
    ERR_peek_last_error_data(&data, NULL);
    if (data == NULL || strstr(data, text) == NULL) {
        fprintf(stderr, "the sentence lacks '%s': %s\n", text, data != NULL ? data : "(none)");
        CHECK(0);
    }
    ERR_clear_error();
}

static void digest_sign_streams(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device,
                                const unsigned char *message)
{
    EVP_PKEY *pkey = test_generate_ec_key(libctx, "large", NULL, 0);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    /* Updates smaller and larger than the provider's chunk, as a file reader's and a caller's. */
    const size_t sizes[] = {1000, 4096, 3 * 1024 * 1024 + 7, 65536};
    size_t done = 0;
    for (size_t i = 0; done < MESSAGE_BYTES; i++) {
        size_t n = sizes[i % 4] < MESSAGE_BYTES - done ? sizes[i % 4] : MESSAGE_BYTES - done;
        CHECK(EVP_DigestSignUpdate(mctx, message + done, n) == 1);
        done += n;
    }
    unsigned char sig[256];
    size_t sig_len = sizeof(sig);
    CHECK(EVP_DigestSignFinal(mctx, sig, &sig_len) == 1);
    EVP_PKEY *public_key = test_device_public_key(device, default_only, "large");
    CHECK(test_verify(default_only, public_key, message, MESSAGE_BYTES, sig, sig_len));
    printf("ok - EVP_DigestSignUpdate of 20 MiB signs what the public key verifies\n");

    /* The operation that took the message has signed: a second final must not sign the rest alone. */
    sig_len = sizeof(sig);
    CHECK(EVP_DigestSignFinal(mctx, sig, &sig_len) != 1);
    check_refusal("INVALID_OPERATION_HANDLE", "init the context again");
    printf("ok - a second final after a streamed signature is refused\n");

    /* One-shot EVP_DigestSign hands all 20 MiB to one kssim_finish, which the device hashes too. */
    CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    sig_len = sizeof(sig);
    CHECK(EVP_DigestSign(mctx, sig, &sig_len, message, MESSAGE_BYTES) == 1);
    CHECK(test_verify(default_only, public_key, message, MESSAGE_BYTES, sig, sig_len));
    printf("ok - EVP_DigestSign of 20 MiB signs\n");

    /* Without a digest the device keeps the data whole: past the bound, a refusal naming it. */
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, "?provider=keystore");
    CHECK(pctx != NULL && EVP_PKEY_sign_init(pctx) == 1);
    sig_len = sizeof(sig);
    CHECK(EVP_PKEY_sign(pctx, sig, &sig_len, message, MESSAGE_BYTES) != 1);
    check_refusal("INVALID_ARGUMENT", "16777216 bytes");
    printf("ok - a 20 MiB signature without a digest is refused, naming the bound\n");
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(public_key);
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(pkey);
}

/* EVP_MD_CTX_copy_ex in the middle of a streamed message: the copies share one keystore operation, which holds
 * the start of the message. The original streams on; the copy, whose own message diverged, must refuse to
 * sign rather than sign a mix of the two, and the original still signs its own whole message. */
static void copies_that_diverge_mid_stream(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device,
                                           const unsigned char *message)
{
    const size_t first = 2 * 1024 * 1024 + 5, second = 1536 * 1024; /* each more than the 1 MiB chunk */
    EVP_PKEY *pkey = test_generate_ec_key(libctx, "diverging", NULL, 0);
    EVP_MD_CTX *original = EVP_MD_CTX_new();
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    CHECK(original != NULL && copy != NULL);
    CHECK(EVP_DigestSignInit_ex(original, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    CHECK(EVP_DigestSignUpdate(original, message, first) == 1);
    CHECK(EVP_MD_CTX_copy_ex(copy, original) == 1);
    CHECK(EVP_DigestSignUpdate(original, message + first, second) == 1);
    CHECK(EVP_DigestSignUpdate(copy, "ten bytes!", 10) == 1);
    unsigned char sig[256];
    size_t sig_len = sizeof(sig);
    CHECK(EVP_DigestSignFinal(copy, sig, &sig_len) != 1);
    check_refusal("INVALID_OPERATION_HANDLE", "was copied in the middle of a long message");
    printf("ok - a copy whose message diverged mid-stream refuses to sign a mix of the two\n");

    sig_len = sizeof(sig);
    CHECK(EVP_DigestSignFinal(original, sig, &sig_len) == 1);
    EVP_PKEY *public_key = test_device_public_key(device, default_only, "diverging");
    CHECK(test_verify(default_only, public_key, message, first + second, sig, sig_len));
    printf("ok - the original signs its own whole message, which the public key verifies\n");
    EVP_PKEY_free(public_key);
    EVP_MD_CTX_free(copy);
    EVP_MD_CTX_free(original);
    EVP_PKEY_free(pkey);
}

/* The same when the operation began before any streaming (the caller asked the context for its challenge,
 * which begins it) and was copied then: the copy has sent nothing, the original streams, and the copy's final
 * must not sign the original's data with its own. */
static void copies_of_a_begun_operation_that_diverge(OSSL_LIB_CTX *libctx, const unsigned char *message)
{
    EVP_PKEY *pkey = test_generate_ec_key(libctx, "begun", NULL, 0);
    EVP_MD_CTX *original = EVP_MD_CTX_new();
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    CHECK(original != NULL && copy != NULL);
    CHECK(EVP_DigestSignInit_ex(original, &pctx, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    uint64_t challenge = 0;
    OSSL_PARAM query[] = {OSSL_PARAM_uint64(KSSIM_PROVIDER_PARAM_CHALLENGE, &challenge), OSSL_PARAM_END};
    CHECK(EVP_PKEY_CTX_get_params(pctx, query) == 1);
    CHECK(EVP_MD_CTX_copy_ex(copy, original) == 1);
    CHECK(EVP_DigestSignUpdate(original, message, 2 * 1024 * 1024) == 1);
    CHECK(EVP_DigestSignUpdate(copy, "ten bytes!", 10) == 1);
    unsigned char sig[256];
    size_t sig_len = sizeof(sig);
    CHECK(EVP_DigestSignFinal(copy, sig, &sig_len) != 1);
    check_refusal("INVALID_OPERATION_HANDLE", "was copied in the middle of a long message");
    printf("ok - a copy of a begun operation refuses once the original has streamed into it\n");
    EVP_MD_CTX_free(copy);
    EVP_MD_CTX_free(original);
    EVP_PKEY_free(pkey);
}

static void per_operation_keys_keep_a_bounded_message(OSSL_LIB_CTX *libctx, const unsigned char *message)
{
    EVP_PKEY *pkey = test_generate_ec_key(libctx, "perop", "biometric_strong", 0);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    CHECK(EVP_DigestSignUpdate(mctx, message, KSSIM_OPERATION_INPUT_MAX) == 1);
    CHECK(EVP_DigestSignUpdate(mctx, message, 1) != 1);
    check_refusal("INVALID_ARGUMENT", "at most 16777216 bytes");
    printf("ok - a per-operation key's message is kept up to 16 MiB, then refused\n");
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(pkey);
}

int main(int argc, char **argv)
{
    const char *location = test_device_directory();
    OSSL_LIB_CTX *libctx = test_library_context(argc > 1 ? argv[1] : NULL);
    OSSL_LIB_CTX *default_only = test_default_only_context();
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);
    ON_DEVICE(device, kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"));
    ON_DEVICE(device, kssim_enroll_biometric(device, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG));
    unsigned char *message = large_message();

    digest_sign_streams(libctx, default_only, device, message);
    copies_that_diverge_mid_stream(libctx, default_only, device, message);
    copies_of_a_begun_operation_that_diverge(libctx, message);
    per_operation_keys_keep_a_bounded_message(libctx, message);

    free(message);
    kssim_device_free(device);
    test_library_context_free(default_only);
    test_library_context_free(libctx);
    printf("1..8\n");
    return 0;
}
