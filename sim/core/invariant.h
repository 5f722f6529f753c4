/*
 * invariant.h - the checked assertions that hold the model together.
 *
 * KSSIM_INVARIANT(condition, "what the condition means") states a claim the code relies on at the place it
 * relies on it. Unlike assert(), it is on in every build, tests, fuzzing and Release alike: each check is a
 * comparison or two, and a simulator that silently goes on from a broken state gives answers nobody should
 * trust. A violation is a bug in kssim, never a user's mistake (bad input gets a result and a sentence):
 * it prints where and what, then aborts, so the fuzz targets report it as a crash and a test fails loudly.
 * Building with -DKSSIM_INVARIANTS=OFF (CMake) compiles them out, for measuring what they cost.
 *
 * A check that is more than a comparison or two - re-deriving a whole structure to compare it with the
 * original - runs only where KSSIM_THOROUGH is 1: the sanitizer build every test runs again in, the fuzz
 * targets and Debug builds (CMake KSSIM_THOROUGH_INVARIANTS), so tests and fuzzing keep it and a signature
 * does not pay for it. Write `if (KSSIM_THOROUGH) check_...();`, so both builds compile the check.
 */
#ifndef SIM_CORE_INVARIANT_H
#define SIM_CORE_INVARIANT_H

#if defined(__GNUC__) || defined(__clang__)
#define KSSIM_NORETURN __attribute__((noreturn))
#else
#define KSSIM_NORETURN
#endif

/* Prints "kssim: invariant violated at FILE:LINE in FUNCTION: MEANING (CONDITION)" and aborts. */
KSSIM_NORETURN void kssim_invariant_failed(const char *file, int line, const char *function, const char *condition,
                                           const char *meaning);

#if defined(KSSIM_THOROUGH_INVARIANTS) && !defined(KSSIM_NO_INVARIANTS)
#define KSSIM_THOROUGH 1
#else
#define KSSIM_THOROUGH 0
#endif

#ifdef KSSIM_NO_INVARIANTS
#define KSSIM_INVARIANT(condition, meaning) ((void)sizeof(!(condition)))
#else
#define KSSIM_INVARIANT(condition, meaning)                                                                            \
    ((condition) ? (void)0 : kssim_invariant_failed(__FILE__, __LINE__, __func__, #condition, meaning))
#endif

#endif
