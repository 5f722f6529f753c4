/*
 * transcript.h - what `kssim run` prints while scenarios run, in one of three formats: the plain
 * transcript, TAP and JUnit XML.
 *
 * The runner reports scenarios and steps through this interface and never prints itself, so every
 * format sees the same events. Nothing that varies between runs (host time, pointers) ever reaches a
 * transcript: the same files and seed give the same bytes.
 */
#ifndef SIM_RUNNER_TRANSCRIPT_H
#define SIM_RUNNER_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum transcript_format_kind {
    TRANSCRIPT_TEXT,
    TRANSCRIPT_TAP,
    TRANSCRIPT_JUNIT,
    /* Formats that keep every run and print at the end (run_matrix.c, transcript_html.c): the HTML page,
     * the HTML page with the version matrix, and the version matrix as text or JSON (--matrix). */
    TRANSCRIPT_HTML,
    TRANSCRIPT_HTML_MATRIX,
    TRANSCRIPT_MATRIX_TEXT,
    TRANSCRIPT_MATRIX_JSON,
    TRANSCRIPT_JSON, /* one JSON document for the run (transcript_json.c) */
} transcript_format_kind;

/* One executed step, already rendered. */
typedef struct transcript_step {
    size_t number;           /* 1-based */
    const char *action;      /* "begin" */
    const char *arguments;   /* "key=login purpose=sign as=op" */
    const char *outcome;     /* "ok (0)", "KEY_USER_NOT_AUTHENTICATED (-26)", "invalidated (credential_reset)" */
    bool met;                /* the outcome is what the step expected */
    const char *expected;    /* when !met: what was expected, spelt like outcome */
    const char *explanation; /* when !met and the device refused: why; NULL otherwise */
    /* Machine-readable facts for the formats that draw or tabulate a run (JSON, the version matrix,
     * the HTML timeline). */
    int result;          /* the kssim_result the step produced (0 = ok) */
    uint64_t boot_ms;    /* the device's boot clock after the step */
    uint32_t boot_count; /* how many boots the device has seen (a reboot step increments it) */
    int64_t wall_ms;     /* the wall clock after the step */
    /* What the app sees on this release (sim/framework/app_view.c): the Java exception class (fully qualified)
     * and the API call that throws it - or, where the app sees no exception, the callback or return value
     * ("onAuthenticationError(BIOMETRIC_ERROR_LOCKOUT=7)", "returns false") and its call; NULL when the step succeeded
     * or the step is no app call. */
    const char *app_exception;
    const char *app_call;
    /* From API 33 the exception's cause (android.security.KeyStoreException) tells the app this code through
     * getNumericErrorCode(); app_code_readable is false before, and when there is no such cause. */
    bool app_code_readable;
    int app_code;
    /* With --explain: the decision path of the operation this step ran (rule IDs, tokens considered,
     * the key's policy, the lock state); NULL otherwise. */
    const char *decision;
} transcript_step;

typedef struct transcript transcript;

typedef struct transcript_format {
    void (*begin_run)(transcript *transcript, size_t scenario_count);
    void (*begin_scenario)(transcript *transcript);
    void (*step)(transcript *transcript, const transcript_step *step);
    /* A problem of the scenario as a whole (the device could not be created). */
    void (*problem)(transcript *transcript, const char *text);
    void (*end_scenario)(transcript *transcript, bool passed);
    void (*end_run)(transcript *transcript, size_t passed, size_t failed);
} transcript_format;

struct transcript {
    const transcript_format *format;
    transcript_format_kind kind;
    /* The runs kept by the formats that print at the end (run_matrix.h); NULL for the others. */
    struct run_record *record;
    FILE *out;
    /* The scenario being reported. */
    size_t scenario_number; /* 1-based */
    const char *path;
    const char *name;
    uint64_t seed;
    int api_level;                          /* the release this run of the scenario simulates */
    size_t steps, steps_failed;             /* in this scenario */
    size_t total_steps, total_steps_failed; /* in the run */
    /* Problems of a scenario as a whole (the device could not be created, the scenario was not run): JUnit
     * counts them as errors, apart from unmet expectations (failures). */
    size_t steps_errored, total_steps_errored;
    /* Virtual time: how far the device's boot clock moved during this scenario and during the run (a reboot
     * restarts the boot clock; the time after it is added). Never host time, so the bytes stay the same. */
    uint64_t virtual_ms, total_virtual_ms;
    uint64_t last_boot_ms;
    uint32_t last_boot_count;
    bool seen_step;
    /* TAP and JUnit write a scenario's lines only once its verdict is known, and JUnit's root element
     * carries the run's totals: they gather text in these buffers first. */
    FILE *pending;
    char *pending_text;
    size_t pending_length;
    FILE *document;
    char *document_text;
    size_t document_length;
};

extern const transcript_format transcript_text_format;
extern const transcript_format transcript_tap_format;
extern const transcript_format transcript_junit_format;
extern const transcript_format transcript_html_format;
extern const transcript_format transcript_json_format;

void transcript_open(transcript *transcript, transcript_format_kind kind, FILE *out);
void transcript_close(transcript *transcript);

/* scenario_count counts runs: a scenario run on two API levels counts twice. */
void transcript_begin_run(transcript *transcript, size_t scenario_count);
void transcript_begin_scenario(transcript *transcript, const char *path, const char *name, uint64_t seed,
                               int api_level);
void transcript_step_done(transcript *transcript, const transcript_step *step);
void transcript_problem(transcript *transcript, const char *text);
void transcript_end_scenario(transcript *transcript, bool passed);
void transcript_end_run(transcript *transcript, size_t passed, size_t failed);

/* A run that did not start because files were invalid (kssim run's exit 2), for the formats a CI server reads:
 * JUnit writes a testsuite per file with an <error> carrying its diagnostics, TAP writes them as comments and
 * "Bail out!". paths[i] is a file ("" for a problem of the command line) and diagnostics[i] what was wrong
 * with it. Other formats write nothing (the diagnostics are on standard error already). */
void transcript_write_invalid_run(transcript_format_kind kind, FILE *out, const char *const *paths,
                                  const char *const *diagnostics, size_t count);
void transcript_junit_write_invalid_run(FILE *out, const char *const *paths, const char *const *diagnostics,
                                        size_t count);
void transcript_tap_write_invalid_run(FILE *out, const char *const *paths, const char *const *diagnostics,
                                      size_t count);
/* Virtual milliseconds as seconds with three decimals ("1.250"), the unit JUnit's time attribute takes. */
void transcript_write_seconds(FILE *stream, uint64_t ms);

/* Helpers the formats share. */
/* "FILE @ api_level L: NAME (seed N)", with control characters of the name shown as spaces to keep it one line. */
void transcript_write_title(const transcript *transcript, FILE *stream);
/* "FILE @ api_level L": which file and which release a run is, the name JUnit gives its test suite. */
void transcript_write_run_name(const transcript *transcript, FILE *stream);
/* A refused step whose result the app sees (an exception, a callback, a return value): the formats name it. */
bool transcript_step_shows_app_view(const transcript_step *step);
/* "N ACTION ARGS -> OUTCOME [AppException from Call][   <-- expected X]" and, for a refusal, its explanation on the
 * next line indented; each line starts with prefix ("" or "# "). */
void transcript_write_step(const transcript_step *step, FILE *stream, const char *prefix);
void transcript_write_xml_escaped(FILE *stream, const char *text);
/* An in-memory stream (open_memstream); transcript_buffer_take() closes it and returns its text, which
 * the caller frees. */
FILE *transcript_buffer_open(char **text, size_t *length);
char *transcript_buffer_take(FILE **stream, char **text);

#endif
