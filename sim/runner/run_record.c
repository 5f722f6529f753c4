/*
 * run_record.c - keeping the runs of a `kssim run` in memory, with copies of the texts (the runner frees its
 * own after each step), for the formats that print only at the end.
 */
#include "runner/run_record.h"

#include <stdlib.h>
#include <string.h>

#include "core/growable_array.h"

static char *copy_text(run_record *record, const char *text)
{
    if (text == NULL)
        return NULL;
    char *copy = strdup(text);
    if (copy == NULL)
        record->out_of_memory = true;
    return copy;
}

static recorded_run *current_run(run_record *record)
{
    return record->count > 0 ? &record->runs[record->count - 1] : NULL;
}

void run_record_begin(run_record *record, const char *path, const char *name, uint64_t seed, int api_level)
{
    recorded_run *runs =
        sim_array_with_room_for_one_more(record->runs, record->count, &record->capacity, sizeof(*runs), 8);
    if (runs == NULL) {
        record->out_of_memory = true;
        return;
    }
    record->runs = runs;
    recorded_run *run = &record->runs[record->count++];
    memset(run, 0, sizeof(*run));
    run->path = copy_text(record, path);
    run->name = copy_text(record, name);
    run->seed = seed;
    run->api_level = api_level;
}

void run_record_step(run_record *record, const transcript_step *step)
{
    recorded_run *run = current_run(record);
    if (run == NULL)
        return;
    recorded_step *steps =
        sim_array_with_room_for_one_more(run->steps, run->step_count, &run->step_capacity, sizeof(*steps), 16);
    if (steps == NULL) {
        record->out_of_memory = true;
        return;
    }
    run->steps = steps;
    recorded_step *kept = &run->steps[run->step_count++];
    *kept = (recorded_step){
        .number = step->number,
        .action = copy_text(record, step->action),
        .arguments = copy_text(record, step->arguments),
        .outcome = copy_text(record, step->outcome),
        .expected = copy_text(record, step->met ? NULL : step->expected),
        .app_exception = copy_text(record, step->app_exception),
        .app_call = copy_text(record, step->app_call),
        .decision = copy_text(record, step->decision),
        .met = step->met,
        .result = step->result,
        .boot_ms = step->boot_ms,
        .boot_count = step->boot_count,
        .wall_ms = step->wall_ms,
    };
}

void run_record_problem(run_record *record, const char *text)
{
    recorded_run *run = current_run(record);
    if (run != NULL && run->problem == NULL)
        run->problem = copy_text(record, text);
}

void run_record_end(run_record *record, bool passed)
{
    recorded_run *run = current_run(record);
    if (run != NULL)
        run->passed = passed;
}

void run_record_free(run_record *record)
{
    for (size_t r = 0; r < record->count; r++) {
        recorded_run *run = &record->runs[r];
        for (size_t s = 0; s < run->step_count; s++) {
            recorded_step *step = &run->steps[s];
            free(step->action);
            free(step->arguments);
            free(step->outcome);
            free(step->expected);
            free(step->app_exception);
            free(step->app_call);
            free(step->decision);
        }
        free(run->steps);
        free(run->path);
        free(run->name);
        free(run->problem);
    }
    free(record->runs);
    memset(record, 0, sizeof(*record));
}

run_record *run_record_of(transcript *transcript)
{
    if (transcript->record == NULL)
        transcript->record = calloc(1, sizeof(run_record));
    return transcript->record;
}
