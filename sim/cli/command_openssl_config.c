/*
 * command_openssl_config.c - `kssim openssl-config [--no-device]`: prints a ready openssl.cnf for this
 * installation (issue 16), so that `OPENSSL_CONF=FILE openssl ...` reaches the device's keys with no
 * -provider flags while software keys keep working.
 *
 * The default provider is activated first and default_properties prefers it, so software key generation,
 * software signatures and TLS key shares stay in the default provider; device keys are reached through
 * keystore:ALIAS URIs and key-reference files (the store loader and decoder are keystore's alone), and a
 * device key is generated with -propquery '?provider=keystore'. The module line names the keystore.so
 * that belongs to the running kssim: the build directory's when kssim runs from it, else the installed one
 * found from the binary's own place, so a `cmake --install --prefix DIR` anywhere prints the right path.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "kssim_version.h"

#ifndef KSSIM_INSTALL_BINDIR
#define KSSIM_INSTALL_BINDIR "bin"
#endif
#ifndef KSSIM_MODULESDIR_IN_PREFIX
#define KSSIM_MODULESDIR_IN_PREFIX "lib/ossl-modules"
#endif
#ifndef KSSIM_INSTALLED_MODULESDIR
#define KSSIM_INSTALLED_MODULESDIR "/usr/local/lib/ossl-modules"
#endif

#define MODULE_CANDIDATES 3

static bool file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The directory of the running kssim (from /proc/self/exe), "" when it cannot be read. */
static void own_directory(char *out, size_t size)
{
    out[0] = '\0';
    char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (length <= 0)
        return;
    exe[length] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return;
    *slash = '\0';
    snprintf(out, size, "%s", exe);
}

/* The places keystore.so may be, most specific first: next to kssim (the build directory), the modules
 * directory under the prefix kssim is installed in (PREFIX/bin/kssim), the configured absolute one. */
static size_t module_candidates(char candidates[MODULE_CANDIDATES][PATH_MAX])
{
    size_t count = 0;
    char directory[PATH_MAX];
    own_directory(directory, sizeof(directory));
    if (directory[0] != '\0') {
        snprintf(candidates[count++], PATH_MAX, "%s/keystore.so", directory);
        size_t length = strlen(directory), bindir_length = strlen("/" KSSIM_INSTALL_BINDIR);
        if (KSSIM_MODULESDIR_IN_PREFIX[0] != '/' && length > bindir_length &&
            strcmp(directory + length - bindir_length, "/" KSSIM_INSTALL_BINDIR) == 0) {
            directory[length - bindir_length] = '\0';
            snprintf(candidates[count++], PATH_MAX, "%s/%s/keystore.so", directory, KSSIM_MODULESDIR_IN_PREFIX);
        }
    }
    snprintf(candidates[count++], PATH_MAX, "%s/keystore.so", KSSIM_INSTALLED_MODULESDIR);
    return count;
}

/* An absolute form of a device location, so the printed file means the same from any directory. */
static void absolute_location(const char *location, char *out, size_t size)
{
    char cwd[PATH_MAX];
    if (location[0] == '/' || strncmp(location, "memory:", 7) == 0 || getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(out, size, "%s", location);
    else
        snprintf(out, size, "%s/%s", cwd, location);
}

static int run_openssl_config(const cli_command *command, const cli_args *args)
{
    (void)command;
    char candidates[MODULE_CANDIDATES][PATH_MAX];
    size_t count = module_candidates(candidates);
    const char *module = NULL;
    for (size_t i = 0; i < count && module == NULL; i++)
        if (file_exists(candidates[i]))
            module = candidates[i];
    if (module == NULL) {
        char sentence[4 * PATH_MAX];
        int used = snprintf(sentence, sizeof(sentence), "the provider module keystore.so is in none of");
        for (size_t i = 0; i < count && used > 0 && (size_t)used < sizeof(sentence); i++)
            used +=
                snprintf(sentence + used, sizeof(sentence) - (size_t)used, "%s %s", i == 0 ? "" : ",", candidates[i]);
        if (used > 0 && (size_t)used < sizeof(sentence))
            snprintf(sentence + used, sizeof(sentence) - (size_t)used,
                     ": install it with kssim (cmake --install build) or run the kssim of the build directory");
        return cli_report_refusal(KSSIM_SYSTEM_ERROR, sentence);
    }

    char location[CLI_LOCATION_MAX], shown[CLI_LOCATION_MAX + PATH_MAX];
    bool with_device = !cli_has(args, "--no-device");
    if (with_device) {
        int status = cli_locate_device(args, location, sizeof(location));
        if (status != KSSIM_EXIT_SUCCESS)
            return status;
        absolute_location(location, shown, sizeof(shown));
    }

    printf(
        "# openssl.cnf for kssim %s, printed by `kssim openssl-config`.\n"
        "# Use: OPENSSL_CONF=this-file openssl ...  Check it loaded: openssl list -providers (keystore, kssim %s).\n"
        "# default is activated first and preferred, so software keys, software key generation and TLS key\n"
        "# shares stay in it; device keys are keystore:ALIAS (or their key-reference PEM files), and a device\n"
        "# key is generated with: openssl genpkey -propquery '?provider=keystore' -algorithm EC -pkeyopt alias:NAME\n"
        "openssl_conf = openssl_init\n\n"
        "[openssl_init]\n"
        "providers = provider_sect\n"
        "alg_section = algorithm_sect\n\n"
        "[provider_sect]\n"
        "default = default_sect\n"
        "keystore = keystore_sect\n\n"
        "[default_sect]\n"
        "activate = 1\n\n"
        "[keystore_sect]\n"
        "module = %s\n",
        KSSIM_VERSION_STRING, KSSIM_VERSION_STRING, module);
    if (with_device) {
        printf("# The device (KSSIM_DEVICE, when set, still takes precedence over this line).\n");
        if (strncmp(shown, "memory:", 7) == 0)
            printf("# memory: gives every process that loads this file a new phone of its own; name a directory to\n"
                   "# share one phone between openssl commands and kssim.\n");
        printf("device = %s\n", shown);
    }
    printf("activate = 1\n\n"
           "[algorithm_sect]\n"
           "default_properties = ?provider=default\n");
    return KSSIM_EXIT_SUCCESS;
}

static const cli_option openssl_config_options[] = {
    {"--no-device", NULL,
     "leave out the device line, so each user's KSSIM_DEVICE or default device applies (a system-wide file)", false},
};

const cli_command command_openssl_config = {
    .name = "openssl-config",
    .group = "Device",
    .synopsis = "[--no-device]",
    .summary = "print a ready openssl.cnf that loads the keystore provider of this installation",
    .description =
        "Prints an openssl.cnf: the default provider first and preferred (default_properties = ?provider=default),\n"
        "then keystore with the module path of this installation (the build directory's keystore.so for\n"
        "build/kssim, PREFIX/lib/.../ossl-modules/keystore.so for PREFIX/bin/kssim) and the device this kssim uses\n"
        "(--device, KSSIM_DEVICE, the default). With OPENSSL_CONF=FILE, openssl needs no -provider flags: device\n"
        "keys are keystore:ALIAS, software keys work as before. Check it loaded: openssl list -providers.\n"
        "Needs no device and creates none. docs/openssl.md, section openssl.cnf.",
    .android = NULL,
    .options = openssl_config_options,
    .option_count = sizeof(openssl_config_options) / sizeof(openssl_config_options[0]),
    .run = run_openssl_config,
};
