/*
 * two_contexts.c - errors raised through each provider instance's own core handle (issue 13): two
 * library contexts each load the keystore provider, so OpenSSL makes two provider instances with two
 * error library codes. An error raised by the first instance must carry the first's library code (and
 * so read back as "keystore" with its reason string) after the second instance loaded, and after the
 * second was unloaded: a process-wide handle would name the second instance, then a freed one.
 *
 * Usage: two_contexts [BUILD_DIR]  (the directory holding keystore.so; OPENSSL_MODULES otherwise)
 */
#include "provider_test.h"

/* A key generation on a curve the device has no key for: the provider refuses the parameter itself,
 * so the error comes from the provider instance of libctx. Returns the error's library code. */
static int library_of_refused_curve(OSSL_LIB_CTX *libctx)
{
    ERR_clear_error();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(libctx, "EC", "provider=keystore");
    CHECK(ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"brainpoolP256r1", 0),
        OSSL_PARAM_construct_end(),
    };
    CHECK(EVP_PKEY_CTX_set_params(ctx, params) == 0);
    EVP_PKEY_CTX_free(ctx);
    unsigned long error = ERR_peek_last_error();
    const char *reason = ERR_reason_error_string(error);
    const char *library = ERR_lib_error_string(error);
    if (reason == NULL || strcmp(reason, "UNSUPPORTED_PARAMETER") != 0 || library == NULL ||
        strcmp(library, "keystore") != 0) {
        fprintf(stderr, "the refusal does not read as keystore's UNSUPPORTED_PARAMETER (library %s, reason %s):\n",
                library != NULL ? library : "(none)", reason != NULL ? reason : "(none)");
        ERR_print_errors_fp(stderr);
        CHECK(0);
    }
    ERR_clear_error();
    return ERR_GET_LIB(error);
}

int main(int argc, char **argv)
{
    const char *build_directory = argc > 1 ? argv[1] : NULL;
    test_device_directory();

    OSSL_LIB_CTX *first = test_library_context(build_directory);
    int first_library = library_of_refused_curve(first);

    OSSL_LIB_CTX *second = test_library_context(build_directory);
    int second_library = library_of_refused_curve(second);
    if (second_library == first_library) {
        fprintf(stderr, "both provider instances raise under library %d: the test cannot tell them apart\n",
                first_library);
        CHECK(0);
    }

    int first_after_second_loaded = library_of_refused_curve(first);
    if (first_after_second_loaded != first_library) {
        fprintf(stderr, "the first instance's error carries library %d, not its own %d (the second's is %d)\n",
                first_after_second_loaded, first_library, second_library);
        CHECK(0);
    }

    test_library_context_free(second);
    int first_after_second_unloaded = library_of_refused_curve(first);
    if (first_after_second_unloaded != first_library) {
        fprintf(stderr, "after the second instance was unloaded the first's error carries library %d, not %d\n",
                first_after_second_unloaded, first_library);
        CHECK(0);
    }

    test_library_context_free(first);
    printf("errors raised through each instance's own handle: libraries %d and %d\n", first_library, second_library);
    return 0;
}
