/*
 * cli_options.c - reading a device command's arguments against its cli_command description, and the
 * help and usage messages built from that same description.
 */
#include "cli/cli_options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner/scenario_suggest.h"

static const char *global_device;

static const char device_help[] =
    "the device directory, or memory: (default: $KSSIM_DEVICE, else ~/.local/state/kssim/device)";

void cli_set_global_device(const char *location)
{
    global_device = location;
}

bool cli_device_value_ok(const char *value, bool joined, const char *earlier, char *why, size_t why_size)
{
    /* Two devices on one line: which one the user meant is anyone's guess. */
    if (earlier != NULL)
        snprintf(why, why_size, "--device is given twice ('%s' and another); give it once", earlier);
    /* An empty device is no way to say "the default one" (init --force would wipe it). */
    else if (value != NULL && value[0] == '\0')
        snprintf(why, why_size,
                 "%s is empty: name a device directory or memory:, or leave --device out to use $KSSIM_DEVICE or "
                 "the per-user default device",
                 joined ? "--device=" : "--device \"\"");
    else
        return true;
    return false;
}

static long option_index(const cli_command *command, const char *name, size_t name_length)
{
    for (size_t i = 0; i < command->option_count; i++)
        if (strlen(command->options[i].name) == name_length &&
            strncmp(command->options[i].name, name, name_length) == 0)
            return (long)i;
    return -1;
}

const char *cli_get(const cli_args *args, const char *name)
{
    long index = option_index(args->command, name, strlen(name));
    return index >= 0 ? args->values[index] : NULL;
}

bool cli_has(const cli_args *args, const char *name)
{
    return cli_get(args, name) != NULL;
}

static void print_usage_line(const cli_command *command, FILE *stream)
{
    fprintf(stream, "usage: kssim %s%s%s\n", command->name, command->synopsis[0] != '\0' ? " " : "", command->synopsis);
}

int cli_usage_error(const cli_command *command, const char *format, ...)
{
    va_list arguments;
    fprintf(stderr, "kssim %s: ", command->name);
    va_start(arguments, format);
    vfprintf(stderr, format, arguments);
    va_end(arguments);
    fputc('\n', stderr);
    print_usage_line(command, stderr);
    fprintf(stderr, "(kssim %s --help describes every option)\n", command->name);
    return KSSIM_EXIT_USAGE;
}

/* "--type TYPE" or "--force": an option as help and usage lines show it. */
static int option_label(const cli_option *option, char *out, size_t out_size)
{
    return snprintf(out, out_size, "%s%s%s", option->name, option->value != NULL ? " " : "",
                    option->value != NULL ? option->value : "");
}

/* Help columns: labels up to LABEL_WIDTH_MAX wide share a line with their text; longer ones put it on the
 * next line. Text wraps at LINE_WIDTH so help reads in an ordinary terminal. */
#define LABEL_WIDTH_MAX 24
#define LINE_WIDTH      110

static void print_wrapped(FILE *stream, const char *text, int indent, int column)
{
    while (*text != '\0') {
        int room = LINE_WIDTH - column;
        int length = (int)strlen(text);
        int cut = length;
        if (length > room) {
            cut = room;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = length;
        }
        fprintf(stream, "%.*s\n", cut, text);
        text += cut;
        while (*text == ' ')
            text++;
        if (*text != '\0') {
            fprintf(stream, "%*s", indent, "");
            column = indent;
        }
    }
}

static void print_option_line(FILE *stream, const char *label, const char *help, int width)
{
    int indent = 2 + width + 2;
    if ((int)strlen(label) > width)
        fprintf(stream, "  %s\n%*s", label, indent, "");
    else
        fprintf(stream, "  %-*s  ", width, label);
    print_wrapped(stream, help, indent, indent);
}

void cli_print_help(const cli_command *command, FILE *stream)
{
    char label[96], help[512];
    int width = (int)strlen("--device DIR");
    for (size_t i = 0; i < command->option_count; i++) {
        int length = option_label(&command->options[i], label, sizeof(label));
        if (length > width && length <= LABEL_WIDTH_MAX)
            width = length;
    }
    print_usage_line(command, stream);
    fprintf(stream, "\n%s\n", command->description);
    fputs("\noptions:\n", stream);
    for (size_t i = 0; i < command->option_count; i++) {
        option_label(&command->options[i], label, sizeof(label));
        snprintf(help, sizeof(help), "%s%s", command->options[i].help,
                 command->options[i].required ? " (required)" : "");
        print_option_line(stream, label, help, width);
    }
    print_option_line(stream, "--device DIR", device_help, width);
    print_option_line(stream, "--help", "show this help", width);
    if (command->android != NULL)
        fprintf(stream, "\nOn Android: %s\n", command->android);
    fputs("\nExit status: 0 done; 1 the device refused (its RESULT (CODE) and the reason on stderr); 2 the\n"
          "command line is wrong.\n",
          stream);
}

void cli_print_unknown_word(FILE *stream, const char *what, const char *list, const char *name,
                            const char *const *candidates, size_t count)
{
    const char *suggestion = scenario_suggest(name, candidates, count);
    fprintf(stream, "unknown %s '%s'", what, name);
    if (suggestion != NULL)
        fprintf(stream, "; did you mean '%s'?", suggestion);
    fprintf(stream, " %s:", list);
    for (size_t i = 0; i < count; i++)
        fprintf(stream, " %s", candidates[i]);
}

/* "unknown option" with the nearest real one and the whole list (cli_print_unknown_word). */
static int unknown_option(const cli_command *command, const char *argument, size_t name_length)
{
    const char *candidates[CLI_OPTIONS_MAX + 2];
    char name[64];
    size_t count = 0;
    for (size_t i = 0; i < command->option_count; i++)
        candidates[count++] = command->options[i].name;
    candidates[count++] = "--device";
    candidates[count++] = "--help";
    snprintf(name, sizeof(name), "%.*s", (int)(name_length < sizeof(name) ? name_length : sizeof(name) - 1), argument);
    fprintf(stderr, "kssim %s: ", command->name);
    cli_print_unknown_word(stderr, "option", "options", name, candidates, count);
    fputc('\n', stderr);
    print_usage_line(command, stderr);
    fprintf(stderr, "(kssim %s --help describes every option)\n", command->name);
    return KSSIM_EXIT_USAGE;
}

static bool is_help(const char *argument)
{
    return strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0;
}

/* An operand word that is really an option written without its dashes ("type pin") gets a hint. */
static int unexpected_operand(const cli_command *command, const char *argument)
{
    if (command->operand == NULL) {
        char dashed[80];
        snprintf(dashed, sizeof(dashed), "--%s", argument);
        if (option_index(command, dashed, strlen(dashed)) >= 0)
            return cli_usage_error(command, "unexpected argument '%s'; options are written with dashes: %s", argument,
                                   dashed);
        return cli_usage_error(command, "unexpected argument '%s': this command takes only options", argument);
    }
    return cli_usage_error(command, "unexpected argument '%s': this command takes one %s", argument, command->operand);
}

/* Reads one --name or --name=value at argv[*index] into args. */
static int read_option(const cli_command *command, int argc, char **argv, int *index, cli_args *args)
{
    const char *argument = argv[*index];
    const char *equals = strchr(argument, '=');
    size_t name_length = equals != NULL ? (size_t)(equals - argument) : strlen(argument);
    const char **slot;
    const cli_option *option = NULL;
    bool is_device = name_length == strlen("--device") && strncmp(argument, "--device", name_length) == 0;
    char why[CLI_LOCATION_SHOWN_MAX];
    if (is_device) {
        slot = &args->device;
        if (!cli_device_value_ok(NULL, equals != NULL, *slot, why, sizeof(why)))
            return cli_usage_error(command, "%s", why);
    } else {
        long found = option_index(command, argument, name_length);
        if (found < 0)
            return unknown_option(command, argument, name_length);
        option = &command->options[found];
        slot = &args->values[found];
        if (*slot != NULL)
            return cli_usage_error(command, "%s is given twice; give it once", option->name);
    }
    bool takes_value = is_device || option->value != NULL;
    if (!takes_value) {
        if (equals != NULL)
            return cli_usage_error(command, "%s is a flag and takes no value (got '%s')", option->name, equals + 1);
        *slot = "";
        return KSSIM_EXIT_SUCCESS;
    }
    if (equals != NULL) {
        *slot = equals + 1;
    } else if (*index + 1 < argc) {
        *slot = argv[++*index];
    } else {
        return cli_usage_error(command, "%.*s needs a value: %.*s %s", (int)name_length, argument, (int)name_length,
                               argument, is_device ? "DIR" : option->value);
    }
    if (is_device && !cli_device_value_ok(*slot, equals != NULL, NULL, why, sizeof(why)))
        return cli_usage_error(command, "%s", why);
    return KSSIM_EXIT_SUCCESS;
}

/* The operand joins its option spelling; then every required argument must be there. */
static int check_complete(const cli_command *command, cli_args *args)
{
    if (command->operand_option != NULL) {
        long index = option_index(command, command->operand_option, strlen(command->operand_option));
        if (args->operand != NULL && args->values[index] != NULL)
            return cli_usage_error(command, "%s is given twice (as '%s' and as %s '%s'); give it once",
                                   command->operand, args->operand, command->operand_option, args->values[index]);
        if (args->operand != NULL)
            args->values[index] = args->operand;
        if (command->operand_required && args->values[index] == NULL)
            return cli_usage_error(command, "no %s given: write it after the command (or as %s %s)", command->operand,
                                   command->operand_option, command->operand);
    } else if (command->operand_required && args->operand == NULL) {
        return cli_usage_error(command, "no %s given: write it after the command", command->operand);
    }
    for (size_t i = 0; i < command->option_count; i++)
        if (command->options[i].required && args->values[i] == NULL)
            return cli_usage_error(command, "%s is required: %s %s", command->options[i].name, command->options[i].name,
                                   command->options[i].value);
    return KSSIM_EXIT_SUCCESS;
}

int cli_command_main(const cli_command *command, int argc, char **argv)
{
    if (command->run_arguments != NULL)
        return command->run_arguments(argc, argv);
    /* args.values has room for CLI_OPTIONS_MAX options; a longer table is a mistake in this program. */
    if (command->option_count > CLI_OPTIONS_MAX) {
        fprintf(stderr, "kssim %s: this command declares %zu options, more than the %d kssim can hold\n", command->name,
                command->option_count, CLI_OPTIONS_MAX);
        return KSSIM_EXIT_USAGE;
    }
    /* Help wins over every mistake on the same line: whoever asks for it is working one out. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (is_help(argv[i])) {
            cli_print_help(command, stdout);
            return KSSIM_EXIT_SUCCESS;
        }
    cli_args args;
    memset(&args, 0, sizeof(args));
    args.command = command;
    args.device = global_device;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        int status = KSSIM_EXIT_SUCCESS;
        const char *argument = argv[i];
        if (!options_done && strcmp(argument, "--") == 0)
            options_done = true;
        else if (!options_done && argument[0] == '-' && argument[1] != '\0')
            status = read_option(command, argc, argv, &i, &args);
        else if (command->operand == NULL || args.operand != NULL)
            status = unexpected_operand(command, argument);
        else
            args.operand = argument;
        if (status != KSSIM_EXIT_SUCCESS)
            return status;
    }
    int status = check_complete(command, &args);
    if (status != KSSIM_EXIT_SUCCESS)
        return status;
    return command->run(command, &args);
}
