/*
 * replaced_key.c - a key object loaded before its alias was generated again (issue 18, item 3): a TLS
 * server holds an EVP_PKEY from `keystore:login`, someone runs `kssim generate-key login`, and every
 * signature after that must be refused with KEY_NOT_FOUND and a sentence saying to load the key again,
 * never made with the new private key, which its public half in the EVP_PKEY does not verify. Android's
 * key objects name their key by its database id (Domain::KEY_ID) and fail the same way.
 *
 * Covered: digest-sign and plain sign (pkeyutl) with keys loaded from `keystore:ALIAS` and from a key
 * reference PEM, RSA decryption, ECDH derivation, and a key loaded again after the replacement, which
 * signs. The replacement is made through a device handle of the test's own, as another process would.
 *
 * Usage: replaced_key [BUILD_DIR]  (the directory holding keystore.so; OPENSSL_MODULES otherwise)
 */
#include <openssl/pem.h>
#include <openssl/store.h>

#include "provider_test.h"

static const unsigned char message[] = "the server's handshake transcript";

/* The key reference genpkey would write, read back as PEM_read_bio_PrivateKey reads `-key login.pem`. */
static EVP_PKEY *load_through_reference(OSSL_LIB_CTX *libctx, EVP_PKEY *pkey)
{
    BIO *pem = BIO_new(BIO_s_mem());
    CHECK(pem != NULL && PEM_write_bio_PrivateKey(pem, pkey, NULL, NULL, 0, NULL, NULL) == 1);
    EVP_PKEY *loaded = PEM_read_bio_PrivateKey_ex(pem, NULL, NULL, NULL, libctx, NULL);
    BIO_free(pem);
    CHECK(loaded != NULL);
    return loaded;
}

static void generate_again(kssim_device *device, const char *alias, kssim_algorithm algorithm, uint32_t purposes)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, algorithm);
    snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    spec.purposes = purposes;
    if (algorithm == KSSIM_ALGORITHM_RSA) {
        spec.paddings = KSSIM_PADDING_OAEP | KSSIM_PADDING_PKCS1;
        spec.digests = KSSIM_DIGEST_SHA256;
    }
    ON_DEVICE(device, kssim_generate_key(device, &spec));
}

/* The newest error names KEY_NOT_FOUND and says the key was replaced. */
static void check_refused_as_replaced(const char *alias)
{
    CHECK(test_last_error_is("KEY_NOT_FOUND"));
    const char *data = NULL;
    ERR_peek_last_error_data(&data, NULL);
    char expected[256];
    snprintf(expected, sizeof(expected), "the key '%s' was replaced", alias);
    if (data == NULL || strstr(data, expected) == NULL || strstr(data, "again") == NULL) {
        fprintf(stderr, "the sentence does not say the key was replaced: %s\n", data != NULL ? data : "(none)");
        CHECK(0);
    }
    ERR_clear_error();
}

static int digest_sign(OSSL_LIB_CTX *libctx, EVP_PKEY *pkey, unsigned char *sig, size_t *sig_len)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    CHECK(mctx != NULL);
    CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
    int ok = EVP_DigestSign(mctx, sig, sig_len, message, sizeof(message));
    EVP_MD_CTX_free(mctx);
    return ok;
}

/* pkeyutl -sign of a precomputed digest. */
static int plain_sign(OSSL_LIB_CTX *libctx, EVP_PKEY *pkey, unsigned char *sig, size_t *sig_len)
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    CHECK(EVP_Digest(message, sizeof(message), digest, &digest_len, EVP_sha256(), NULL) == 1);
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, "?provider=keystore");
    CHECK(pctx != NULL && EVP_PKEY_sign_init(pctx) == 1 && EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) == 1);
    int ok = EVP_PKEY_sign(pctx, sig, sig_len, digest, digest_len);
    EVP_PKEY_CTX_free(pctx);
    return ok;
}

static void signing_keys(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device)
{
    EVP_PKEY *generated = test_generate_ec_key(libctx, "login", NULL, 0);
    EVP_PKEY *from_uri = test_load_key_uri(libctx, NULL, "keystore:login");
    EVP_PKEY *from_reference = load_through_reference(libctx, generated);
    unsigned char sig[256];
    size_t sig_len = sizeof(sig);
    CHECK(digest_sign(libctx, from_uri, sig, &sig_len) == 1);
    EVP_PKEY *old_public = test_device_public_key(device, default_only, "login");
    CHECK(test_verify(default_only, old_public, message, sizeof(message), sig, sig_len));

    generate_again(device, "login", KSSIM_ALGORITHM_EC, KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY);

    EVP_PKEY *keys[] = {from_uri, from_reference, generated};
    const char *names[] = {"keystore:login", "the key reference", "the generated EVP_PKEY"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        sig_len = sizeof(sig);
        CHECK(digest_sign(libctx, keys[i], sig, &sig_len) != 1);
        check_refused_as_replaced("login");
        sig_len = sizeof(sig);
        CHECK(plain_sign(libctx, keys[i], sig, &sig_len) != 1);
        check_refused_as_replaced("login");
        printf("ok - %s loaded before the alias was generated again: digest-sign and sign refused\n", names[i]);
    }

    /* Loaded again, the key object holds the new key and signs what its public half verifies. */
    EVP_PKEY *reloaded = test_load_key_uri(libctx, NULL, "keystore:login");
    sig_len = sizeof(sig);
    CHECK(digest_sign(libctx, reloaded, sig, &sig_len) == 1);
    EVP_PKEY *new_public = test_device_public_key(device, default_only, "login");
    CHECK(test_verify(default_only, new_public, message, sizeof(message), sig, sig_len));
    CHECK(!test_verify(default_only, old_public, message, sizeof(message), sig, sig_len));
    printf("ok - keystore:login loaded again signs with the new key\n");

    EVP_PKEY_free(new_public);
    EVP_PKEY_free(old_public);
    EVP_PKEY_free(reloaded);
    EVP_PKEY_free(from_reference);
    EVP_PKEY_free(from_uri);
    EVP_PKEY_free(generated);
}

static void decryption_key(OSSL_LIB_CTX *libctx, kssim_device *device)
{
    generate_again(device, "secret", KSSIM_ALGORITHM_RSA, KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT);
    EVP_PKEY *pkey = test_load_key_uri(libctx, NULL, "keystore:secret");
    /* Encrypted to the public half the key object holds, as a client encrypts to a certificate. */
    EVP_PKEY_CTX *enc = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, NULL);
    unsigned char cipher[256], plain[256];
    size_t cipher_len = sizeof(cipher), plain_len = sizeof(plain);
    CHECK(enc != NULL && EVP_PKEY_encrypt_init(enc) == 1 &&
          EVP_PKEY_CTX_set_rsa_padding(enc, RSA_PKCS1_OAEP_PADDING) == 1 &&
          EVP_PKEY_CTX_set_rsa_oaep_md_name(enc, "SHA256", NULL) == 1);
    CHECK(EVP_PKEY_encrypt(enc, cipher, &cipher_len, message, sizeof(message)) == 1);

    generate_again(device, "secret", KSSIM_ALGORITHM_RSA, KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT);

    EVP_PKEY_CTX *dec = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, "?provider=keystore");
    CHECK(dec != NULL && EVP_PKEY_decrypt_init(dec) == 1 &&
          EVP_PKEY_CTX_set_rsa_padding(dec, RSA_PKCS1_OAEP_PADDING) == 1 &&
          EVP_PKEY_CTX_set_rsa_oaep_md_name(dec, "SHA256", NULL) == 1);
    CHECK(EVP_PKEY_decrypt(dec, plain, &plain_len, cipher, cipher_len) != 1);
    check_refused_as_replaced("secret");
    EVP_PKEY_CTX_free(dec);
    EVP_PKEY_CTX_free(enc);
    EVP_PKEY_free(pkey);
    printf("ok - RSA decryption with a key object whose alias was generated again is refused\n");
}

static void agreement_key(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device)
{
    generate_again(device, "agree", KSSIM_ALGORITHM_EC, KSSIM_PURPOSE_AGREE_KEY);
    EVP_PKEY *pkey = test_load_key_uri(libctx, NULL, "keystore:agree");
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(default_only, NULL, "EC", "P-256");
    CHECK(peer != NULL);
    unsigned char *peer_der = NULL;
    int peer_der_len = i2d_PUBKEY(peer, &peer_der);
    const unsigned char *cursor = peer_der;
    EVP_PKEY *peer_public = d2i_PUBKEY_ex(NULL, &cursor, peer_der_len, default_only, NULL);
    CHECK(peer_public != NULL);
    OPENSSL_free(peer_der);

    generate_again(device, "agree", KSSIM_ALGORITHM_EC, KSSIM_PURPOSE_AGREE_KEY);

    EVP_PKEY_CTX *ours = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, "?provider=keystore");
    unsigned char secret[32];
    size_t secret_len = sizeof(secret);
    CHECK(ours != NULL && EVP_PKEY_derive_init(ours) == 1 && EVP_PKEY_derive_set_peer(ours, peer_public) == 1);
    CHECK(EVP_PKEY_derive(ours, secret, &secret_len) != 1);
    check_refused_as_replaced("agree");
    EVP_PKEY_CTX_free(ours);
    EVP_PKEY_free(peer_public);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(pkey);
    printf("ok - ECDH with a key object whose alias was generated again is refused\n");
}

/* The alias now holds a symmetric key: it has no public half to compare, and must still never sign in
 * the place of the key pair the caller loaded (an HMAC key may sign with SHA-256 too). */
static void replaced_by_a_symmetric_key(OSSL_LIB_CTX *libctx, kssim_device *device)
{
    EVP_PKEY *generated = test_generate_ec_key(libctx, "server", NULL, 0);
    EVP_PKEY *from_uri = test_load_key_uri(libctx, NULL, "keystore:server");
    ON_DEVICE(device, kssim_delete_key(device, "server"));
    generate_again(device, "server", KSSIM_ALGORITHM_HMAC, KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY);
    unsigned char sig[256];
    size_t sig_len = sizeof(sig);
    CHECK(digest_sign(libctx, from_uri, sig, &sig_len) != 1);
    check_refused_as_replaced("server");
    EVP_PKEY_free(from_uri);
    EVP_PKEY_free(generated);
    printf("ok - an EC key object whose alias now holds an HMAC key is refused, not signed with HMAC\n");
}

int main(int argc, char **argv)
{
    const char *location = test_device_directory();
    OSSL_LIB_CTX *libctx = test_library_context(argc > 1 ? argv[1] : NULL);
    OSSL_LIB_CTX *default_only = test_default_only_context();
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);

    signing_keys(libctx, default_only, device);
    decryption_key(libctx, device);
    agreement_key(libctx, default_only, device);
    replaced_by_a_symmetric_key(libctx, device);

    kssim_device_free(device);
    test_library_context_free(default_only);
    test_library_context_free(libctx);
    printf("1..7\n");
    return 0;
}
