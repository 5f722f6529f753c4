/*
 * outside.c - a program written outside the project, built only from what `cmake --install` puts in a
 * prefix (the headers <kssim/kssim.h> and libkssim through `pkg-config kssim`): the done-when check of
 * issue 16 (test/shell/install_prefix.sh builds it against the shared library and the static archive).
 *
 * Usage: outside DEVICE_DIR - opens (creates) a stored device there, generates an EC signing key,
 * signs a message on the device and verifies the signature with the key's public half.
 * Exit status 0 and "signed and verified" on success; 1 with the device's sentence otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kssim/kssim.h>

static int refused(const char *what, kssim_result result, const char *sentence)
{
    fprintf(stderr, "outside: %s: %s (%d): %s\n", what, kssim_result_name(result), (int)result,
            sentence != NULL ? sentence : "");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: outside DEVICE_DIR\n");
        return 2;
    }
    kssim_open_options options;
    kssim_open_options_default(&options);
    kssim_device *device = NULL;
    kssim_result result = kssim_device_open(argv[1], &options, &device);
    if (result != KSSIM_OK)
        return refused("open the device", result, kssim_open_error());

    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "outside");
    const uint8_t message[] = "a message signed from outside the project";
    uint8_t *signature = NULL;
    size_t signature_length = 0;
    kssim_operation operation;
    kssim_op_params params = {0};
    int status = 0;
    if ((result = kssim_device_begin(device)) != KSSIM_OK)
        status = refused("begin a transaction", result, kssim_device_message(device));
    else if ((result = kssim_generate_key(device, &spec)) != KSSIM_OK)
        status = refused("generate the key", result, kssim_device_message(device));
    else if ((result = kssim_begin(device, "outside", KSSIM_PURPOSE_SIGN, &params, &operation)) != KSSIM_OK)
        status = refused("begin signing", result, kssim_device_message(device));
    else if ((result = kssim_finish(device, operation.handle, message, sizeof(message), NULL, 0, &signature,
                                    &signature_length)) != KSSIM_OK)
        status = refused("sign", result, kssim_device_message(device));
    else if ((result = kssim_verify(device, "outside", &params, message, sizeof(message), signature,
                                    signature_length)) != KSSIM_OK)
        status = refused("verify", result, kssim_device_message(device));
    else if ((result = kssim_device_commit(device)) != KSSIM_OK)
        status = refused("commit", result, kssim_device_message(device));
    if (status == 0)
        printf("signed and verified: %zu-byte signature from key %s on kssim device %s\n", signature_length, spec.alias,
               kssim_device_location_of(device));
    kssim_free(signature);
    kssim_device_free(device);
    return status;
}
