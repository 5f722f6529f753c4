/*
 * command_lint.c - `kssim lint`: names the weak settings of a key, each with its finding ID, the reason,
 * what to do instead and the source, from the one table (framework/key_lint.c). Three inputs:
 *   kssim lint ALIAS                       a key on the device, as it was stored
 *   kssim lint --key-spec [generate-key options]   a key before it is made
 *   kssim lint FILE.yaml|DIR...            the keys a scenario's generate_key / import_key steps make
 * Output as text or --json; exit 0 when no finding is at or above --fail-on (default warning), 1 when one
 * is, 2 for a usage or input error (docs/lint.md, docs/cli.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_device.h"
#include "cli/cli_json.h"
#include "cli/cli_key_policy.h"
#include "cli/cli_options.h"
#include "framework/key_lint.h"
#include "runner/scenario_lint.h"
#include "runner/scenario_parser.h"
#include "runner/scenario_paths.h"

#define GROUP_LINT "Lint"

static const char lint_usage[] =
    "usage: kssim lint ALIAS | --key-spec [generate-key options] | FILE.yaml|DIR...\n"
    "                  [--json | --brief] [--fail-on note|warning|error] [--intent LIST]\n";

static const char lint_help[] =
    "\n"
    "Names the weak settings of a key: each finding has a stable ID (L-...), a severity, the reason, what to do\n"
    "instead and its source (Android's developer documentation, framework source or a public write-up).\n"
    "Every finding is explained, with a worked example, in docs/lint.md.\n"
    "\n"
    "  kssim lint ALIAS               the key ALIAS on the device (--device DIR), as keystore stored it\n"
    "  kssim lint --key-spec [--alias NAME] [generate-key options]\n"
    "                                 the key generate-key would make with these options (no device needed)\n"
    "  kssim lint FILE.yaml|DIR...    every key the scenarios' generate_key and import_key steps make, with\n"
    "                                 what the scenario shows of its use (an operation authorized by its\n"
    "                                 challenge, a StrongBox refusal followed by a TEE key); directories are\n"
    "                                 searched for *.yaml and *.yml as kssim run does\n"
    "\n"
    "  --json                  one JSON document instead of text\n"
    "  --brief                 text: one line per finding, without why / instead / source\n"
    "  --fail-on LEVEL         note, warning (default) or error: exit 1 when a finding is at or above LEVEL\n"
    "  --intent LIST           ALIAS and --key-spec: what the key is for, a comma list of login,\n"
    "                          per-operation, biometric-only, secret-at-rest, unattended. Scenarios say it\n"
    "                          in a comment line: `# lint-intent: ALIAS login,biometric-only`\n"
    "\n"
    "Findings: L-NO-USER-AUTH, L-INVALIDATION-OFF, L-LONG-BIOMETRIC-TIMEOUT, L-TIMEOUT-ON-PER-OPERATION-FLOW,\n"
    "L-DEVICE-CREDENTIAL-ALLOWED, L-NO-UNLOCKED-DEVICE-REQUIRED, L-STRONGBOX-SILENT-FALLBACK, L-SHA1-DIGEST,\n"
    "L-AES-ECB, L-RSA-PKCS1-ENCRYPTION.\n"
    "\n"
    "Exit status: 0 no finding at or above --fail-on; 1 some finding is; 2 usage or input error (an invalid\n"
    "scenario, a key the device does not hold, a bad --intent).\n";

/* How findings are printed and counted, whatever the input. */
typedef struct lint_report {
    bool as_json;
    bool brief; /* text: the finding lines only, without why / instead / source */
    key_lint_severity fail_on;
    cli_json json;
    size_t keys;
    size_t by_severity[KEY_LINT_ERROR + 1];
} lint_report;

/* Where a finding was found: a file position (scenarios) or none (a key on the device, --key-spec). */
typedef struct lint_place {
    const char *file; /* NULL: not in a file */
    scenario_position position;
    const char *step; /* "generate_key", "import_key"; NULL outside scenarios */
} lint_place;

static void start_report(lint_report *report)
{
    if (!report->as_json)
        return;
    cli_json_start(&report->json, stdout);
    cli_json_open_object(&report->json, NULL);
    cli_json_open_array(&report->json, "findings");
}

/* Text continuation lines are indented under their label. */
static void print_indented(const char *label, const char *text)
{
    printf("    %s: ", label);
    for (const char *c = text; *c != '\0'; c++) {
        putchar(*c);
        if (*c == '\n')
            fputs("      ", stdout);
    }
    putchar('\n');
}

/* JSON readers get each text as one paragraph: the line breaks are only for the terminal. */
static void json_paragraph(cli_json *json, const char *key, const char *text)
{
    char paragraph[2048];
    size_t n = strlen(text) < sizeof(paragraph) - 1 ? strlen(text) : sizeof(paragraph) - 1;
    for (size_t i = 0; i < n; i++)
        paragraph[i] = text[i] == '\n' ? ' ' : text[i];
    paragraph[n] = '\0';
    cli_json_string(json, key, paragraph);
}

static void report_finding(lint_report *report, const lint_place *place, const char *alias, const key_lint_rule *rule)
{
    report->by_severity[rule->severity]++;
    if (report->as_json) {
        cli_json *json = &report->json;
        cli_json_open_object(json, NULL);
        cli_json_string(json, "id", rule->id);
        cli_json_string(json, "severity", key_lint_severity_name(rule->severity));
        cli_json_string(json, "key", alias);
        cli_json_string(json, "file", place->file);
        if (place->file != NULL) {
            cli_json_unsigned(json, "line", place->position.line);
            cli_json_unsigned(json, "column", place->position.column);
        } else {
            cli_json_null(json, "line");
            cli_json_null(json, "column");
        }
        cli_json_string(json, "step", place->step);
        cli_json_string(json, "title", rule->title);
        json_paragraph(json, "reason", rule->reason);
        json_paragraph(json, "instead", rule->instead);
        json_paragraph(json, "source", rule->source);
        cli_json_close_object(json);
        return;
    }
    if (place->file != NULL)
        printf("%s:%u:%u: ", place->file, place->position.line, place->position.column);
    printf("%s %s: key '%s'", key_lint_severity_name(rule->severity), rule->id, alias);
    if (place->step != NULL)
        printf(" (%s)", place->step);
    printf(": %s\n", rule->title);
    if (report->brief)
        return;
    print_indented("why", rule->reason);
    print_indented("instead", rule->instead);
    print_indented("source", rule->source);
}

static void report_key(lint_report *report, const lint_place *place, const char *alias,
                       const key_lint_finding *findings, size_t count)
{
    report->keys++;
    for (size_t i = 0; i < count; i++)
        report_finding(report, place, alias, key_lint_rule_of(findings[i]));
}

/* The summary, and the exit status it implies. */
static int finish_report(lint_report *report)
{
    size_t total = 0, failing = 0;
    for (int s = KEY_LINT_NOTE; s <= KEY_LINT_ERROR; s++) {
        total += report->by_severity[s];
        if (s >= (int)report->fail_on)
            failing += report->by_severity[s];
    }
    if (report->as_json) {
        cli_json *json = &report->json;
        cli_json_close_array(json);
        cli_json_unsigned(json, "keys", report->keys);
        cli_json_open_object(json, "counts");
        for (int s = KEY_LINT_NOTE; s <= KEY_LINT_ERROR; s++)
            cli_json_unsigned(json, key_lint_severity_name((key_lint_severity)s), report->by_severity[s]);
        cli_json_close_object(json);
        cli_json_string(json, "fail_on", key_lint_severity_name(report->fail_on));
        cli_json_bool(json, "failed", failing > 0);
        cli_json_close_object(json);
        cli_json_finish(json);
    } else if (total == 0) {
        printf("lint: no findings in %zu key%s\n", report->keys, report->keys == 1 ? "" : "s");
    } else {
        printf("lint: %zu finding%s in %zu key%s (%zu error, %zu warning, %zu note); %zu at or above %s\n", total,
               total == 1 ? "" : "s", report->keys, report->keys == 1 ? "" : "s", report->by_severity[KEY_LINT_ERROR],
               report->by_severity[KEY_LINT_WARNING], report->by_severity[KEY_LINT_NOTE], failing,
               key_lint_severity_name(report->fail_on));
    }
    return failing > 0 ? KSSIM_EXIT_REFUSED : KSSIM_EXIT_SUCCESS;
}

static bool read_fail_on(const char *value, lint_report *report)
{
    if (value == NULL)
        return true;
    if (key_lint_severity_parse(value, &report->fail_on))
        return true;
    fprintf(stderr, "kssim lint: --fail-on takes note, warning or error, not '%s'\n%s", value, lint_usage);
    return false;
}

static bool read_intents(const char *value, uint32_t *intents)
{
    *intents = 0;
    if (value == NULL)
        return true;
    char unknown[64];
    if (key_lint_intents_parse(value, intents, unknown, sizeof(unknown)))
        return true;
    fprintf(stderr,
            "kssim lint: '%s' is not an intent; --intent takes a comma list of login, per-operation, "
            "biometric-only, secret-at-rest, unattended\n%s",
            unknown, lint_usage);
    return false;
}

/* ---- kssim lint ALIAS and kssim lint --key-spec: through the shared option parser ---- */

#define LINT_COMMON_OPTIONS                                                                                            \
    {"--json", NULL, "one JSON document instead of text", false},                                                      \
        {"--brief", NULL, "text: one line per finding, without why / instead / source", false},                        \
        {"--fail-on", "LEVEL", "note, warning (default) or error: exit 1 at or above it", false},                      \
    {                                                                                                                  \
        "--intent", "LIST", "login, per-operation, biometric-only, secret-at-rest, unattended (comma list)", false     \
    }

typedef struct stored_key_request {
    const char *alias;
    kssim_key_info info;
    int api_level;
} stored_key_request;

static kssim_result read_stored_key(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    stored_key_request *r = request;
    kssim_status status;
    kssim_result result = kssim_status_get(device, &status);
    if (result != KSSIM_OK)
        return result;
    r->api_level = status.api_level;
    result = kssim_key_info_get(device, r->alias, &r->info);
    /* Nothing to lint: said as the device says it elsewhere (expect-key, sign). */
    if (result == KSSIM_OK && r->info.state == KSSIM_KEY_ABSENT)
        result = KSSIM_KEY_NOT_FOUND;
    return result;
}

/* Both forms end here: one key, linted and reported. */
static int lint_one_key(const cli_args *args, const kssim_key_spec *spec, int api_level)
{
    lint_report report = {
        .as_json = cli_has(args, "--json"), .brief = cli_has(args, "--brief"), .fail_on = KEY_LINT_WARNING};
    key_lint_context context = {.api_level = api_level};
    if (!read_fail_on(cli_get(args, "--fail-on"), &report) ||
        !read_intents(cli_get(args, "--intent"), &context.intents))
        return KSSIM_EXIT_USAGE;
    key_lint_finding findings[KEY_LINT_FINDING_COUNT];
    size_t count = key_lint_check(spec, &context, findings);
    start_report(&report);
    lint_place nowhere = {0};
    report_key(&report, &nowhere, spec->alias, findings, count);
    return finish_report(&report);
}

static int run_lint_alias(const cli_command *command, const cli_args *args)
{
    (void)command;
    stored_key_request request;
    memset(&request, 0, sizeof(request));
    request.alias = cli_get(args, "--alias");
    /* Checked before the device is opened, so a typo costs no device access. */
    lint_report check = {.fail_on = KEY_LINT_WARNING};
    uint32_t intents;
    if (!read_fail_on(cli_get(args, "--fail-on"), &check) || !read_intents(cli_get(args, "--intent"), &intents))
        return KSSIM_EXIT_USAGE;
    int status = cli_with_device_reading(args, read_stored_key, &request);
    if (status != KSSIM_EXIT_SUCCESS)
        return KSSIM_EXIT_USAGE; /* the refusal (KEY_NOT_FOUND, ...) is already on stderr */
    return lint_one_key(args, &request.info.spec, request.api_level);
}

static const cli_option lint_alias_options[] = {
    {"--alias", "ALIAS", "the key's name (also accepted as the first argument)", false},
    LINT_COMMON_OPTIONS,
};

static const cli_command lint_alias_command = {
    .name = "lint",
    .group = GROUP_LINT,
    .synopsis = "ALIAS [--json] [--fail-on LEVEL] [--intent LIST]",
    .summary = "name the weak settings of a key on the device",
    .description = "Lints the key ALIAS as the device stored it (see kssim lint --help).",
    .options = lint_alias_options,
    .option_count = sizeof(lint_alias_options) / sizeof(lint_alias_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_lint_alias,
};

static int run_lint_key_spec(const cli_command *command, const cli_args *args)
{
    (void)command;
    kssim_algorithm algorithm;
    kssim_key_spec spec;
    const char *alias = cli_get(args, "--alias");
    if (!cli_read_key_algorithm(args, KSSIM_ALGORITHM_EC, &algorithm) ||
        !cli_read_key_spec(args, alias != NULL ? alias : "key", algorithm, &spec))
        return KSSIM_EXIT_USAGE;
    int api_level = 0;
    const char *level = cli_get(args, "--api-level");
    if (level != NULL) {
        char *end = NULL;
        long value = strtol(level, &end, 10);
        if (end == level || *end != '\0' || value < KSSIM_API_LEVEL_MIN || value > KSSIM_API_LEVEL_MAX) {
            fprintf(stderr, "kssim lint: --api-level takes one modelled API level, %d to %d, not '%s'\n",
                    KSSIM_API_LEVEL_MIN, KSSIM_API_LEVEL_MAX, level);
            return KSSIM_EXIT_USAGE;
        }
        api_level = (int)value;
    }
    return lint_one_key(args, &spec, api_level);
}

static const cli_option lint_key_spec_options[] = {
    {"--key-spec", NULL, "lint the key these options describe instead of one on the device", true},
    {"--alias", "ALIAS", "the name shown in the findings (default: key)", false},
    {"--api-level", "N", "the release the key is for (default: the newest modelled)", false},
    LINT_COMMON_OPTIONS,
    CLI_KEY_POLICY_OPTIONS,
};

static const cli_command lint_key_spec_command = {
    .name = "lint",
    .group = GROUP_LINT,
    .synopsis = "--key-spec [--alias NAME] [--api-level N] [generate-key options] [--json] [--fail-on LEVEL]",
    .summary = "name the weak settings of a key before it is made",
    .description =
        "Lints the key generate-key would make with these options (see kssim lint --help).\n\n" CLI_KEY_POLICY_HELP,
    .options = lint_key_spec_options,
    .option_count = sizeof(lint_key_spec_options) / sizeof(lint_key_spec_options[0]),
    .run = run_lint_key_spec,
};

/* ---- kssim lint FILE.yaml|DIR... ---- */

static bool read_whole_file(const char *path, char **text, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return false;
    size_t capacity = 4096, used = 0;
    char *buffer = malloc(capacity);
    while (buffer != NULL) {
        used += fread(buffer + used, 1, capacity - used, file);
        if (used < capacity || used > SCENARIO_MAX_FILE_BYTES)
            break;
        char *bigger = realloc(buffer, capacity * 2);
        if (bigger == NULL) {
            free(buffer);
            buffer = NULL;
            break;
        }
        buffer = bigger;
        capacity *= 2;
    }
    bool ok = buffer != NULL && !ferror(file);
    fclose(file);
    if (!ok) {
        free(buffer);
        return false;
    }
    *text = buffer;
    *length = used;
    return true;
}

/* One file: parsed and validated as kssim run would, then linted. false for an invalid file. */
static bool lint_file(const char *path, lint_report *report)
{
    char *text = NULL;
    size_t length = 0;
    if (!read_whole_file(path, &text, &length)) {
        fprintf(stderr, "%s: cannot be read; give a readable scenario file\n", path);
        return false;
    }
    scenario *parsed = scenario_parse_text(path, text, length);
    bool ok = parsed != NULL && scenario_is_valid(parsed);
    if (parsed == NULL)
        fprintf(stderr, "kssim lint: out of memory reading %s\n", path);
    else if (!ok)
        scenario_print_diagnostics(parsed, stderr);
    scenario_lint_result result;
    if (ok && (ok = scenario_lint(parsed, text, length, &result, stderr))) {
        for (size_t i = 0; i < result.key_count; i++) {
            const scenario_lint_key *key = &result.keys[i];
            lint_place place = {.file = path, .position = key->position, .step = scenario_action_name(key->action)};
            report_key(report, &place, key->alias, key->findings, key->finding_count);
        }
        scenario_lint_free(&result);
    }
    scenario_free(parsed);
    free(text);
    return ok;
}

static int lint_files(int argc, char **argv)
{
    lint_report report = {.fail_on = KEY_LINT_WARNING};
    const char **paths = calloc((size_t)argc, sizeof(*paths));
    size_t path_count = 0;
    if (paths == NULL) {
        fputs("kssim lint: out of memory\n", stderr);
        return KSSIM_EXIT_USAGE;
    }
    int status = KSSIM_EXIT_SUCCESS;
    bool options_done = false;
    for (int i = 1; i < argc && status == KSSIM_EXIT_SUCCESS; i++) {
        const char *argument = argv[i];
        if (!options_done && strcmp(argument, "--") == 0) {
            options_done = true;
        } else if (!options_done && strcmp(argument, "--json") == 0) {
            report.as_json = true;
        } else if (!options_done && strcmp(argument, "--brief") == 0) {
            report.brief = true;
        } else if (!options_done && strncmp(argument, "--fail-on", 9) == 0 &&
                   (argument[9] == '\0' || argument[9] == '=')) {
            const char *value = argument[9] == '=' ? argument + 10 : (i + 1 < argc ? argv[++i] : NULL);
            if (value == NULL) {
                fprintf(stderr, "kssim lint: --fail-on needs a value: note, warning or error\n%s", lint_usage);
                status = KSSIM_EXIT_USAGE;
            } else if (!read_fail_on(value, &report)) {
                status = KSSIM_EXIT_USAGE;
            }
        } else if (!options_done && argument[0] == '-' && argument[1] != '\0') {
            fprintf(
                stderr,
                "kssim lint: %s is not an option for scenario files (--json, --brief, --fail-on LEVEL); intents are "
                "written in the file as `# lint-intent: ALIAS INTENTS`\n%s",
                argument, lint_usage);
            status = KSSIM_EXIT_USAGE;
        } else {
            paths[path_count++] = argument;
        }
    }
    scenario_path_list files = {0};
    if (status == KSSIM_EXIT_SUCCESS && !scenario_paths_collect(paths, path_count, &files, stderr))
        status = KSSIM_EXIT_USAGE;
    if (status == KSSIM_EXIT_SUCCESS) {
        start_report(&report);
        size_t not_linted = 0;
        for (size_t i = 0; i < files.count; i++)
            if (!lint_file(files.paths[i], &report))
                not_linted++;
        int findings_status = finish_report(&report);
        /* The findings printed are only those of the files that could be read: say so, and exit 2. */
        if (not_linted > 0)
            fprintf(stderr, "kssim lint: %zu of %zu file%s not linted (the errors above): fix them and lint again\n",
                    not_linted, files.count, files.count == 1 ? "" : "s");
        status = not_linted == 0 ? findings_status : KSSIM_EXIT_USAGE;
    }
    scenario_paths_free(&files);
    free(paths);
    return status;
}

/* ---- Which of the three ---- */

static bool names_scenarios(const char *argument)
{
    size_t n = strlen(argument);
    if ((n > 5 && strcmp(argument + n - 5, ".yaml") == 0) || (n > 4 && strcmp(argument + n - 4, ".yml") == 0))
        return true;
    struct stat info;
    return stat(argument, &info) == 0 && S_ISDIR(info.st_mode);
}

/* An option of the ALIAS form whose value follows it: that value is no path. */
static bool takes_value(const char *option)
{
    return strcmp(option, "--fail-on") == 0 || strcmp(option, "--intent") == 0 || strcmp(option, "--alias") == 0 ||
           strcmp(option, "--device") == 0;
}

static int lint_main(int argc, char **argv)
{
    bool key_spec = false, files = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(lint_usage, stdout);
            fputs(lint_help, stdout);
            return KSSIM_EXIT_SUCCESS;
        }
        if (strcmp(argv[i], "--key-spec") == 0)
            key_spec = true;
        else if (argv[i][0] != '-' && (i == 1 || !takes_value(argv[i - 1])) && names_scenarios(argv[i]))
            files = true;
    }
    if (argc < 2) {
        fprintf(stderr, "kssim lint: name a key (ALIAS), --key-spec with generate-key options, or scenario files\n%s",
                lint_usage);
        return KSSIM_EXIT_USAGE;
    }
    /* --key-spec's own options take values that could look like paths; it decides first. */
    if (key_spec)
        return cli_command_main(&lint_key_spec_command, argc, argv);
    if (files)
        return lint_files(argc, argv);
    return cli_command_main(&lint_alias_command, argc, argv);
}

const cli_command command_lint = {
    .name = "lint",
    .group = GROUP_LINT,
    .synopsis = "ALIAS | --key-spec [generate-key options] | FILE.yaml|DIR... [--json] [--fail-on LEVEL]",
    .summary = "name a key's weak settings (finding IDs, reason, what instead, source): docs/lint.md",
    .description = "See kssim lint --help.",
    .run_arguments = lint_main,
};
