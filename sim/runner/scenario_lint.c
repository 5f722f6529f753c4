/*
 * scenario_lint.c - the keys of one scenario, linted (scenario_lint.h): one walk over the steps collects
 * each generate_key/import_key key, the flow that uses it and the intents its file declares; then the one
 * table (framework/key_lint.c) decides the findings.
 */
#include "runner/scenario_lint.h"

#include <stdlib.h>
#include <string.h>

#include "runner/runner_internal.h"

#define INTENT_MARKER "# lint-intent:"

/* A key's use as the walk sees it; turned into key_lint_context flags at the end. */
typedef struct key_use {
    size_t per_operation_biometric; /* operations authorized by a biometric bound to their challenge */
    size_t per_operation_other;     /* ... by a password token or a credential prompt */
} key_use;

typedef struct lint_walk {
    const scenario *scenario;
    scenario_lint_key *keys;
    key_use *uses;
    size_t key_count;
    long *key_of_slot; /* per slot: the key (index into keys) an operation slot was begun on, or -1 */
} lint_walk;

static bool alias_equals(const char *alias, const scenario_arg *arg)
{
    return arg != NULL && strlen(alias) == arg->length && memcmp(alias, arg->text, arg->length) == 0;
}

/* The key the alias names at this point of the walk: the latest one made under it, or -1. */
static long current_key(const lint_walk *walk, const scenario_arg *alias)
{
    for (size_t i = walk->key_count; i > 0; i--)
        if (alias_equals(walk->keys[i - 1].alias, alias))
            return (long)(i - 1);
    return -1;
}

/* The step may have been refused with HARDWARE_TYPE_UNAVAILABLE on one of the levels: the scenario expects
 * that refusal there, or accepts any result (it "catches" whatever happens). */
static bool expects_strongbox_refusal(const scenario_step *step, const int *levels, size_t level_count)
{
    for (size_t i = 0; i < level_count; i++) {
        bool any = false;
        kssim_result result = KSSIM_OK;
        if (scenario_step_expectation_at(step, levels[i], &any, &result) &&
            (any || result == KSSIM_HARDWARE_TYPE_UNAVAILABLE))
            return true;
    }
    return false;
}

static void add_key(lint_walk *walk, const scenario_step *step, const int *levels, size_t level_count)
{
    scenario_lint_key *key = &walk->keys[walk->key_count];
    memset(key, 0, sizeof(*key));
    const scenario_arg *alias = scenario_step_find(step, SCENARIO_KEY_ALIAS);
    const scenario_arg *algorithm = scenario_step_find(step, SCENARIO_KEY_ALGORITHM);
    /* An import_key of a PEM names its own algorithm, which only parsing the key tells; every asymmetric
     * key has the same default purposes (sign, verify), which is what the table reads, so EC stands in. */
    kssim_algorithm chosen = algorithm != NULL ? (kssim_algorithm)algorithm->number : KSSIM_ALGORITHM_EC;
    runner_fill_key_spec(step, chosen, &key->spec);
    key->alias = alias->text;
    key->action = step->action;
    key->position = step->position;
    /* A lower-level key under an alias whose StrongBox request was refused: the silent fallback. */
    long earlier = current_key(walk, alias);
    if (earlier >= 0 && key->spec.security_level != KSSIM_SECURITY_STRONGBOX) {
        const scenario_lint_key *before = &walk->keys[earlier];
        if (before->spec.security_level == KSSIM_SECURITY_STRONGBOX && before->context.strongbox_fell_back)
            key->context.strongbox_fell_back = true;
    }
    /* Marked on the StrongBox key itself for the next one to see; cleared below, so it is never reported
     * against the StrongBox key. */
    if (key->spec.security_level == KSSIM_SECURITY_STRONGBOX && expects_strongbox_refusal(step, levels, level_count))
        key->context.strongbox_fell_back = true;
    walk->key_count++;
}

/* An authentication bound to an operation's challenge: the CryptoObject flow. */
static void note_per_operation(lint_walk *walk, const scenario_step *step, bool biometric)
{
    const scenario_arg *challenge = scenario_step_find(step, SCENARIO_KEY_CHALLENGE);
    if (challenge == NULL || challenge->kind != SCENARIO_VALUE_NAME || challenge->number >= walk->scenario->slot_count)
        return;
    long key = walk->key_of_slot[challenge->number];
    if (key < 0)
        return;
    if (biometric)
        walk->uses[key].per_operation_biometric++;
    else
        walk->uses[key].per_operation_other++;
}

static void walk_steps(lint_walk *walk, const int *levels, size_t level_count)
{
    const scenario *scenario = walk->scenario;
    /* An armed prompt answers every per-operation operation that follows (kssim_prompt); none = unarmed. Its
     * count is not followed: what matters is which kinds of authentication the scenario gives the key. */
    uint64_t prompt = KSSIM_PROMPT_NONE;
    for (size_t i = 0; i < scenario->step_count; i++) {
        const scenario_step *step = &scenario->steps[i];
        switch (step->action) {
        case SCENARIO_ACTION_GENERATE_KEY:
        case SCENARIO_ACTION_IMPORT_KEY:
            add_key(walk, step, levels, level_count);
            break;
        case SCENARIO_ACTION_BEGIN:
        case SCENARIO_ACTION_SIGN:
        case SCENARIO_ACTION_ENCRYPT:
        case SCENARIO_ACTION_DECRYPT: {
            /* sign, encrypt and decrypt are one-step operations: a begin inside, answered by an armed prompt
             * like one. */
            long key = current_key(walk, scenario_step_find(step, SCENARIO_KEY_KEY));
            const scenario_arg *as = scenario_step_find(step, SCENARIO_KEY_AS);
            if (step->action == SCENARIO_ACTION_BEGIN && as != NULL && as->kind == SCENARIO_VALUE_NAME &&
                as->number < scenario->slot_count)
                walk->key_of_slot[as->number] = key;
            /* The prompt answers only operations that return a challenge: those of per-operation keys. A
             * timeout key's operation is not bound to it, so it shows no CryptoObject flow. */
            bool answered = key >= 0 && walk->keys[key].spec.user_auth && walk->keys[key].spec.auth_timeout_s == 0;
            if (!answered)
                break;
            if (prompt == KSSIM_PROMPT_BIOMETRIC)
                walk->uses[key].per_operation_biometric++;
            else if (prompt == KSSIM_PROMPT_CREDENTIAL)
                walk->uses[key].per_operation_other++;
            break;
        }
        case SCENARIO_ACTION_AUTHENTICATE_BIOMETRIC:
            note_per_operation(walk, step, true);
            break;
        case SCENARIO_ACTION_VERIFY_CREDENTIAL:
            note_per_operation(walk, step, false);
            break;
        case SCENARIO_ACTION_FORGE_TOKEN: {
            const scenario_arg *type = scenario_step_find(step, SCENARIO_KEY_TYPE);
            note_per_operation(walk, step, type != NULL && type->number == KSSIM_AUTHENTICATOR_FINGERPRINT);
            break;
        }
        case SCENARIO_ACTION_PROMPT: {
            const scenario_arg *respond = scenario_step_find(step, SCENARIO_KEY_RESPOND);
            prompt = respond != NULL ? respond->number : KSSIM_PROMPT_NONE;
            break;
        }
        default:
            break;
        }
    }
}

/* ---- `# lint-intent: ALIAS INTENTS` lines ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One comment line (without its newline); false after printing what is wrong with it. */
static bool read_intent_line(lint_walk *walk, const char *line, size_t length, uint32_t line_number, FILE *err)
{
    const char *path = walk->scenario->path;
    size_t at = 0;
    while (at < length && is_blank(line[at]))
        at++;
    size_t marker = strlen(INTENT_MARKER);
    if (length - at < marker || memcmp(line + at, INTENT_MARKER, marker) != 0)
        return true;
    at += marker;
    char words[2][256];
    for (int w = 0; w < 2; w++) {
        while (at < length && is_blank(line[at]))
            at++;
        size_t start = at;
        while (at < length && !is_blank(line[at]))
            at++;
        size_t n = at - start;
        if (n == 0 || n >= sizeof(words[w])) {
            fprintf(err,
                    "%s:%u: a lint-intent line is `# lint-intent: ALIAS INTENTS`, e.g. `# lint-intent: login "
                    "login,biometric-only`\n",
                    path, line_number);
            return false;
        }
        memcpy(words[w], line + start, n);
        words[w][n] = '\0';
    }
    while (at < length && is_blank(line[at]))
        at++;
    if (at < length) {
        fprintf(err,
                "%s:%u: a lint-intent line is `# lint-intent: ALIAS INTENTS`, with the intents as one comma list "
                "(no spaces): `login,biometric-only`\n",
                path, line_number);
        return false;
    }
    uint32_t intents;
    char unknown[64];
    if (!key_lint_intents_parse(words[1], &intents, unknown, sizeof(unknown))) {
        fprintf(err,
                "%s:%u: '%s' is not a lint intent; intents are login, per-operation, biometric-only, "
                "secret-at-rest, unattended (comma list)\n",
                path, line_number, unknown);
        return false;
    }
    bool found = false;
    for (size_t i = 0; i < walk->key_count; i++)
        if (strcmp(walk->keys[i].alias, words[0]) == 0) {
            walk->keys[i].context.intents |= intents;
            found = true;
        }
    if (!found) {
        fprintf(err, "%s:%u: the lint-intent line names key '%s', which no generate_key or import_key step makes\n",
                path, line_number, words[0]);
        return false;
    }
    return true;
}

static bool read_intents(lint_walk *walk, const char *text, size_t length, FILE *err)
{
    bool ok = true;
    uint32_t line_number = 1;
    for (size_t start = 0; start < length; line_number++) {
        const char *newline = memchr(text + start, '\n', length - start);
        size_t end = newline != NULL ? (size_t)(newline - text) : length;
        if (!read_intent_line(walk, text + start, end - start, line_number, err))
            ok = false;
        start = end + 1;
    }
    return ok;
}

bool scenario_lint(const scenario *scenario, const char *text, size_t length, scenario_lint_result *result, FILE *err)
{
    memset(result, 0, sizeof(*result));
    int levels[SCENARIO_API_LEVEL_COUNT_MAX];
    size_t level_count = 0;
    if (scenario->has_api_level && scenario->api_level_count > 0) {
        memcpy(levels, scenario->api_levels, scenario->api_level_count * sizeof(*levels));
        level_count = scenario->api_level_count;
    } else {
        kssim_config config;
        kssim_config_default(&config);
        levels[level_count++] = scenario->has_api_level ? scenario->api_level : config.api_level;
    }
    lint_walk walk = {.scenario = scenario};
    size_t steps = scenario->step_count > 0 ? scenario->step_count : 1;
    size_t slots = scenario->slot_count > 0 ? scenario->slot_count : 1;
    walk.keys = calloc(steps, sizeof(*walk.keys));
    walk.uses = calloc(steps, sizeof(*walk.uses));
    walk.key_of_slot = malloc(slots * sizeof(*walk.key_of_slot));
    if (walk.keys == NULL || walk.uses == NULL || walk.key_of_slot == NULL) {
        free(walk.keys);
        free(walk.uses);
        free(walk.key_of_slot);
        fputs("kssim lint: out of memory\n", err);
        return false;
    }
    for (size_t i = 0; i < slots; i++)
        walk.key_of_slot[i] = -1;
    walk_steps(&walk, levels, level_count);
    bool ok = read_intents(&walk, text, length, err);
    for (size_t k = 0; k < walk.key_count; k++) {
        scenario_lint_key *key = &walk.keys[k];
        if (key->spec.security_level == KSSIM_SECURITY_STRONGBOX)
            key->context.strongbox_fell_back = false;
        key->context.used_per_operation = walk.uses[k].per_operation_biometric + walk.uses[k].per_operation_other > 0;
        key->context.authorized_only_by_biometric =
            walk.uses[k].per_operation_biometric > 0 && walk.uses[k].per_operation_other == 0;
        /* The union over the scenario's levels: a finding gated by a release holds if it holds on one. */
        bool seen[KEY_LINT_FINDING_COUNT] = {false};
        for (size_t l = 0; l < level_count; l++) {
            key_lint_finding found[KEY_LINT_FINDING_COUNT];
            key->context.api_level = levels[l];
            size_t count = key_lint_check(&key->spec, &key->context, found);
            for (size_t f = 0; f < count; f++)
                seen[found[f]] = true;
        }
        key->context.api_level = levels[0];
        for (int f = 0; f < KEY_LINT_FINDING_COUNT; f++)
            if (seen[f])
                key->findings[key->finding_count++] = (key_lint_finding)f;
    }
    free(walk.uses);
    free(walk.key_of_slot);
    result->keys = walk.keys;
    result->key_count = walk.key_count;
    if (!ok)
        scenario_lint_free(result);
    return ok;
}

void scenario_lint_free(scenario_lint_result *result)
{
    free(result->keys);
    result->keys = NULL;
    result->key_count = 0;
}
