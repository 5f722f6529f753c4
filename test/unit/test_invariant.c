/*
 * test_invariant.c - a violated KSSIM_INVARIANT aborts with its message (sim/core/invariant.h).
 *
 * Each check runs in a forked child, so the abort it must cause ends the child, not the test: the parent
 * reads the child's stderr through a pipe and its wait status, and asserts SIGABRT and the sentence.
 * One violation is the macro itself; one comes through a real path, an RSA private-key use begun while
 * another is still under way (sim_random_begin_rsa_private_key_use, sim/core/crypto.c). The last test is
 * the bug the token cache's arrival-order invariant found: two delayed tokens whose delays differ.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/env.h"
#include "core/invariant.h"
#include "framework/device.h"

typedef void (*child_body)(void);

/* What a child did: how it ended and what it wrote to stderr. */
typedef struct child_outcome {
    int status;
    char stderr_text[2048];
} child_outcome;

static child_outcome run_in_child(child_body body)
{
    child_outcome outcome = {0};
    int pipe_ends[2];
    assert_int_equal(pipe(pipe_ends), 0);
    fflush(NULL); /* no buffered output of the parent is written twice */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(pipe_ends[0]);
        dup2(pipe_ends[1], STDERR_FILENO);
        close(pipe_ends[1]);
        body();
        _exit(0); /* the body did not abort: the parent sees exit status 0 */
    }
    close(pipe_ends[1]);
    size_t used = 0;
    ssize_t n;
    while ((n = read(pipe_ends[0], outcome.stderr_text + used, sizeof(outcome.stderr_text) - 1 - used)) > 0)
        used += (size_t)n;
    close(pipe_ends[0]);
    outcome.stderr_text[used] = '\0';
    assert_int_equal(waitpid(child, &outcome.status, 0), child);
    return outcome;
}

/* Built with -DKSSIM_INVARIANTS=OFF the checks are compiled out and nothing can abort. */
static void skip_without_invariants(void)
{
#ifdef KSSIM_NO_INVARIANTS
    skip();
#endif
}

static void assert_aborted_saying(const child_outcome *outcome, const char *meaning)
{
    if (!WIFSIGNALED(outcome->status) || WTERMSIG(outcome->status) != SIGABRT)
        fail_msg("the child was not aborted (status 0x%x); it wrote: %s", outcome->status, outcome->stderr_text);
    if (strstr(outcome->stderr_text, "invariant violated") == NULL || strstr(outcome->stderr_text, meaning) == NULL)
        fail_msg("the abort did not say \"%s\"; it wrote: %s", meaning, outcome->stderr_text);
}

static void violate_directly(void)
{
    KSSIM_INVARIANT(0, "x");
}

static volatile int holds = 1;

static void hold_directly(void)
{
    KSSIM_INVARIANT(holds == 1, "a condition that holds");
}

static void a_violated_invariant_aborts_with_its_message(void **state)
{
    (void)state;
    skip_without_invariants();
    child_outcome outcome = run_in_child(violate_directly);
    assert_aborted_saying(&outcome, "x");
    /* Where and what: the file, the function and the condition's text. */
    assert_non_null(strstr(outcome.stderr_text, "test_invariant.c"));
    assert_non_null(strstr(outcome.stderr_text, "violate_directly"));
    assert_non_null(strstr(outcome.stderr_text, "(0)"));
}

static void a_holding_invariant_says_nothing(void **state)
{
    (void)state;
    child_outcome outcome = run_in_child(hold_directly);
    assert_true(WIFEXITED(outcome.status));
    assert_int_equal(WEXITSTATUS(outcome.status), 0);
    assert_string_equal(outcome.stderr_text, "");
}

/* A caller that begins a second RSA private-key use before ending the first would have OpenSSL's
 * blinding draws of the first charged to the second: crypto.c refuses to go on. */
static void nest_rsa_private_key_uses(void)
{
    sim_crypto crypto;
    if (sim_crypto_init(&crypto, 7) != 0)
        _exit(3);
    sim_random_begin_rsa_private_key_use(&crypto, 64);
    sim_random_begin_rsa_private_key_use(&crypto, 64);
    sim_crypto_cleanup(&crypto);
}

static void begin_and_end_rsa_private_key_uses(void)
{
    sim_crypto crypto;
    if (sim_crypto_init(&crypto, 7) != 0)
        _exit(3);
    for (int i = 0; i < 2; i++) {
        sim_random_begin_rsa_private_key_use(&crypto, 64);
        sim_random_end_rsa_private_key_use(&crypto);
    }
    sim_crypto_cleanup(&crypto);
}

static void nested_rsa_private_key_uses_abort(void **state)
{
    (void)state;
    skip_without_invariants();
    child_outcome outcome = run_in_child(nest_rsa_private_key_uses);
    assert_aborted_saying(&outcome, "uses of an RSA private key do not nest");
    outcome = run_in_child(begin_and_end_rsa_private_key_uses);
    assert_true(WIFEXITED(outcome.status));
    assert_int_equal(WEXITSTATUS(outcome.status), 0);
}

/* A token held back 10 s, then one held back 1 s, both due by the time the clock has moved 20 s: the
 * second reaches keystore2 first. Delivered in the order they were issued, the cache's arrival order
 * (which "the most recently received matching token" relies on) broke and token_cache.c aborted. */
static void delayed_tokens_arrive_in_the_order_they_are_due(void)
{
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *device = NULL;
    if (kssim_device_create(&config, &device) != KSSIM_OK ||
        kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234") != KSSIM_OK ||
        kssim_enroll_biometric(device, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG) != KSSIM_OK)
        _exit(3);
    kssim_fault_spec late = {.fault = KSSIM_FAULT_TOKEN_DELAYED, .delay_ms = 10000};
    kssim_fault_spec sooner = {.fault = KSSIM_FAULT_TOKEN_DELAYED, .delay_ms = 1000};
    if (kssim_inject_fault(device, &late) != KSSIM_OK || kssim_verify_credential(device, "1234", 0, NULL) != KSSIM_OK ||
        kssim_inject_fault(device, &sooner) != KSSIM_OK ||
        kssim_authenticate_biometric(device, 1, 0, NULL) != KSSIM_OK || kssim_advance(device, 20000) != KSSIM_OK ||
        kssim_verify_credential(device, "1234", 0, NULL) != KSSIM_OK)
        _exit(4);
    const sim_token_cache *cache = &device->ks.tokens;
    /* The biometric token (due at 1 s) first, then the held-back password one (due at 10 s); the password's
     * token of the last verify replaced that one, at 20 s. */
    if (cache->count != 2 || cache->tokens[0].token.authenticator_type != KSSIM_AUTHENTICATOR_FINGERPRINT ||
        cache->tokens[0].received_ms > cache->tokens[1].received_ms)
        _exit(5);
    kssim_device_free(device);
}

static void delayed_tokens_keep_the_cache_in_arrival_order(void **state)
{
    (void)state;
    child_outcome outcome = run_in_child(delayed_tokens_arrive_in_the_order_they_are_due);
    if (!WIFEXITED(outcome.status) || WEXITSTATUS(outcome.status) != 0)
        fail_msg("the delayed tokens did not arrive in order (status 0x%x): %s", outcome.status, outcome.stderr_text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_violated_invariant_aborts_with_its_message),
        cmocka_unit_test(a_holding_invariant_says_nothing),
        cmocka_unit_test(nested_rsa_private_key_uses_abort),
        cmocka_unit_test(delayed_tokens_keep_the_cache_in_arrival_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
