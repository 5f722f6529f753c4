/*
 * scenario_parse_step.c - validating the list of steps: one action per step, its arguments, its
 * expectation, the names it defines, and the few rules that tie one argument to another.
 */
#include <string.h>

#include "runner/scenario_parse_step.h"

#include "framework/app_view.h"
#include "runner/scenario_parse_args.h"
#include "runner/scenario_suggest.h"
#include "runner/scenario_values.h"

/* Result names are enumerated through kssim_result_name() so that this list can never drift from
 * the device's own; the range covers every KeyMint, keystore2 and simulator code. */
#define RESULT_CODE_LOWEST  (-200)
#define RESULT_CODE_HIGHEST 2000

static size_t result_names(const char **names, size_t capacity)
{
    size_t count = 0;
    names[count++] = "ok";
    names[count++] = "any";
    for (int code = RESULT_CODE_LOWEST; code <= RESULT_CODE_HIGHEST && count < capacity; code++) {
        const char *name = kssim_result_name((kssim_result)code);
        if (name != NULL && code != KSSIM_OK)
            names[count++] = name;
    }
    return count;
}

static void report_bad_result(scenario_parser *parser, const scenario_node *node)
{
    const char *names[SCENARIO_SUGGEST_MAX];
    size_t count = result_names(names, SCENARIO_SUGGEST_MAX);
    if (node->kind != SCENARIO_NODE_SCALAR)
        scenario_report(parser, node->position,
                        "'expect' must be a result name, or a map from API levels to result names "
                        "({30: KEY_USER_NOT_AUTHENTICATED, 31..: ok}), not %s (accepted: %s)",
                        scenario_node_kind_name(node), scenario_join(parser, names, count));
    else {
        const char *const *exceptions = app_view_exception_names();
        const char *simple[SCENARIO_SUGGEST_MAX];
        size_t exception_count = 0;
        for (; exceptions[exception_count] != NULL && exception_count < SCENARIO_SUGGEST_MAX; exception_count++)
            simple[exception_count] = app_view_simple_name(exceptions[exception_count]);
        /* Result names are upper case (and ok, any lower case); a name mixing both was meant as a Java class. */
        bool lower = false, upper = false;
        for (const char *c = node->text; *c != '\0'; c++) {
            lower = lower || (*c >= 'a' && *c <= 'z');
            upper = upper || (*c >= 'A' && *c <= 'Z');
        }
        bool looks_like_class = lower && upper;
        scenario_report(parser, node->position,
                        "unknown %s '%.64s' in 'expect' (%saccepted: %s; or the app's exception, simple or fully "
                        "qualified: %s)",
                        looks_like_class ? "exception" : "result", node->text,
                        scenario_suggestion_phrase(parser, node->text, looks_like_class ? simple : names,
                                                   looks_like_class ? exception_count : count),
                        scenario_join(parser, names, count), scenario_join(parser, simple, exception_count));
    }
}

/* One result name, any, or an exception class the app sees (sim/framework/app_view.c); false after reporting. */
static bool parse_result(scenario_parser *parser, const scenario_node *node, bool *any, kssim_result *result,
                         const char **exception)
{
    *any = false;
    *result = KSSIM_OK;
    *exception = NULL;
    if (node->kind == SCENARIO_NODE_SCALAR && strlen(node->text) == node->length) {
        if (strcmp(node->text, "any") == 0) {
            *any = true;
            return true;
        }
        if (kssim_result_from_name(node->text, result) == 0)
            return true;
        *exception = app_view_find_exception(node->text);
        if (*exception != NULL)
            return true;
    }
    report_bad_result(parser, node);
    return false;
}

/* expect: RESULT, or per Android release: {30: KEY_PERMANENTLY_INVALIDATED, 31..: KEY_USER_NOT_AUTHENTICATED}.
 * Which levels a run covers is only known when it starts (kssim run --api-level), so that every level run has
 * an entry is checked then (scenario_covers_levels). */
static bool parse_expect(scenario_parser *parser, const scenario_node *node, scenario_step *step)
{
    if (node->kind != SCENARIO_NODE_MAP)
        return parse_result(parser, node, &step->expect_any, &step->expect, &step->expect_exception);
    scenario_level_range *ranges = scenario_parser_alloc(parser, node->count + 1, sizeof(*ranges));
    scenario_expectation *entries = scenario_parser_alloc(parser, node->count + 1, sizeof(*entries));
    if (ranges == NULL || entries == NULL)
        return false;
    bool ok = scenario_parse_level_keys(parser, node, "expect", ranges);
    for (size_t pair = 0; pair < node->count; pair++) {
        scenario_expectation *entry = &entries[pair];
        ok = parse_result(parser, scenario_map_value(node, pair), &entry->any, &entry->result, &entry->exception) && ok;
        entry->position = scenario_map_key(node, pair)->position;
        entry->lowest_level = ranges[pair].lowest;
        entry->highest_level = ranges[pair].highest;
    }
    if (!ok)
        return false;
    step->expect_by_level = entries;
    step->expect_by_level_count = node->count;
    return true;
}

static long find_action(const char *name)
{
    for (size_t i = 0; i < SCENARIO_ACTION_COUNT; i++)
        if (strcmp(scenario_step_specs[i].name, name) == 0)
            return (long)i;
    return -1;
}

static void report_unknown_action(scenario_parser *parser, const scenario_node *key)
{
    const char *names[SCENARIO_ACTION_COUNT + 1];
    for (size_t i = 0; i < SCENARIO_ACTION_COUNT; i++)
        names[i] = scenario_step_specs[i].name;
    names[SCENARIO_ACTION_COUNT] = "expect";
    scenario_report(parser, key->position, "unknown step '%.64s' (%ssteps: %s)", key->text,
                    scenario_suggestion_phrase(parser, key->text, names, SCENARIO_ACTION_COUNT + 1),
                    scenario_join(parser, names, SCENARIO_ACTION_COUNT));
}

typedef struct step_keys {
    const scenario_node *action_key;
    const scenario_node *action_value;
    const scenario_node *expect_key;
    const scenario_node *expect_value;
} step_keys;

/* Sorts a step's keys into its one action and its optional expect. */
static bool find_step_keys(scenario_parser *parser, const scenario_node *step_node, step_keys *keys)
{
    bool ok = true;
    for (size_t pair = 0; pair < step_node->count; pair++) {
        const scenario_node *key = scenario_map_key(step_node, pair), *value = scenario_map_value(step_node, pair);
        if (key->kind != SCENARIO_NODE_SCALAR) {
            scenario_report(parser, key->position, "a step's keys must be plain words, not %s",
                            scenario_node_kind_name(key));
            ok = false;
        } else if (strcmp(key->text, "expect") == 0) {
            if (keys->expect_key != NULL) {
                scenario_report(parser, key->position, "key 'expect' is given twice in this step (first at %u:%u)",
                                (unsigned)keys->expect_key->position.line, (unsigned)keys->expect_key->position.column);
                ok = false;
            }
            keys->expect_key = key;
            keys->expect_value = value;
        } else if (find_action(key->text) < 0) {
            report_unknown_action(parser, key);
            ok = false;
        } else if (keys->action_key != NULL) {
            scenario_report(parser, key->position,
                            "a step has exactly one action, but this one has '%s' (at %u:%u) and '%s': write them "
                            "as two steps",
                            keys->action_key->text, (unsigned)keys->action_key->position.line,
                            (unsigned)keys->action_key->position.column, key->text);
            ok = false;
        } else {
            keys->action_key = key;
            keys->action_value = value;
        }
    }
    if (keys->action_key == NULL && ok)
        scenario_report(parser, step_node->position,
                        "this step has no action: write `- ACTION: ARGUMENTS`, e.g. "
                        "`- lock: {}`");
    return ok && keys->action_key != NULL;
}

static const char *argument_keys(scenario_parser *parser, const scenario_step_spec *spec)
{
    const char *names[SCENARIO_SUGGEST_MAX];
    size_t count = 0;
    for (size_t i = 0; i < spec->arg_count && count < SCENARIO_SUGGEST_MAX; i++)
        names[count++] = scenario_key_name(spec->args[i].key);
    return count == 0 ? "none" : scenario_join(parser, names, count);
}

static bool parse_scalar_step(scenario_parser *parser, const scenario_step_spec *spec, const scenario_node *value,
                              scenario_step *step)
{
    if (value->kind != SCENARIO_NODE_SCALAR || scenario_node_is_null(value)) {
        scenario_report(parser, value->position, "%s is written with its value alone, e.g. `%s`", spec->name,
                        spec->example);
        return false;
    }
    scenario_arg *arg = scenario_parser_alloc(parser, 1, sizeof(*arg));
    if (arg == NULL || !scenario_parse_value(parser, &spec->args[0], spec->name, value, arg))
        return false;
    step->args = arg;
    step->arg_count = 1;
    return true;
}

/* Parses a map step's arguments; an expect written among them is handed back in keys. */
static bool parse_map_step(scenario_parser *parser, const scenario_step_spec *spec, step_keys *keys,
                           scenario_step *step)
{
    const scenario_node *value = keys->action_value;
    scenario_node nothing = {.kind = SCENARIO_NODE_MAP, .position = value->position};
    if (scenario_node_is_null(value)) {
        value = &nothing; /* `- reboot:` means `- reboot: {}` */
    } else if (value->kind != SCENARIO_NODE_MAP) {
        if (spec->arg_count == 0)
            scenario_report(parser, value->position, "%s takes no arguments: write `%s: {}`", spec->name, spec->name);
        else
            scenario_report(parser, value->position, "%s takes a map of arguments, not %s (keys: %s)", spec->name,
                            scenario_node_kind_name(value), argument_keys(parser, spec));
        return false;
    }
    scenario_map_request request = {
        .where = spec->name, .specs = spec->args, .spec_count = spec->arg_count, .extra_key = "expect"};
    bool ok = scenario_parse_map(parser, value, keys->action_key->position, &request);
    step->args = request.args;
    step->arg_count = request.arg_count;
    if (request.extra_key_node != NULL) {
        if (keys->expect_key != NULL) {
            scenario_report(parser, request.extra_key_node->position,
                            "expect is given twice for this step (also at %u:%u): keep one",
                            (unsigned)keys->expect_key->position.line, (unsigned)keys->expect_key->position.column);
            return false;
        }
        keys->expect_key = request.extra_key_node;
        keys->expect_value = request.extra_value;
    }
    return ok;
}

/* What finish's as: names: the operation's output, which is a signature or a ciphertext when the
 * operation signs or encrypts. */
static scenario_slot_kind finish_output_kind(const scenario *scenario, const scenario_step *step)
{
    const scenario_arg *op = scenario_step_find(step, SCENARIO_KEY_OP);
    if (op == NULL || op->kind != SCENARIO_VALUE_NAME)
        return SCENARIO_SLOT_OUTPUT;
    uint32_t purpose = scenario->slots[op->number].purpose;
    return purpose == KSSIM_PURPOSE_SIGN      ? SCENARIO_SLOT_SIGNATURE
           : purpose == KSSIM_PURPOSE_ENCRYPT ? SCENARIO_SLOT_CIPHERTEXT
                                              : SCENARIO_SLOT_OUTPUT;
}

/* An argument the device would refuse, reported at the argument with the device's own sentence. */
static bool report_device_refusal(scenario_parser *parser, const scenario_step *step, const scenario_arg *arg,
                                  kssim_result checked, const char *why)
{
    if (checked == KSSIM_OK)
        return true;
    /* A scalar step's value is named by its step, as the format writes it (advance: 30s). */
    const char *label =
        arg->key == SCENARIO_KEY_VALUE ? scenario_action_name(step->action) : scenario_key_name(arg->key);
    scenario_report(parser, arg->position, "'%s': %s", label, why);
    return false;
}

/* A key's alias and limits as kssim_generate_key and kssim_import_key take them. A written 0 limit has to
 * be caught here: the device reads 0 as "no limit". */
static bool check_key_inputs(scenario_parser *parser, const scenario_step *step)
{
    if (step->action != SCENARIO_ACTION_GENERATE_KEY && step->action != SCENARIO_ACTION_IMPORT_KEY)
        return true;
    char why[SCENARIO_ERROR_MAX * 2];
    bool ok = true;
    for (size_t i = 0; i < step->arg_count; i++) {
        const scenario_arg *arg = &step->args[i];
        if (arg->key == SCENARIO_KEY_ALIAS)
            ok = report_device_refusal(parser, step, arg, kssim_check_alias(arg->text, why, sizeof(why)), why) && ok;
        else if (arg->key == SCENARIO_KEY_USAGE_COUNT_LIMIT)
            ok = report_device_refusal(parser, step, arg,
                                       kssim_check_use_limit(KSSIM_LIMIT_USAGE_COUNT, arg->number, why, sizeof(why)),
                                       why) &&
                 ok;
        else if (arg->key == SCENARIO_KEY_MAX_USES_PER_BOOT)
            ok = report_device_refusal(
                     parser, step, arg,
                     kssim_check_use_limit(KSSIM_LIMIT_MAX_USES_PER_BOOT, arg->number, why, sizeof(why)), why) &&
                 ok;
    }
    return ok;
}

/* Where the scenario's clocks stand after the steps read so far, as the device will move them. */
typedef struct scenario_clocks {
    uint64_t boot_ms;
    int64_t wall_ms;
    /* After a restore_snapshot the clocks are the snapshot's, which the parser does not follow (the snapshot
     * may have been refused at run time); from there only the run-time check, in the device's words, holds. */
    bool unknown;
} scenario_clocks;

/* An advance the device's clocks cannot hold is an error of the file, found before anything runs. */
static bool follow_clocks(scenario_parser *parser, const scenario_step *step, scenario_clocks *clocks)
{
    const scenario_arg *value = scenario_step_find(step, SCENARIO_KEY_VALUE);
    if (step->action == SCENARIO_ACTION_RESTORE_SNAPSHOT)
        clocks->unknown = true;
    /* A wall clock jump is checked by the device when it runs, in its own words. */
    const scenario_arg *fault = scenario_step_find(step, SCENARIO_KEY_FAULT);
    if (step->action == SCENARIO_ACTION_INJECT_FAULT && fault != NULL && fault->number == KSSIM_FAULT_WALL_CLOCK_JUMP)
        clocks->unknown = true;
    if (clocks->unknown)
        return true;
    if (step->action == SCENARIO_ACTION_REBOOT) {
        clocks->boot_ms = 0;
    } else if (step->action == SCENARIO_ACTION_SET_WALL_CLOCK && value != NULL) {
        clocks->wall_ms = value->time_ms;
    } else if (step->action == SCENARIO_ACTION_ADVANCE && value != NULL) {
        char why[SCENARIO_ERROR_MAX * 2];
        if (!report_device_refusal(
                parser, step, value,
                kssim_check_advance(clocks->boot_ms, clocks->wall_ms, value->number, why, sizeof(why)), why))
            return false;
        clocks->boot_ms += value->number;
        clocks->wall_ms += (int64_t)value->number;
    }
    return true;
}

/* Rules between arguments that the table cannot express. */
static bool check_step_rules(scenario_parser *parser, const scenario_step *step)
{
    if (!check_key_inputs(parser, step))
        return false;
    const scenario_arg *purpose = scenario_step_find(step, SCENARIO_KEY_PURPOSE);
    const scenario_arg *ciphertext = scenario_step_find(step, SCENARIO_KEY_CIPHERTEXT);
    if (step->action == SCENARIO_ACTION_BEGIN && ciphertext != NULL && purpose != NULL &&
        purpose->number != KSSIM_PURPOSE_DECRYPT) {
        scenario_report(parser, ciphertext->position,
                        "'ciphertext' goes with purpose decrypt (it supplies the nonce and the data); this begin has "
                        "purpose %s",
                        purpose->text);
        return false;
    }
    const scenario_arg *op = scenario_step_find(step, SCENARIO_KEY_OP);
    const scenario_arg *signature = scenario_step_find(step, SCENARIO_KEY_SIGNATURE);
    if (step->action == SCENARIO_ACTION_FINISH && signature != NULL && op != NULL) {
        const scenario_slot *slot = &parser->scenario->slots[op->number];
        if (slot->purpose != KSSIM_PURPOSE_VERIFY) {
            scenario_report(parser, signature->position,
                            "'signature' goes with an operation begun with purpose verify; '%s' (at %u:%u) was not",
                            slot->name, (unsigned)slot->position.line, (unsigned)slot->position.column);
            return false;
        }
    }
    return true;
}

static void define_step_name(scenario_parser *parser, scenario_step *step, size_t step_index)
{
    for (size_t i = 0; i < step->arg_count; i++) {
        scenario_arg *arg = &step->args[i];
        if (arg->key != SCENARIO_KEY_AS)
            continue;
        const scenario_step_spec *spec = &scenario_step_specs[step->action];
        scenario_slot_kind kind = SCENARIO_SLOT_OUTPUT;
        for (size_t j = 0; j < spec->arg_count; j++)
            if (spec->args[j].key == SCENARIO_KEY_AS)
                kind = spec->args[j].slot;
        if (step->action == SCENARIO_ACTION_FINISH)
            kind = finish_output_kind(parser->scenario, step);
        const scenario_arg *purpose = scenario_step_find(step, SCENARIO_KEY_PURPOSE);
        long slot = scenario_define_slot(parser, arg->text, kind, arg->position, step_index,
                                         purpose != NULL ? (uint32_t)purpose->number : 0);
        if (slot >= 0)
            arg->number = (uint64_t)slot;
    }
}

static bool parse_step(scenario_parser *parser, const scenario_node *step_node, size_t index, scenario_step *step)
{
    if (step_node->kind != SCENARIO_NODE_MAP) {
        scenario_report(parser, step_node->position,
                        "a step is a map with one action, e.g. `- lock: {}` or `- advance: 30s`, not %s%s",
                        scenario_node_kind_name(step_node),
                        step_node->kind == SCENARIO_NODE_SCALAR && find_action(step_node->text) >= 0
                            ? " (a colon is missing after the action)"
                            : "");
        return false;
    }
    step_keys keys = {0};
    if (!find_step_keys(parser, step_node, &keys))
        return false;
    step->action = (scenario_action)find_action(keys.action_key->text);
    step->position = keys.action_key->position;
    step->expect = KSSIM_OK;
    const scenario_step_spec *spec = &scenario_step_specs[step->action];
    bool ok = spec->scalar ? parse_scalar_step(parser, spec, keys.action_value, step)
                           : parse_map_step(parser, spec, &keys, step);
    /* Defined even when the step has errors, so later references to the name do not add noise. */
    define_step_name(parser, step, index);
    if (keys.expect_value != NULL) {
        if (!spec->takes_expect) {
            scenario_report(parser, keys.expect_key->position,
                            "%s takes no 'expect': it asserts the key's state with 'state' and 'reason'", spec->name);
            ok = false;
        } else {
            ok = parse_expect(parser, keys.expect_value, step) && ok;
        }
    }
    return ok && check_step_rules(parser, step);
}

bool scenario_parse_steps(scenario_parser *parser, const scenario_node *steps_node)
{
    if (steps_node->kind != SCENARIO_NODE_LIST) {
        scenario_report(parser, steps_node->position, "'steps' must be a list of steps (`- lock: {}`), not %s",
                        scenario_node_kind_name(steps_node));
        return false;
    }
    if (steps_node->count == 0) {
        scenario_report(parser, steps_node->position, "'steps' is empty: a scenario needs at least one step");
        return false;
    }
    scenario *scenario = parser->scenario;
    scenario->steps = scenario_parser_alloc(parser, steps_node->count, sizeof(scenario_step));
    if (scenario->steps == NULL)
        return false;
    scenario->step_count = steps_node->count;
    scenario_clocks clocks = {
        .boot_ms = 0, .wall_ms = scenario->has_wall_clock ? scenario->wall_clock_ms : KSSIM_DEFAULT_WALL_CLOCK_MS};
    bool ok = true;
    for (size_t i = 0; i < steps_node->count && !parser->out_of_memory; i++) {
        bool step_ok = parse_step(parser, steps_node->items[i], i, &scenario->steps[i]);
        ok = step_ok && follow_clocks(parser, &scenario->steps[i], &clocks) && ok;
    }
    return ok;
}
