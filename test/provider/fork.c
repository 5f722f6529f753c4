/*
 * fork.c - fork() in the middle of a keystore operation. The parent begins a signature (its challenge
 * read, so the device operation exists), forks, and the child uses the provider on its own: the
 * parent's operation is not the child's (INVALID_OPERATION_HANDLE), yet the child signs with a new
 * operation of its own, on its own connection to the device. The parent then finishes its operation,
 * which still works, and signs again. Every signature verifies with the default provider alone.
 *
 * Usage: fork [BUILD_DIR]
 */
#include <sys/wait.h>
#include <unistd.h>

#include "provider_test.h"

static const unsigned char message[] = "begun before the fork";

static int child(OSSL_LIB_CTX *libctx, EVP_MD_CTX *inherited, EVP_PKEY *pkey, EVP_PKEY *public_key,
                 OSSL_LIB_CTX *default_only)
{
    unsigned char sig[128];
    size_t sig_len = sizeof(sig);
    /* The parent's operation lives in the parent's memory of the device. */
    CHECK(EVP_DigestSignFinal(inherited, sig, &sig_len) != 1);
    CHECK(test_last_error_is("INVALID_OPERATION_HANDLE"));
    ERR_clear_error();
    EVP_MD_CTX_free(inherited);
    /* A signature of the child's own. */
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    sig_len = sizeof(sig);
    CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    CHECK(EVP_DigestSign(mctx, sig, &sig_len, message, sizeof(message)) == 1);
    CHECK(test_verify(default_only, public_key, message, sizeof(message), sig, sig_len));
    EVP_MD_CTX_free(mctx);
    printf("ok - the child signs on its own connection; the parent's operation is not its own\n");
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    const char *location = test_device_directory();
    OSSL_LIB_CTX *libctx = test_library_context(argc > 1 ? argv[1] : NULL);
    OSSL_LIB_CTX *default_only = test_default_only_context();
    EVP_PKEY *pkey = test_generate_ec_key(libctx, "forked", NULL, 0);
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);
    EVP_PKEY *public_key = test_device_public_key(device, default_only, "forked");

    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    CHECK(EVP_DigestSignInit_ex(mctx, &pctx, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    uint64_t challenge = 0;
    OSSL_PARAM query[] = {OSSL_PARAM_uint64(KSSIM_PROVIDER_PARAM_CHALLENGE, &challenge), OSSL_PARAM_END};
    CHECK(EVP_PKEY_CTX_get_params(pctx, query) == 1); /* the operation has begun on the device */
    CHECK(EVP_DigestSignUpdate(mctx, message, sizeof(message)) == 1);

    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        exit(child(libctx, mctx, pkey, public_key, default_only));
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    unsigned char sig[128];
    size_t sig_len = sizeof(sig);
    CHECK(EVP_DigestSignFinal(mctx, sig, &sig_len) == 1);
    CHECK(test_verify(default_only, public_key, message, sizeof(message), sig, sig_len));
    printf("ok - the parent finishes the operation it began before the fork\n");

    EVP_MD_CTX *again = EVP_MD_CTX_new();
    sig_len = sizeof(sig);
    CHECK(EVP_DigestSignInit_ex(again, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    CHECK(EVP_DigestSign(again, sig, &sig_len, message, sizeof(message)) == 1);
    CHECK(test_verify(default_only, public_key, message, sizeof(message), sig, sig_len));
    printf("ok - and signs again afterwards\n");

    EVP_MD_CTX_free(again);
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(public_key);
    EVP_PKEY_free(pkey);
    kssim_device_free(device);
    test_library_context_free(default_only);
    test_library_context_free(libctx);
    printf("1..3\n");
    return 0;
}
