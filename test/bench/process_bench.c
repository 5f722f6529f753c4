/*
 * process_bench.c - what a command costs as a whole process, from its start to its exit (issue #6;
 * docs/performance.md): `kssim` device commands, and `openssl pkeyutl -sign` with a device key against
 * the same command with a PEM key of the default provider.
 *
 * The commands run interleaved: every round runs each command once, in an order that rotates from one
 * round to the next, and each command's figure is the median of its rounds, so a burst of load on the
 * machine falls on all of them. Every command must exit 0 (a failing command is not a measurement).
 *
 * The openssl rows, per algorithm (ECDSA P-256 / SHA-256, RSA-2048 PSS / SHA-256, Ed25519), signing a
 * 64-byte file with -rawin:
 *   pem             -inkey KEY.pem, the default provider only: what a test suite does without kssim
 *   pem + keystore  the same, with the keystore provider loaded too (its loading cost alone)
 *   keystore:ALIAS  the device key by URI
 *   key reference   the device key by the KSSIM KEY REFERENCE file genpkey wrote
 * The ratio column is against `pem` of the same algorithm. The CPU columns are the same from the child's
 * user and system time (wait4's rusage), which other programs on a loaded machine disturb less.
 *
 * A device that grows (issue 17): `kssim sign` and `openssl pkeyutl -sign` with keystore:ALIAS on a
 * device directory holding the signing key alone, and on one holding N other keys too (bench_fill.h;
 * --keys N, 10000 by default); the ratio is against the 1-key row (group `grown`).
 *
 * Usage: process_bench [--rounds R] [--keys N] [--scenarios PATH] [--only GROUP] BUILD_DIR SOURCE_DIR
 *   --scenarios PATH: what the `kssim run` row runs (default SOURCE_DIR/scenarios, the whole library)
 *   --only GROUP: only one group of rows: kssim, ec, rsa or ed (more rounds in the same time)
 */
/* realpath() is an X/Open function. */
#define _XOPEN_SOURCE 700

#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_fill.h"

static const char usage[] =
    "usage: process_bench [--rounds R] [--keys N] [--scenarios PATH] [--only kssim|ec|rsa|ed|grown] BUILD_DIR "
    "SOURCE_DIR\n";

extern char **environ;

#define ARGS_MAX 40

typedef struct command {
    const char *label;
    const char *group;    /* rows of a group are compared with its first row */
    char *argv[ARGS_MAX]; /* owned copies */
    double *times, *cpu_times;
    double median, cpu_median;
    double goal; /* the largest CPU-time ratio the row may have (0: no goal) */
} command;

static char temporary[] = "/tmp/kssim-process-bench-XXXXXX";
static char build[PATH_MAX], source[PATH_MAX], scenarios[PATH_MAX + 16];

/* Runs argv with stdout and stderr discarded (or shown when verbose, for set-up failures); returns
 * its wall time, from spawning to reaping, in seconds, and sets *cpu_seconds (if not NULL) to the
 * child's user and system time. Exits if it fails. */
static double children_cpu_seconds(void)
{
    struct rusage usage;
    CHECK(getrusage(RUSAGE_CHILDREN, &usage) == 0);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_stime.tv_sec +
           ((double)usage.ru_utime.tv_usec + (double)usage.ru_stime.tv_usec) * 1e-6;
}

static double run_timed(char *const argv[], bool show_output, double *cpu_seconds)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!show_output) {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    double started = bench_now();
    pid_t pid;
    int status = 0;
    CHECK(posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ) == 0);
    /* Children are reaped one at a time, so the growth of RUSAGE_CHILDREN is this child's (POSIX has no
     * wait4). */
    double cpu_before = children_cpu_seconds();
    CHECK(waitpid(pid, &status, 0) == pid);
    double seconds = bench_now() - started;
    if (cpu_seconds != NULL)
        *cpu_seconds = children_cpu_seconds() - cpu_before;
    posix_spawn_file_actions_destroy(&actions);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "command failed:");
        for (size_t i = 0; argv[i] != NULL; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
        if (!show_output)
            run_timed(argv, true, NULL);
        exit(1);
    }
    return seconds;
}

static double run(char *const argv[], bool show_output)
{
    return run_timed(argv, show_output, NULL);
}

/* Builds an argv from a NULL-terminated list of words, where "%T" stands for the temporary directory,
 * "%B" for the build directory and "%L" for the scenarios `kssim run` runs. */
static void make_argv(char *argv[ARGS_MAX], const char *const words[])
{
    size_t n = 0;
    for (; words[n] != NULL; n++) {
        CHECK(n + 1 < ARGS_MAX);
        char text[8192];
        const char *w = words[n];
        size_t len = 0;
        while (*w != '\0' && len + 1 < sizeof(text)) {
            if (w[0] == '%' && (w[1] == 'T' || w[1] == 'B' || w[1] == 'L')) {
                const char *with = w[1] == 'T' ? temporary : w[1] == 'B' ? build : scenarios;
                len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", with);
                w += 2;
            } else {
                text[len++] = *w++;
            }
        }
        text[len] = '\0';
        argv[n] = strdup(text);
        CHECK(argv[n] != NULL);
    }
    argv[n] = NULL;
}

static void setup_command(const char *const words[])
{
    char *argv[ARGS_MAX];
    make_argv(argv, words);
    run(argv, false);
    for (size_t i = 0; argv[i] != NULL; i++)
        free(argv[i]);
}

#define PROVIDER_FLAGS "-provider-path", "%B", "-provider", "keystore", "-provider", "default"

#define COMMANDS_MAX 32
static command commands[COMMANDS_MAX];
static size_t command_count;
static const char *only_group; /* NULL: every group */

static command *last_added; /* the row the last add_command made; NULL when --only left it out */

static void add_command(const char *label, const char *group, const char *const words[])
{
    last_added = NULL;
    if (only_group != NULL && strncmp(group, only_group, strlen(only_group)) != 0) /* "grown": both grown groups */
        return;
    CHECK(command_count < COMMANDS_MAX);
    command *c = &commands[command_count++];
    c->label = label;
    c->group = group;
    c->goal = 0;
    make_argv(c->argv, words);
    last_added = c;
}

/* The goal of the row added last (issue 17): a device key's `pkeyutl -sign` <= 1.25x the PEM key's, and
 * a process on a 10001-key device "the same cost" as on a 1-key one, read as <= 1.10x (the noise of one
 * run of interleaved processes on a quiet machine). */
#define DEVICE_KEY_PROCESS_GOAL   1.25
#define GROWN_DEVICE_PROCESS_GOAL 1.10
static void set_goal(double goal)
{
    if (last_added != NULL)
        last_added->goal = goal;
}

static size_t grown_keys = 10000;
static char grown_label[4][64];

static void remove_temporary(void)
{
    char *argv[] = {"rm", "-rf", temporary, NULL};
    run(argv, false);
}

/* The keys: PEM files of the default provider, and device keys made through the provider. */
static void make_keys(void)
{
    setup_command((const char *const[]){"%B/kssim", "init", "--seed", "7", NULL});
    setup_command((const char *const[]){"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                        "-out", "%T/ec.pem", NULL});
    setup_command((const char *const[]){"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                                        "-out", "%T/rsa.pem", NULL});
    setup_command((const char *const[]){"openssl", "genpkey", "-algorithm", "ED25519", "-out", "%T/ed.pem", NULL});
    setup_command((const char *const[]){"openssl", "genpkey", PROVIDER_FLAGS, "-propquery", "?provider=keystore",
                                        "-algorithm", "EC", "-pkeyopt", "group:P-256", "-pkeyopt", "alias:ec", "-out",
                                        "%T/ec.ref", NULL});
    setup_command((const char *const[]){"openssl", "genpkey", PROVIDER_FLAGS, "-propquery", "?provider=keystore",
                                        "-algorithm", "RSA", "-pkeyopt", "bits:2048", "-pkeyopt", "alias:rsa", "-out",
                                        "%T/rsa.ref", NULL});
    setup_command((const char *const[]){"openssl", "genpkey", PROVIDER_FLAGS, "-propquery", "?provider=keystore",
                                        "-algorithm", "ED25519", "-pkeyopt", "alias:ed", "-out", "%T/ed.ref", NULL});
    /* The grown devices: the signing key "ec" alone, and after grown_keys others. */
    char grown[sizeof(temporary) + 16];
    snprintf(grown, sizeof(grown), "%s/many", temporary);
    bench_fill_location(grown, grown_keys);
    setup_command((const char *const[]){"%B/kssim", "--device", "%T/one", "init", "--seed", "7", NULL});
    setup_command((const char *const[]){"%B/kssim", "--device", "%T/one", "generate-key", "ec", NULL});
    setup_command((const char *const[]){"%B/kssim", "--device", "%T/many", "generate-key", "ec", NULL});
    char path[sizeof(temporary) + 16];
    snprintf(path, sizeof(path), "%s/data", temporary);
    FILE *data = fopen(path, "w");
    CHECK(data != NULL);
    fputs("kssim process benchmark: 64 bytes of data to sign, every time...\n", data);
    fclose(data);
}

#define SIGN_WORDS(...) "openssl", "pkeyutl", __VA_ARGS__, "-sign", "-rawin", "-in", "%T/data", "-out", "%T/sig"
#define PSS             "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"

static void add_commands(void)
{
    add_command("kssim status", "kssim", (const char *const[]){"%B/kssim", "status", NULL});
    add_command("kssim sign (ec)", "kssim", (const char *const[]){"%B/kssim", "sign", "ec", "--data", "hi", NULL});
    add_command("kssim keys", "kssim", (const char *const[]){"%B/kssim", "keys", NULL});
    add_command("kssim run SCENARIOS", "kssim", (const char *const[]){"%B/kssim", "run", "%L", NULL});

    add_command("ECDSA pem", "ec", (const char *const[]){SIGN_WORDS("-inkey", "%T/ec.pem", "-digest", "sha256"), NULL});
    add_command("ECDSA pem + keystore", "ec",
                (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "%T/ec.pem", "-digest", "sha256"), NULL});
    add_command("ECDSA keystore:ALIAS", "ec",
                (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "keystore:ec", "-digest", "sha256"), NULL});
    set_goal(DEVICE_KEY_PROCESS_GOAL);
    add_command("ECDSA key reference", "ec",
                (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "%T/ec.ref", "-digest", "sha256"), NULL});
    set_goal(DEVICE_KEY_PROCESS_GOAL);

    add_command("RSA-PSS pem", "rsa",
                (const char *const[]){SIGN_WORDS("-inkey", "%T/rsa.pem", "-digest", "sha256", PSS), NULL});
    add_command(
        "RSA-PSS pem + keystore", "rsa",
        (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "%T/rsa.pem", "-digest", "sha256", PSS), NULL});
    add_command(
        "RSA-PSS keystore:ALIAS", "rsa",
        (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "keystore:rsa", "-digest", "sha256", PSS), NULL});
    set_goal(DEVICE_KEY_PROCESS_GOAL);
    add_command(
        "RSA-PSS key reference", "rsa",
        (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "%T/rsa.ref", "-digest", "sha256", PSS), NULL});
    set_goal(DEVICE_KEY_PROCESS_GOAL);

    add_command("Ed25519 pem", "ed", (const char *const[]){SIGN_WORDS("-inkey", "%T/ed.pem"), NULL});
    add_command("Ed25519 pem + keystore", "ed",
                (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "%T/ed.pem"), NULL});
    add_command("Ed25519 keystore:ALIAS", "ed",
                (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "keystore:ed"), NULL});
    set_goal(DEVICE_KEY_PROCESS_GOAL);
    add_command("Ed25519 key reference", "ed",
                (const char *const[]){SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "%T/ed.ref"), NULL});
    set_goal(DEVICE_KEY_PROCESS_GOAL);

    snprintf(grown_label[0], sizeof(grown_label[0]), "kssim sign, 1 key");
    snprintf(grown_label[1], sizeof(grown_label[1]), "kssim sign, %zu keys", grown_keys + 1);
    snprintf(grown_label[2], sizeof(grown_label[2]), "pkeyutl by URI, 1 key");
    snprintf(grown_label[3], sizeof(grown_label[3]), "pkeyutl by URI, %zu keys", grown_keys + 1);
    add_command(grown_label[0], "grown sign",
                (const char *const[]){"%B/kssim", "--device", "%T/one", "sign", "ec", "--data", "hi", NULL});
    add_command(grown_label[1], "grown sign",
                (const char *const[]){"%B/kssim", "--device", "%T/many", "sign", "ec", "--data", "hi", NULL});
    set_goal(GROWN_DEVICE_PROCESS_GOAL);
    add_command(grown_label[2], "grown pkeyutl",
                (const char *const[]){"env", "KSSIM_DEVICE=%T/one",
                                      SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "keystore:ec", "-digest", "sha256"), NULL});
    add_command(grown_label[3], "grown pkeyutl",
                (const char *const[]){"env", "KSSIM_DEVICE=%T/many",
                                      SIGN_WORDS(PROVIDER_FLAGS, "-inkey", "keystore:ec", "-digest", "sha256"), NULL});
    set_goal(GROWN_DEVICE_PROCESS_GOAL);
}

int main(int argc, char **argv)
{
    long rounds = 31;
    const char *scenario_path = NULL;
    const char *positional[2] = {NULL, NULL};
    size_t positional_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = bench_positive_number(argv[++i], usage);
        else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
            grown_keys = (size_t)bench_positive_number(argv[++i], usage);
        else if (strcmp(argv[i], "--scenarios") == 0 && i + 1 < argc)
            scenario_path = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only_group = argv[++i];
        else if (argv[i][0] != '-' && positional_count < 2)
            positional[positional_count++] = argv[i];
        else
            return fprintf(stderr, "%s", usage), 2;
    }
    if (positional_count != 2)
        return fprintf(stderr, "%s", usage), 2;
    CHECK(realpath(positional[0], build) != NULL && realpath(positional[1], source) != NULL);
    if (scenario_path != NULL)
        CHECK(realpath(scenario_path, scenarios) != NULL);
    else
        snprintf(scenarios, sizeof(scenarios), "%s/scenarios", source);
    CHECK(mkdtemp(temporary) != NULL);
    atexit(remove_temporary);
    char device[sizeof(temporary) + 16];
    snprintf(device, sizeof(device), "%s/device", temporary);
    CHECK(setenv("KSSIM_DEVICE", device, 1) == 0);
    CHECK(setenv("OPENSSL_MODULES", build, 1) == 0);
    make_keys();
    add_commands();
    if (command_count == 0)
        return fprintf(stderr, "%s", usage), 2;

    for (size_t c = 0; c < command_count; c++) {
        commands[c].times = calloc((size_t)rounds, sizeof(double));
        commands[c].cpu_times = calloc((size_t)rounds, sizeof(double));
        CHECK(commands[c].times != NULL && commands[c].cpu_times != NULL);
        run(commands[c].argv, false); /* warm the page cache */
    }
    for (long r = 0; r < rounds; r++)
        for (size_t k = 0; k < command_count; k++) {
            size_t c = (k + (size_t)r) % command_count;
            commands[c].times[r] = run_timed(commands[c].argv, false, &commands[c].cpu_times[r]);
        }

    printf("processes: median wall time from spawn to exit over %ld interleaved rounds; ratio = against the "
           "group's first row; goal ! = CPU ratio above the goal\n",
           rounds);
    printf("%-26s %10s %8s %10s %8s %6s\n", "command", "ms", "ratio", "cpu ms", "ratio", "goal");
    const command *first = NULL;
    for (size_t c = 0; c < command_count; c++) {
        commands[c].median = bench_median(commands[c].times, (size_t)rounds);
        commands[c].cpu_median = bench_median(commands[c].cpu_times, (size_t)rounds);
        if (first == NULL || strcmp(first->group, commands[c].group) != 0)
            first = &commands[c];
        if (strcmp(commands[c].group, "kssim") == 0)
            printf("%-26s %10.2f %8s %10.2f %8s\n", commands[c].label, commands[c].median * 1e3, "-",
                   commands[c].cpu_median * 1e3, "-");
        else {
            double cpu_ratio = commands[c].cpu_median / first->cpu_median;
            char goal[16] = "-";
            if (commands[c].goal > 0)
                snprintf(goal, sizeof(goal), "%.2f%s", commands[c].goal, cpu_ratio > commands[c].goal ? "!" : "");
            printf("%-26s %10.2f %7.2fx %10.2f %7.2fx %6s\n", commands[c].label, commands[c].median * 1e3,
                   commands[c].median / first->median, commands[c].cpu_median * 1e3, cpu_ratio, goal);
        }
    }
    for (size_t c = 0; c < command_count; c++) {
        for (size_t i = 0; commands[c].argv[i] != NULL; i++)
            free(commands[c].argv[i]);
        free(commands[c].times);
        free(commands[c].cpu_times);
    }
    return 0;
}
