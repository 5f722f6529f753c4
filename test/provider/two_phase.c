/*
 * two_phase.c - the two-phase flow of a per-operation key from C (include/kssim/provider.h):
 * EVP_DigestSignInit_ex with a keystore key, the context's keystore-challenge, the user authenticating
 * with that challenge through a device handle opened on the same directory, then the final call, which
 * signs; the signature verified by the default provider alone. A final before the authentication fails
 * with KEY_USER_NOT_AUTHENTICATED, says to begin a new operation, and ends the operation (keystore2
 * operation.rs KeystoreOperation::with_locked_operation): authenticating for its challenge afterwards
 * does not help, the context's next challenge is a new operation's. The same for EVP_PKEY_sign of a
 * digest, for RSA-OAEP decryption and for ECDH (EVP_PKEY_derive), and a wrong challenge that does not
 * help.
 *
 * Usage: two_phase [BUILD_DIR]  (the directory holding keystore.so; OPENSSL_MODULES otherwise)
 */
#include "provider_test.h"

static const unsigned char message[] = "sign me only when my owner is here";

static uint64_t challenge_of(EVP_PKEY_CTX *pctx)
{
    uint64_t challenge = 0;
    OSSL_PARAM query[] = {OSSL_PARAM_uint64(KSSIM_PROVIDER_PARAM_CHALLENGE, &challenge), OSSL_PARAM_END};
    CHECK(EVP_PKEY_CTX_get_params(pctx, query) == 1);
    CHECK(OSSL_PARAM_modified(&query[0]));
    return challenge;
}

/* A final refused for want of a token: KEY_USER_NOT_AUTHENTICATED, the message says the operation has
 * ended, and the context's next challenge is another operation's. Returns that new challenge. */
static uint64_t refused_and_ended(EVP_PKEY_CTX *pctx, uint64_t old_challenge)
{
    const char *data = NULL;
    ERR_peek_last_error_data(&data, NULL);
    CHECK(test_last_error_is("KEY_USER_NOT_AUTHENTICATED"));
    CHECK(data != NULL && strstr(data, "begin a new operation") != NULL);
    ERR_clear_error();
    uint64_t challenge = challenge_of(pctx);
    CHECK(challenge != old_challenge);
    return challenge;
}

static void digest_sign_in_two_phases(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device,
                                      EVP_PKEY *pkey)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    CHECK(EVP_DigestSignInit_ex(mctx, &pctx, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    uint64_t challenge = challenge_of(pctx);
    CHECK(challenge == challenge_of(pctx)); /* asking again does not begin another operation */
    CHECK(EVP_DigestSignUpdate(mctx, message, 10) == 1);
    CHECK(EVP_DigestSignUpdate(mctx, message + 10, sizeof(message) - 10) == 1);
    size_t sig_len = 0;
    CHECK(EVP_DigestSignFinal(mctx, NULL, &sig_len) == 1 && sig_len > 0);
    unsigned char *sig = OPENSSL_malloc(sig_len);
    size_t len = sig_len;

    /* A final before anyone authenticated fails and ends the operation; a fingerprint for its challenge
     * afterwards is too late. */
    CHECK(EVP_DigestSignFinal(mctx, sig, &len) != 1);
    ON_DEVICE(device, kssim_authenticate_biometric(device, 1, challenge, NULL));
    challenge = refused_and_ended(pctx, challenge);

    /* A fingerprint bound to another challenge does not help. */
    ON_DEVICE(device, kssim_authenticate_biometric(device, 1, challenge + 1, NULL));
    len = sig_len;
    CHECK(EVP_DigestSignFinal(mctx, sig, &len) != 1);
    challenge = refused_and_ended(pctx, challenge);

    /* The flow: the user authenticates with this operation's challenge, then the final signs (the
     * context kept the data). */
    ON_DEVICE(device, kssim_authenticate_biometric(device, 1, challenge, NULL));
    len = sig_len;
    CHECK(EVP_DigestSignFinal(mctx, sig, &len) == 1);
    EVP_PKEY *public_key = test_device_public_key(device, default_only, "perop");
    CHECK(test_verify(default_only, public_key, message, sizeof(message), sig, len));
    EVP_PKEY_free(public_key);
    OPENSSL_free(sig);
    EVP_MD_CTX_free(mctx);
    printf("ok - EVP_DigestSignFinal after authenticating with the challenge\n");
}

static void one_shot_digest_sign_in_two_phases(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device,
                                               EVP_PKEY *pkey)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    CHECK(EVP_DigestSignInit_ex(mctx, &pctx, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    uint64_t challenge = challenge_of(pctx);
    unsigned char sig[256];
    size_t len = sizeof(sig);
    CHECK(EVP_DigestSign(mctx, sig, &len, message, sizeof(message)) != 1);
    challenge = refused_and_ended(pctx, challenge);
    ON_DEVICE(device, kssim_authenticate_biometric(device, 1, challenge, NULL));
    len = sizeof(sig);
    CHECK(EVP_DigestSign(mctx, sig, &len, message, sizeof(message)) == 1);
    EVP_PKEY *public_key = test_device_public_key(device, default_only, "perop");
    CHECK(test_verify(default_only, public_key, message, sizeof(message), sig, len));
    EVP_PKEY_free(public_key);
    EVP_MD_CTX_free(mctx);
    printf("ok - EVP_DigestSign after authenticating with the challenge\n");
}

static void plain_sign_in_two_phases(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device,
                                     EVP_PKEY *pkey)
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    CHECK(EVP_Digest(message, sizeof(message), digest, &digest_len, EVP_sha256(), NULL) == 1);
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, "?provider=keystore");
    CHECK(pctx != NULL && EVP_PKEY_sign_init(pctx) == 1);
    CHECK(EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) == 1);
    uint64_t challenge = challenge_of(pctx);
    unsigned char sig[256];
    size_t len = sizeof(sig);
    CHECK(EVP_PKEY_sign(pctx, sig, &len, digest, digest_len) != 1);
    challenge = refused_and_ended(pctx, challenge);
    /* Through the credential this time. */
    ON_DEVICE(device, kssim_verify_credential(device, "1234", challenge, NULL));
    len = sizeof(sig);
    CHECK(EVP_PKEY_sign(pctx, sig, &len, digest, digest_len) == 1);
    EVP_PKEY *public_key = test_device_public_key(device, default_only, "perop");
    CHECK(test_verify(default_only, public_key, message, sizeof(message), sig, len));
    EVP_PKEY_free(public_key);
    EVP_PKEY_CTX_free(pctx);
    printf("ok - EVP_PKEY_sign after authenticating with the credential and the challenge\n");
}

static void decrypt_in_two_phases(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device)
{
    EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_name(libctx, "RSA", "?provider=keystore");
    unsigned int timeout = 0, bits = 2048;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, "secret", 0),
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_USER_AUTH, "biometric_strong,device_credential", 0),
        OSSL_PARAM_construct_uint(KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT, &timeout),
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_PURPOSES, "encrypt,decrypt", 0),
        OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &bits),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = NULL;
    CHECK(gen != NULL && EVP_PKEY_keygen_init(gen) == 1 && EVP_PKEY_CTX_set_params(gen, params) == 1);
    CHECK(EVP_PKEY_generate(gen, &pkey) == 1);
    EVP_PKEY_CTX_free(gen);

    /* Encrypted by the default provider alone, to the exported public key. */
    EVP_PKEY *public_key = test_device_public_key(device, default_only, "secret");
    EVP_PKEY_CTX *enc = EVP_PKEY_CTX_new_from_pkey(default_only, public_key, NULL);
    unsigned char cipher[256], plain[256];
    size_t cipher_len = sizeof(cipher), plain_len = sizeof(plain);
    CHECK(EVP_PKEY_encrypt_init(enc) == 1 && EVP_PKEY_CTX_set_rsa_padding(enc, RSA_PKCS1_OAEP_PADDING) == 1 &&
          EVP_PKEY_CTX_set_rsa_oaep_md_name(enc, "SHA256", NULL) == 1);
    CHECK(EVP_PKEY_encrypt(enc, cipher, &cipher_len, message, sizeof(message)) == 1);

    EVP_PKEY_CTX *dec = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, "?provider=keystore");
    CHECK(dec != NULL && EVP_PKEY_decrypt_init(dec) == 1 &&
          EVP_PKEY_CTX_set_rsa_padding(dec, RSA_PKCS1_OAEP_PADDING) == 1 &&
          EVP_PKEY_CTX_set_rsa_oaep_md_name(dec, "SHA256", NULL) == 1);
    uint64_t challenge = challenge_of(dec);
    CHECK(EVP_PKEY_decrypt(dec, plain, &plain_len, cipher, cipher_len) != 1);
    challenge = refused_and_ended(dec, challenge);
    ON_DEVICE(device, kssim_authenticate_biometric(device, 1, challenge, NULL));
    plain_len = sizeof(plain);
    CHECK(EVP_PKEY_decrypt(dec, plain, &plain_len, cipher, cipher_len) == 1);
    CHECK(plain_len == sizeof(message) && memcmp(plain, message, plain_len) == 0);
    EVP_PKEY_CTX_free(dec);
    EVP_PKEY_CTX_free(enc);
    EVP_PKEY_free(public_key);
    EVP_PKEY_free(pkey);
    printf("ok - RSA-OAEP decryption after authenticating with the challenge\n");
}

static void derive_in_two_phases(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device)
{
    EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_name(libctx, "EC", "?provider=keystore");
    unsigned int timeout = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, "agree", 0),
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_USER_AUTH, "biometric_strong", 0),
        OSSL_PARAM_construct_uint(KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT, &timeout),
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_PURPOSES, "agree_key", 0),
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = NULL;
    CHECK(gen != NULL && EVP_PKEY_keygen_init(gen) == 1 && EVP_PKEY_CTX_set_params(gen, params) == 1);
    CHECK(EVP_PKEY_generate(gen, &pkey) == 1);
    EVP_PKEY_CTX_free(gen);

    /* The peer's key pair, in the default provider alone, and its own view of the secret. */
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(default_only, NULL, "EC", "P-256");
    EVP_PKEY *device_public = test_device_public_key(device, default_only, "agree");
    EVP_PKEY_CTX *theirs = EVP_PKEY_CTX_new_from_pkey(default_only, peer, NULL);
    unsigned char expected[32], secret[32];
    size_t expected_len = sizeof(expected), secret_len = sizeof(secret);
    CHECK(peer != NULL && theirs != NULL && EVP_PKEY_derive_init(theirs) == 1 &&
          EVP_PKEY_derive_set_peer(theirs, device_public) == 1 &&
          EVP_PKEY_derive(theirs, expected, &expected_len) == 1);

    /* The peer as a server sends it: its public key only. (A whole software key pair is declined by the
     * keystore key manager, so that libcrypto signs with such keys in their own provider.) */
    unsigned char *peer_der = NULL;
    int peer_der_len = i2d_PUBKEY(peer, &peer_der);
    const unsigned char *cursor = peer_der;
    EVP_PKEY *peer_public = d2i_PUBKEY_ex(NULL, &cursor, peer_der_len, default_only, NULL);
    CHECK(peer_public != NULL);
    OPENSSL_free(peer_der);

    EVP_PKEY_CTX *ours = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, "?provider=keystore");
    CHECK(ours != NULL && EVP_PKEY_derive_init(ours) == 1 && EVP_PKEY_derive_set_peer(ours, peer_public) == 1);
    uint64_t challenge = challenge_of(ours);
    CHECK(EVP_PKEY_derive(ours, secret, &secret_len) != 1);
    challenge = refused_and_ended(ours, challenge);
    ON_DEVICE(device, kssim_authenticate_biometric(device, 1, challenge, NULL));
    secret_len = sizeof(secret);
    CHECK(EVP_PKEY_derive(ours, secret, &secret_len) == 1);
    CHECK(secret_len == expected_len && memcmp(secret, expected, secret_len) == 0);
    EVP_PKEY_CTX_free(ours);
    EVP_PKEY_CTX_free(theirs);
    EVP_PKEY_free(device_public);
    EVP_PKEY_free(peer_public);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(pkey);
    printf("ok - ECDH after authenticating with the challenge, the peer's own secret\n");
}

int main(int argc, char **argv)
{
    const char *location = test_device_directory();
    OSSL_LIB_CTX *libctx = test_library_context(argc > 1 ? argv[1] : NULL);
    OSSL_LIB_CTX *default_only = test_default_only_context();

    /* The phone: a PIN and a fingerprint, set up through a handle of the test's own. */
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);
    ON_DEVICE(device, kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"));
    ON_DEVICE(device, kssim_enroll_biometric(device, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG));

    /* A per-operation key: biometric or credential, auth-timeout 0. */
    EVP_PKEY *pkey = test_generate_ec_key(libctx, "perop", "biometric_strong,device_credential", 0);
    digest_sign_in_two_phases(libctx, default_only, device, pkey);
    one_shot_digest_sign_in_two_phases(libctx, default_only, device, pkey);
    plain_sign_in_two_phases(libctx, default_only, device, pkey);
    decrypt_in_two_phases(libctx, default_only, device);
    derive_in_two_phases(libctx, default_only, device);

    EVP_PKEY_free(pkey);
    kssim_device_free(device);
    test_library_context_free(default_only);
    test_library_context_free(libctx);
    printf("1..5\n");
    return 0;
}
