/*
 * transcript_text.c - the plain transcript: a "# FILE @ api_level L: NAME (seed N)" title per run of a scenario, one
 * line per step, and the closing "N passed, N failed".
 */
#include "runner/transcript.h"

static void text_begin_run(transcript *transcript, size_t scenario_count)
{
    (void)transcript;
    (void)scenario_count;
}

static void text_begin_scenario(transcript *transcript)
{
    if (transcript->scenario_number > 1)
        fputc('\n', transcript->out);
    fputs("# ", transcript->out);
    transcript_write_title(transcript, transcript->out);
    fputc('\n', transcript->out);
}

static void text_step(transcript *transcript, const transcript_step *step)
{
    transcript_write_step(step, transcript->out, "");
}

static void text_problem(transcript *transcript, const char *text)
{
    fprintf(transcript->out, "# %s\n", text);
}

static void text_end_scenario(transcript *transcript, bool passed)
{
    (void)transcript;
    (void)passed;
}

static void text_end_run(transcript *transcript, size_t passed, size_t failed)
{
    fprintf(transcript->out, "\n%zu passed, %zu failed\n", passed, failed);
}

const transcript_format transcript_text_format = {
    .begin_run = text_begin_run,
    .begin_scenario = text_begin_scenario,
    .step = text_step,
    .problem = text_problem,
    .end_scenario = text_end_scenario,
    .end_run = text_end_run,
};
