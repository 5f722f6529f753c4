/*
 * app_view.h - what an app developer sees for each result: the Java exception (or callback, or return
 * value) and the API call that produces it, per Android release.
 *
 * The simulator speaks KeyMint error codes and keystore2 response codes; an app sees
 * UserNotAuthenticatedException from Signature.initSign or IllegalBlockSizeException from Cipher.doFinal.
 * This is the one table between the two, taken from the framework's AndroidKeyStore*Spi classes and
 * KeyStoreCryptoOperationUtils (Android 12+) / android.security.KeyStore (Android 11 and before).
 */
#ifndef SIM_FRAMEWORK_APP_VIEW_H
#define SIM_FRAMEWORK_APP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <kssim/kssim.h>

/* Which kind of API call the app makes; a scenario step or a kssim command maps to one. */
typedef enum app_view_stage {
    APP_VIEW_NO_APP_CALL,      /* clocks, reboots, settings, attacks, snapshots: nothing an app calls */
    APP_VIEW_KEY_GENERATION,   /* KeyGenerator.generateKey / KeyPairGenerator.generateKeyPair */
    APP_VIEW_KEY_IMPORT,       /* KeyStore.setEntry */
    APP_VIEW_KEY_DELETE,       /* KeyStore.deleteEntry */
    APP_VIEW_OPERATION_INIT,   /* Signature.initSign / initVerify, Cipher.init, Mac.init */
    APP_VIEW_OPERATION_UPDATE, /* Signature.update, Cipher.update, Mac.update */
    APP_VIEW_OPERATION_FINISH, /* Signature.sign, Cipher.doFinal, Mac.doFinal */
    APP_VIEW_OPERATION_ABORT,  /* the object is reset or dropped: never throws */
    APP_VIEW_SIGNATURE_VERIFY, /* Signature.verify with a public key, done in software */
    APP_VIEW_LOCK_SCREEN,      /* the user at the lock screen (LockPatternUtils / KeyguardManager) */
    APP_VIEW_BIOMETRIC_PROMPT, /* BiometricPrompt.authenticate and its AuthenticationCallback */
    APP_VIEW_STAGE_COUNT
} app_view_stage;

typedef struct app_view_request {
    app_view_stage stage;
    kssim_result result;
    int api_level;
    uint32_t purpose;          /* one KSSIM_PURPOSE_* bit for operations; 0 when not known */
    kssim_algorithm algorithm; /* the key's; 0 when not known (taken as asymmetric) */
} app_view_request;

typedef struct app_view {
    /* The fully qualified exception class ("android.security.keystore.UserNotAuthenticatedException"),
     * or NULL when the app sees no exception (success, a callback, a return value, no app call). */
    const char *exception;
    /* The exception's simple name ("UserNotAuthenticatedException"), or what the app sees instead:
     * "onAuthenticationError(BIOMETRIC_ERROR_LOCKOUT=7)", "returns false". NULL when there is nothing to show. */
    const char *shown;
    /* The call that throws it or reports it ("Cipher.init"); NULL for no app call. */
    const char *call;
    /* The exception's cause as the app can read it: android.security.KeyStoreException with
     * getNumericErrorCode() where that is public API (V-APP-KEYSTORE-EXCEPTION-PUBLIC). */
    bool has_numeric_code;
    int numeric_code;
    /* The framework file and method the row follows. */
    const char *source;
} app_view;

/* The app's view of one result. Always fills out (every stage has a row for every result, the default
 * row of its framework method where no specific one applies); out->shown is NULL for success and for
 * stages that are no app call. */
void app_view_of(const app_view_request *request, app_view *out);

/* The app's view of `call` answered with result on device, at the device's current API level (stored
 * in *api_level). False when the device's status cannot be read or the app sees nothing for it. */
bool app_view_of_call_on_device(kssim_device *device, const app_view_request *call, kssim_result result, app_view *out,
                                int *api_level);

/* The simple name of a fully qualified class ("java.security.InvalidKeyException" -> "InvalidKeyException"). */
const char *app_view_simple_name(const char *qualified);

/* Every exception class the table can produce, fully qualified, NULL-terminated: the names a scenario's
 * `expect:` accepts (simple or qualified). */
const char *const *app_view_exception_names(void);
/* The qualified name for a simple or qualified spelling; NULL when the table never produces it. */
const char *app_view_find_exception(const char *name);

/* "generate_key" etc. are the runner's; this is the stage's own name for docs and JSON. */
const char *app_view_stage_name(app_view_stage stage);

#endif
