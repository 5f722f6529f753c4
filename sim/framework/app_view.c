/*
 * app_view.c - the one table from a result to what the app sees: the Java exception class (or the
 * callback or return value) and the API call that produces it, per Android release.
 *
 * Each row cites the framework method it follows (frameworks/base keystore/java/android/security/...).
 * Where releases differ the row asks sim_android_has(); the release rows are V-APP-* in
 * sim/core/android_versions.c. The simulator already folds Android 11's SID check of
 * KeyStore.getInvalidKeyException into its result (KEY_PERMANENTLY_INVALIDATED on levels <= 30, see
 * V-TIMEOUT-KEY-DEAD-AS-NOT-AUTHENTICATED), so this table maps by result code on every release.
 */
#include "framework/app_view.h"

#include <stddef.h>
#include <string.h>

#include "core/android_versions.h"

#define USER_NOT_AUTHENTICATED      "android.security.keystore.UserNotAuthenticatedException"
#define KEY_PERMANENTLY_INVALIDATED "android.security.keystore.KeyPermanentlyInvalidatedException"
#define KEY_EXPIRED                 "android.security.keystore.KeyExpiredException"
#define KEY_NOT_YET_VALID           "android.security.keystore.KeyNotYetValidException"
#define STRONGBOX_UNAVAILABLE       "android.security.keystore.StrongBoxUnavailableException"
#define INVALID_KEY                 "java.security.InvalidKeyException"
#define INVALID_ALGORITHM_PARAMETER "java.security.InvalidAlgorithmParameterException"
#define PROVIDER                    "java.security.ProviderException"
#define SIGNATURE                   "java.security.SignatureException"
#define JAVA_KEYSTORE               "java.security.KeyStoreException"
#define ILLEGAL_BLOCK_SIZE          "javax.crypto.IllegalBlockSizeException"
#define BAD_PADDING                 "javax.crypto.BadPaddingException"
#define AEAD_BAD_TAG                "javax.crypto.AEADBadTagException"

static const char *const exception_names[] = {
    USER_NOT_AUTHENTICATED,
    KEY_PERMANENTLY_INVALIDATED,
    KEY_EXPIRED,
    KEY_NOT_YET_VALID,
    STRONGBOX_UNAVAILABLE,
    INVALID_KEY,
    INVALID_ALGORITHM_PARAMETER,
    PROVIDER,
    SIGNATURE,
    JAVA_KEYSTORE,
    ILLEGAL_BLOCK_SIZE,
    BAD_PADDING,
    AEAD_BAD_TAG,
    NULL,
};

const char *const *app_view_exception_names(void)
{
    return exception_names;
}

const char *app_view_simple_name(const char *qualified)
{
    if (qualified == NULL)
        return NULL;
    const char *dot = strrchr(qualified, '.');
    return dot != NULL ? dot + 1 : qualified;
}

const char *app_view_find_exception(const char *name)
{
    for (size_t i = 0; exception_names[i] != NULL; i++)
        if (strcmp(name, exception_names[i]) == 0 || strcmp(name, app_view_simple_name(exception_names[i])) == 0)
            return exception_names[i];
    return NULL;
}

const char *app_view_stage_name(app_view_stage stage)
{
    static const char *const names[APP_VIEW_STAGE_COUNT] = {
        [APP_VIEW_NO_APP_CALL] = "no_app_call",
        [APP_VIEW_KEY_GENERATION] = "key_generation",
        [APP_VIEW_KEY_IMPORT] = "key_import",
        [APP_VIEW_KEY_DELETE] = "key_delete",
        [APP_VIEW_OPERATION_INIT] = "operation_init",
        [APP_VIEW_OPERATION_UPDATE] = "operation_update",
        [APP_VIEW_OPERATION_FINISH] = "operation_finish",
        [APP_VIEW_OPERATION_ABORT] = "operation_abort",
        [APP_VIEW_SIGNATURE_VERIFY] = "signature_verify",
        [APP_VIEW_LOCK_SCREEN] = "lock_screen",
        [APP_VIEW_BIOMETRIC_PROMPT] = "biometric_prompt",
    };
    return (unsigned)stage < APP_VIEW_STAGE_COUNT ? names[stage] : NULL;
}

static bool is_symmetric(kssim_algorithm algorithm)
{
    return algorithm == KSSIM_ALGORITHM_AES || algorithm == KSSIM_ALGORITHM_HMAC;
}

/* The JCA object an operation runs in: Mac for HMAC keys, Cipher for encryption, KeyAgreement for ECDH,
 * Signature otherwise. */
typedef enum jca_object { JCA_SIGNATURE, JCA_CIPHER, JCA_MAC, JCA_KEY_AGREEMENT } jca_object;

static jca_object object_of(const app_view_request *request)
{
    if (request->algorithm == KSSIM_ALGORITHM_HMAC)
        return JCA_MAC;
    if (request->purpose & (KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT))
        return JCA_CIPHER;
    if (request->algorithm == KSSIM_ALGORITHM_AES)
        return JCA_CIPHER;
    if (request->purpose & KSSIM_PURPOSE_AGREE_KEY)
        return JCA_KEY_AGREEMENT;
    return JCA_SIGNATURE;
}

static void throws(app_view *out, const char *exception, const char *call, const char *source)
{
    out->exception = exception;
    out->shown = app_view_simple_name(exception);
    out->call = call;
    out->source = source;
}

static void reports(app_view *out, const char *shown, const char *call, const char *source)
{
    out->exception = NULL;
    out->shown = shown;
    out->call = call;
    out->source = source;
}

/* R-APP-KEYSTORE-EXCEPTION-CODE: the cause of a wrapping exception is an android.security.KeyStoreException whose
 * numeric code the app can read from API 33, frameworks/base keystore/java/android/security/KeyStoreException.java
 * getNumericErrorCode (before, the class is hidden and only its message is readable). */
static void with_keystore_cause(app_view *out, const app_view_request *request)
{
    if (sim_android_has(request->api_level, SIM_ANDROID_APP_KEYSTORE_EXCEPTION_PUBLIC)) {
        out->has_numeric_code = true;
        out->numeric_code = (int)request->result;
    }
}

/* R-APP-INVALID-KEY-EXCEPTION: an operation refused at init becomes the exception
 * KeyStoreCryptoOperationUtils.getInvalidKeyException (Android 12+) / KeyStore.getInvalidKeyException
 * (Android 11 and before) picks from the code; Cipher.init first asks getExceptionForCipherInit, whose own
 * cases (INVALID_NONCE, CALLER_NONCE_PROHIBITED) the simulator never produces. */
static void operation_init(const app_view_request *request, app_view *out)
{
    static const char *const source = "frameworks/base keystore/java/android/security/keystore2/"
                                      "KeyStoreCryptoOperationUtils.java getInvalidKeyException, "
                                      "getExceptionForCipherInit (Android 11: android/security/KeyStore.java "
                                      "getInvalidKeyException)";
    jca_object object = object_of(request);
    const char *call = object == JCA_CIPHER                       ? "Cipher.init"
                       : object == JCA_MAC                        ? "Mac.init"
                       : object == JCA_KEY_AGREEMENT              ? "KeyAgreement.init"
                       : request->purpose == KSSIM_PURPOSE_VERIFY ? "Signature.initVerify"
                                                                  : "Signature.initSign";
    switch (request->result) {
    case KSSIM_KEY_USER_NOT_AUTHENTICATED:
    case KSSIM_LOCKED: /* keystore2 ResponseCode LOCKED: the super key of an UNLOCKED_DEVICE_REQUIRED key */
        throws(out, USER_NOT_AUTHENTICATED, call, source);
        return;
    case KSSIM_KEY_PERMANENTLY_INVALIDATED:
        throws(out, KEY_PERMANENTLY_INVALIDATED, call, source);
        return;
    case KSSIM_KEY_EXPIRED:
        throws(out, KEY_EXPIRED, call, source);
        return;
    case KSSIM_KEY_NOT_YET_VALID:
        throws(out, KEY_NOT_YET_VALID, call, source);
        return;
    case KSSIM_KEY_NOT_FOUND:
        /* The app loads the key before it can init anything: a key that is gone comes back as null, and an
         * app that passes that null on gets InvalidKeyException from the init (libcore's chooseProvider finds
         * no provider for a null key) - the crash a developer sees when the null goes unchecked. */
        reports(out, "returns null", "KeyStore.getKey",
                "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreSpi.java engineGetKey "
                "(KEY_NOT_FOUND returns null; Android 11: android/security/keystore/AndroidKeyStoreSpi.java "
                "engineGetKey); the init with that null key then throws java.security.InvalidKeyException "
                "(libcore ojluni java/security/Signature.java, javax/crypto/Cipher.java, Mac.java chooseProvider)");
        return;
    default:
        throws(out, INVALID_KEY, call, source);
        with_keystore_cause(out, request);
        return;
    }
}

/* R-APP-UPDATE-EXCEPTION: AndroidKeyStoreSignatureSpiBase.engineUpdate wraps a refusal in
 * SignatureException; AndroidKeyStoreCipherSpiBase.engineUpdate keeps it (mCachedException) and the next
 * Cipher.doFinal throws IllegalBlockSizeException; AndroidKeyStoreHmacSpi.engineUpdate throws ProviderException. */
static void operation_update(const app_view_request *request, app_view *out)
{
    switch (object_of(request)) {
    case JCA_CIPHER:
        throws(out, ILLEGAL_BLOCK_SIZE, "Cipher.doFinal",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreCipherSpiBase.java "
               "engineUpdate (mCachedException), engineDoFinal");
        break;
    case JCA_MAC:
        throws(out, PROVIDER, "Mac.update",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreHmacSpi.java engineUpdate");
        break;
    default:
        throws(out, SIGNATURE, "Signature.update",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreSignatureSpiBase.java "
               "engineUpdate");
        break;
    }
    with_keystore_cause(out, request);
}

/* R-APP-FINISH-EXCEPTION: Signature.sign wraps a refusal in SignatureException
 * (AndroidKeyStoreSignatureSpiBase.engineSign); Cipher.doFinal throws BadPaddingException for
 * INVALID_ARGUMENT, AEADBadTagException for VERIFICATION_FAILED and IllegalBlockSizeException for anything
 * else, a per-operation key without authentication included (AndroidKeyStoreCipherSpiBase.engineDoFinal);
 * Mac.doFinal throws ProviderException (AndroidKeyStoreHmacSpi.engineDoFinal). */
static void operation_finish(const app_view_request *request, app_view *out)
{
    static const char *const cipher_source =
        "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreCipherSpiBase.java engineDoFinal";
    switch (object_of(request)) {
    case JCA_CIPHER:
        if (request->result == KSSIM_INVALID_ARGUMENT)
            throws(out, BAD_PADDING, "Cipher.doFinal", cipher_source);
        else if (request->result == KSSIM_VERIFICATION_FAILED)
            throws(out, AEAD_BAD_TAG, "Cipher.doFinal", cipher_source);
        else
            throws(out, ILLEGAL_BLOCK_SIZE, "Cipher.doFinal", cipher_source);
        break;
    case JCA_MAC:
        throws(out, PROVIDER, "Mac.doFinal",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreHmacSpi.java engineDoFinal");
        break;
    default:
        throws(out, SIGNATURE, request->purpose == KSSIM_PURPOSE_VERIFY ? "Signature.verify" : "Signature.sign",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreSignatureSpiBase.java "
               "engineSign");
        break;
    }
    with_keystore_cause(out, request);
}

/* R-APP-GENERATION-EXCEPTION: a user-authentication key asked for without a secure lock screen (or, per
 * operation, without an enrolled biometric) fails in KeyPairGenerator.initialize / KeyGenerator.init, where
 * addUserAuthArgs' IllegalStateException is wrapped in InvalidAlgorithmParameterException
 * (AndroidKeyStoreKeyPairGeneratorSpi.initialize, AndroidKeyStoreKeyGeneratorSpi.engineInit);
 * an EC or RSA size the framework does not support fails there too (checkValidKeySize);
 * HARDWARE_TYPE_UNAVAILABLE becomes StrongBoxUnavailableException and anything else ProviderException
 * (generateKeyPair / engineGenerateKey). */
static void key_generation(const app_view_request *request, app_view *out)
{
    bool symmetric = is_symmetric(request->algorithm);
    if (request->result == KSSIM_UNSUPPORTED_KEY_SIZE && !symmetric) {
        /* The framework checks EC and RSA sizes itself before keystore sees them. */
        throws(out, INVALID_ALGORITHM_PARAMETER, "KeyPairGenerator.initialize",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreKeyPairGeneratorSpi.java "
               "initialize (checkValidKeySize: \"Unsupported EC key size\", \"RSA key size must be >= 512\")");
        return;
    }
    switch (request->result) {
    case KSSIM_NO_SECURE_LOCK_SCREEN:
    case KSSIM_NO_BIOMETRIC_ENROLLED:
        throws(out, INVALID_ALGORITHM_PARAMETER, symmetric ? "KeyGenerator.init" : "KeyPairGenerator.initialize",
               symmetric
                   ? "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreKeyGeneratorSpi.java "
                     "engineInit (KeyStore2ParameterUtils.addUserAuthArgs throws IllegalStateException)"
                   : "frameworks/base keystore/java/android/security/keystore2/"
                     "AndroidKeyStoreKeyPairGeneratorSpi.java initialize (KeyStore2ParameterUtils.addUserAuthArgs "
                     "throws IllegalStateException; Android 11: KeymasterUtils.addUserAuthArgs)");
        return;
    case KSSIM_HARDWARE_TYPE_UNAVAILABLE:
        throws(out, STRONGBOX_UNAVAILABLE, symmetric ? "KeyGenerator.generateKey" : "KeyPairGenerator.generateKeyPair",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreKeyPairGeneratorSpi.java "
               "generateKeyPair, AndroidKeyStoreKeyGeneratorSpi.java engineGenerateKey "
               "(KM_ERROR_HARDWARE_TYPE_UNAVAILABLE)");
        return;
    default:
        throws(out, PROVIDER, symmetric ? "KeyGenerator.generateKey" : "KeyPairGenerator.generateKeyPair",
               "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreKeyPairGeneratorSpi.java "
               "generateKeyPair, AndroidKeyStoreKeyGeneratorSpi.java engineGenerateKey");
        with_keystore_cause(out, request);
        return;
    }
}

/* R-APP-BIOMETRIC-CALLBACK: the prompt's outcome reaches the app as an AuthenticationCallback call:
 * onAuthenticationFailed for a rejected finger (the prompt stays up), onAuthenticationError with a
 * BiometricPrompt.BIOMETRIC_ERROR_* code (BiometricConstants) otherwise; before Android 9 the app used
 * FingerprintManager, whose FINGERPRINT_ERROR_* codes have the same values. The codes for a prompt that
 * cannot start are BiometricService's pre-authentication status (services/core/java/com/android/server/
 * biometrics/PreAuthInfo.java getPreAuthenticateStatus, Utils.java authenticatorStatusToBiometricConstant):
 * no enrolled template BIOMETRIC_ERROR_NO_BIOMETRICS (11), no credential for a credential prompt
 * BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL (14), a locked-out sensor LOCKOUT (7) / LOCKOUT_PERMANENT (9). */
static void biometric_prompt(const app_view_request *request, app_view *out)
{
    bool prompt = sim_android_has(request->api_level, SIM_ANDROID_APP_BIOMETRIC_PROMPT);
    const char *callback =
        prompt ? "BiometricPrompt.AuthenticationCallback" : "FingerprintManager.AuthenticationCallback";
    const char *source = prompt ? "frameworks/base core/java/android/hardware/biometrics/BiometricPrompt.java "
                                  "AuthenticationCallback, BiometricConstants.java; services/core/java/com/android/"
                                  "server/biometrics/PreAuthInfo.java getPreAuthenticateStatus, Utils.java "
                                  "authenticatorStatusToBiometricConstant"
                                : "frameworks/base core/java/android/hardware/fingerprint/FingerprintManager.java "
                                  "AuthenticationCallback (FINGERPRINT_ERROR_*)";
    switch (request->result) {
    case KSSIM_NO_MATCH:
        reports(out, "onAuthenticationFailed()", callback, source);
        return;
    case KSSIM_LOCKOUT:
        reports(out,
                prompt ? "onAuthenticationError(BIOMETRIC_ERROR_LOCKOUT=7)"
                       : "onAuthenticationError(FINGERPRINT_ERROR_LOCKOUT=7)",
                callback, source);
        return;
    case KSSIM_LOCKOUT_PERMANENT:
        reports(out,
                prompt ? "onAuthenticationError(BIOMETRIC_ERROR_LOCKOUT_PERMANENT=9)"
                       : "onAuthenticationError(FINGERPRINT_ERROR_LOCKOUT_PERMANENT=9)",
                callback, source);
        return;
    case KSSIM_NO_BIOMETRIC_ENROLLED:
        reports(out,
                prompt ? "onAuthenticationError(BIOMETRIC_ERROR_NO_BIOMETRICS=11)"
                       : "onAuthenticationError(FINGERPRINT_ERROR_NO_FINGERPRINTS=11)",
                callback, source);
        return;
    case KSSIM_NO_CREDENTIAL:
    case KSSIM_NO_SECURE_LOCK_SCREEN:
        /* A prompt that asks for the device credential when none is set: PreAuthInfo.getInternalStatus gives
         * CREDENTIAL_NOT_ENROLLED, which Utils.authenticatorStatusToBiometricConstant turns into
         * BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL. The device credential fallback is BiometricPrompt's;
         * FingerprintManager has no code for it. */
        reports(out,
                prompt ? "onAuthenticationError(BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL=14)" : "onAuthenticationError",
                callback, source);
        return;
    case KSSIM_WRONG_CREDENTIAL:
    case KSSIM_RETRY_TIMEOUT:
        /* A wrong PIN in the prompt's credential view is handled there (it asks again, or waits out the
         * Gatekeeper timeout); the app hears nothing until the user succeeds or cancels. */
        reports(
            out, "no callback (the prompt asks again)", callback,
            prompt
                ? "frameworks/base core/java/android/hardware/biometrics/BiometricPrompt.java AuthenticationCallback "
                  "(no callback is defined for a wrong device credential: the system's credential view asks again)"
                : source);
        return;
    default:
        /* Any other refusal is not a prompt outcome Android names (no BIOMETRIC_ERROR_* code is modelled
         * for it): the app sees an error callback, and the code is not claimed. */
        reports(out, "onAuthenticationError", callback, source);
        return;
    }
}

/* R-APP-LOCK-SCREEN-RESULT: the lock screen is the system's UI: the app calls nothing and sees no
 * exception; LockPatternUtils.verifyCredential answers with a VerifyCredentialResponse. */
static void lock_screen(const app_view_request *request, app_view *out)
{
    static const char *const source = "frameworks/base core/java/com/android/internal/widget/LockPatternUtils.java "
                                      "verifyCredential, VerifyCredentialResponse.java";
    switch (request->result) {
    case KSSIM_RETRY_TIMEOUT:
        reports(out, "RESPONSE_RETRY (timeout)", "LockPatternUtils.verifyCredential", source);
        return;
    case KSSIM_NO_CREDENTIAL:
    case KSSIM_NO_SECURE_LOCK_SCREEN:
        reports(out, "returns false", "KeyguardManager.isDeviceSecure",
                "frameworks/base core/java/android/app/KeyguardManager.java isDeviceSecure");
        return;
    default:
        reports(out, "RESPONSE_ERROR", "LockPatternUtils.verifyCredential", source);
        return;
    }
}

/* R-APP-IMPORT-EXCEPTION: AndroidKeyStoreSpi.setPrivateKeyEntry / setSecretKeyEntry wrap every refusal,
 * addUserAuthArgs' IllegalStateException included, in java.security.KeyStoreException from KeyStore.setEntry. */
static void key_import(const app_view_request *request, app_view *out)
{
    throws(out, JAVA_KEYSTORE, "KeyStore.setEntry",
           "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreSpi.java setPrivateKeyEntry, "
           "setSecretKeyEntry");
    with_keystore_cause(out, request);
}

static void key_delete(const app_view_request *request, app_view *out)
{
    if (request->result == KSSIM_KEY_NOT_FOUND) {
        /* deleteEntry of an alias that is gone succeeds silently. */
        out->source = "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreSpi.java "
                      "engineDeleteEntry (KEY_NOT_FOUND is ignored)";
        return;
    }
    throws(out, JAVA_KEYSTORE, "KeyStore.deleteEntry",
           "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreSpi.java engineDeleteEntry");
    with_keystore_cause(out, request);
}

/* R-APP-VERIFY-FALSE: a public-key signature that does not verify makes Signature.verify return false, no
 * exception: the framework verifies public-key signatures in software through the platform provider
 * (AndroidKeyStoreProvider hands public keys out as ordinary JCA keys); other refusals are initVerify's. */
static void signature_verify(const app_view_request *request, app_view *out)
{
    if (request->result == KSSIM_VERIFICATION_FAILED && request->algorithm == KSSIM_ALGORITHM_HMAC) {
        /* Mac has no verify: AndroidKeyStoreHmacSpi.engineDoFinal always generates a MAC, and the app compares
         * it with the one it received; the comparison is what says false. */
        reports(out, "returns false", "MessageDigest.isEqual",
                "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreHmacSpi.java engineDoFinal "
                "(no signature provided: it generates one); the app compares the two MACs itself");
        return;
    }
    if (request->result == KSSIM_VERIFICATION_FAILED) {
        reports(out, "returns false", "Signature.verify",
                "frameworks/base keystore/java/android/security/keystore2/AndroidKeyStoreProvider.java (public-key "
                "operations go to the platform provider); java.security.Signature.verify");
        return;
    }
    app_view_request init = *request;
    init.purpose = KSSIM_PURPOSE_VERIFY;
    operation_init(&init, out);
}

void app_view_of(const app_view_request *request, app_view *out)
{
    memset(out, 0, sizeof(*out));
    out->source = "no app call";
    if (request->stage == APP_VIEW_NO_APP_CALL || request->stage == APP_VIEW_OPERATION_ABORT)
        return;
    if (request->result == KSSIM_OK || request->result == KSSIM_DEVICE_UNAVAILABLE ||
        request->result == KSSIM_DEVICE_DAMAGED) {
        /* Success shows nothing; the device store's results are the simulator's own files, not Android's. */
        out->source = request->result == KSSIM_OK ? "success" : "no app call (the simulator's device store)";
        return;
    }
    switch (request->stage) {
    case APP_VIEW_KEY_GENERATION:
        key_generation(request, out);
        return;
    case APP_VIEW_KEY_IMPORT:
        key_import(request, out);
        return;
    case APP_VIEW_KEY_DELETE:
        key_delete(request, out);
        return;
    case APP_VIEW_OPERATION_INIT:
        operation_init(request, out);
        return;
    case APP_VIEW_OPERATION_UPDATE:
        operation_update(request, out);
        return;
    case APP_VIEW_OPERATION_FINISH:
        operation_finish(request, out);
        return;
    case APP_VIEW_SIGNATURE_VERIFY:
        signature_verify(request, out);
        return;
    case APP_VIEW_LOCK_SCREEN:
        lock_screen(request, out);
        return;
    case APP_VIEW_BIOMETRIC_PROMPT:
        biometric_prompt(request, out);
        return;
    default:
        return;
    }
}

bool app_view_of_call_on_device(kssim_device *device, const app_view_request *call, kssim_result result, app_view *out,
                                int *api_level)
{
    kssim_status status;
    if (kssim_status_get(device, &status) != KSSIM_OK)
        return false;
    app_view_request request = *call;
    request.result = result;
    request.api_level = status.api_level;
    app_view_of(&request, out);
    *api_level = status.api_level;
    return out->shown != NULL;
}
