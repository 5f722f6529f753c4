/*
 * device_open.c - the persistent device of include/kssim/kssim.h: which device, opening or creating it,
 * and the transaction around every command (kssim_device_begin / kssim_device_commit).
 *
 * A device in a directory is a phone many processes share, as keystore2's database is shared by every
 * app on a phone. Each command is one transaction of the store (sqlite_store.c): begin takes the write
 * lock and, if another process committed meanwhile, reloads the device from its image; the rules run on
 * the device in memory exactly as they do in a scenario; commit captures the device (device_image.c)
 * and stores what changed. A failure at commit puts the device back to the last committed image, so what
 * this process holds in memory is always what is on disk.
 *
 * A load reads the state row only. keystore2's key database reads a key row the first time a command
 * needs its alias, through the row source this file gives it (load_key_row, load_all_key_rows), and keeps
 * it while nobody else commits; a commit encodes and writes the rows changed since the last one (issue 17:
 * a command on a device of many keys costs what it costs on a device of one).
 *
 * Realtime devices: this is the one place outside the rules that reads the host's clocks. At begin the
 * device's boot clock is moved forward to the host's CLOCK_BOOTTIME minus the device's origin (the host
 * boot time its boot clock 0 stands for), through kssim_advance, so the rules see time pass exactly as
 * with `kssim advance`; the wall clock is set to the host's. At commit the origin is re-anchored so that
 * whatever the command did to the boot clock (a reboot restarting it at 0, an explicit advance) holds
 * from the host time the command began.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "store/device_image.h"
#include "store/rollback_protection.h"
#include "store/sqlite_store.h"

/* kssim_open_error: there is no device yet to hold the sentence of a failed open, so it lives here, one
 * per thread so that threads opening devices do not overwrite each other's. */
static _Thread_local char open_error[SIM_MESSAGE_MAX];

__attribute__((format(printf, 1, 2))) static void set_open_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(open_error, sizeof(open_error), fmt, ap);
    va_end(ap);
}

const char *kssim_open_error(void)
{
    return open_error;
}

void kssim_open_options_default(kssim_open_options *options)
{
    memset(options, 0, sizeof(*options));
    kssim_config_default(&options->config);
    options->create = true;
    options->replace = false;
}

/* ---- Which device ---- */

static bool is_set(const char *value)
{
    return value != NULL && value[0] != '\0';
}

/* An empty location is a mistake of whoever set it, never a way to name the default device: taken for
 * unset, `KSSIM_DEVICE= kssim init --force` would wipe the user's own phone. */
static kssim_result refuse_empty_location(const char *which)
{
    set_open_error("%s is empty: name a device directory (or memory:), or leave it unset for the next choice "
                   "(--device, then KSSIM_DEVICE, then the provider's device parameter, then the per-user default)",
                   which);
    return KSSIM_INVALID_ARGUMENT;
}

kssim_result kssim_device_location(const char *explicit_location, const char *provider_param, char *out,
                                   size_t out_size)
{
    open_error[0] = '\0';
    if (out_size > 0)
        out[0] = '\0';
    const char *environment = getenv("KSSIM_DEVICE");
    if (explicit_location != NULL && explicit_location[0] == '\0')
        return refuse_empty_location("the device given with --device");
    if (explicit_location == NULL && environment != NULL && environment[0] == '\0')
        return refuse_empty_location("the environment variable KSSIM_DEVICE");
    if (explicit_location == NULL && environment == NULL && provider_param != NULL && provider_param[0] == '\0')
        return refuse_empty_location("the provider's device parameter");
    const char *chosen = is_set(explicit_location) ? explicit_location
                         : is_set(environment)     ? environment
                         : is_set(provider_param)  ? provider_param
                                                   : NULL;
    int written;
    if (chosen != NULL) {
        written = snprintf(out, out_size, "%s", chosen);
    } else {
        /* The XDG Base Directory spec: state that should persist between runs but is not worth backing
         * up; a relative XDG_STATE_HOME is invalid and ignored. */
        const char *state_home = getenv("XDG_STATE_HOME");
        const char *home = getenv("HOME");
        if (is_set(state_home) && state_home[0] == '/') {
            written = snprintf(out, out_size, "%s/kssim/device", state_home);
        } else if (is_set(home)) {
            written = snprintf(out, out_size, "%s/.local/state/kssim/device", home);
        } else {
            set_open_error("neither XDG_STATE_HOME nor HOME is set, so there is no per-user default device: "
                           "choose one with --device DIR or KSSIM_DEVICE (memory: for a device of this process "
                           "only)");
            return KSSIM_DEVICE_UNAVAILABLE;
        }
    }
    if (written < 0 || (size_t)written >= out_size) {
        set_open_error("the device location is longer than %zu bytes: choose a shorter path with --device or "
                       "KSSIM_DEVICE",
                       out_size > 0 ? out_size - 1 : 0);
        if (out_size > 0)
            out[0] = '\0';
        return KSSIM_DEVICE_UNAVAILABLE;
    }
    return KSSIM_OK;
}

bool kssim_device_committed_within_command(const kssim_device *device)
{
    return device->committed_within_command;
}

const char *kssim_device_location_of(const kssim_device *device)
{
    return device->store != NULL ? sim_device_store_directory(device->store) : KSSIM_MEMORY_DEVICE;
}

/* ---- The host's clocks (realtime devices only) ---- */

#ifdef CLOCK_BOOTTIME
#define HOST_BOOT_CLOCK CLOCK_BOOTTIME /* counts suspended time too, as a phone's boot clock does */
#else
#define HOST_BOOT_CLOCK CLOCK_MONOTONIC
#endif

static bool read_host_clock(clockid_t clock, int64_t *ms)
{
    struct timespec now;
    if (clock_gettime(clock, &now) != 0)
        return false;
    *ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    return true;
}

static kssim_result read_host_clocks(sim_env *env, int64_t *host_boot_ms, int64_t *host_wall_ms)
{
    /* Both outputs are defined on every path, the refusal too, so no caller can read an unset clock. */
    *host_boot_ms = 0;
    *host_wall_ms = 0;
    if (!read_host_clock(HOST_BOOT_CLOCK, host_boot_ms) || !read_host_clock(CLOCK_REALTIME, host_wall_ms))
        return sim_refuse(env, KSSIM_SYSTEM_ERROR,
                          "cannot read the host's clocks for this realtime device: use a device with virtual clocks "
                          "(kssim init without --realtime)");
    return KSSIM_OK;
}

/* The origin that makes the device's boot clock device_boot_ms stand for the host's host_boot_ms. The
 * stored origin and boot clock are whatever the image holds (a boot clock advanced past INT64_MAX, a
 * damaged file), so the difference saturates instead of overflowing. */
static int64_t origin_for(int64_t host_boot_ms, uint64_t device_boot_ms)
{
    int64_t origin;
    if (device_boot_ms > (uint64_t)INT64_MAX || __builtin_sub_overflow(host_boot_ms, (int64_t)device_boot_ms, &origin))
        return INT64_MIN;
    return origin;
}

/* Brings a realtime device's clocks to the host's, at the start of a command. The boot clock only moves
 * forward: if the host's is behind the device's (the host rebooted, or the device was advanced beyond
 * it), or the stored origin is too far from the host's time to subtract, the origin is re-anchored so
 * that the device's clock goes on from where it is. The host time that passed since the last command
 * moves both clocks, as kssim advance does, so what kssim advance and kssim set-wall-clock did to the
 * wall clock stays; only when that time is unknown (the re-anchoring) is the wall clock set to the
 * host's again. */
static kssim_result follow_host_clocks(kssim_device *device)
{
    int64_t host_boot, host_wall;
    kssim_result r = read_host_clocks(&device->env, &host_boot, &host_wall);
    if (r != KSSIM_OK)
        return r;
    device->host_boot_at_begin_ms = host_boot;
    uint64_t device_boot = device->env.clock.boot_ms;
    int64_t target = 0;
    if (__builtin_sub_overflow(host_boot, device->host_boot_origin_ms, &target) || target < 0 ||
        (uint64_t)target < device_boot) {
        device->host_boot_origin_ms = origin_for(host_boot, device_boot);
        return kssim_set_wall_clock(device, host_wall);
    }
    uint64_t elapsed = (uint64_t)target - device_boot;
    char why[SIM_MESSAGE_MAX];
    /* Clocks advanced to the end of their range stay there, rather than refuse every later command. */
    if (kssim_check_advance(device_boot, device->env.clock.wall_ms, elapsed, why, sizeof(why)) != KSSIM_OK) {
        device->host_boot_origin_ms = origin_for(host_boot, device_boot);
        return KSSIM_OK;
    }
    return elapsed > 0 ? kssim_advance(device, elapsed) : KSSIM_OK;
}

/* At commit: the boot clock the command leaves (0 after a reboot, more after an advance) stands for the
 * host time the command began, so the next command's begin continues from it. */
static void anchor_host_clock(kssim_device *device)
{
    device->host_boot_origin_ms = origin_for(device->host_boot_at_begin_ms, device->env.clock.boot_ms);
}

/* ---- Opening ---- */

static kssim_result create_device(const kssim_config *config, kssim_device **out)
{
    kssim_result r = kssim_device_create(config, out);
    if (r == KSSIM_INVALID_ARGUMENT)
        set_open_error("cannot create a device with API level %d and security level %d: choose an API level from "
                       "%d to %d and a security level of software, tee or strongbox",
                       config->api_level, (int)config->security_level, KSSIM_API_LEVEL_MIN, KSSIM_API_LEVEL_MAX);
    else if (r != KSSIM_OK)
        set_open_error("cannot create a device: this process is out of memory or OpenSSL failed to start; retry");
    return r;
}

/* Stores the device as it is now (only what differs from the last commit) and commits. On failure the
 * device's message says why, in the store's words. A commit that changed rollback-protected state also
 * advances the rollback-protected storage: written and synced before COMMIT, renamed into place after
 * (rollback_protection.h). */
static kssim_result write_and_commit(kssim_device *device, sim_device_store *store)
{
    const char *directory = sim_device_store_directory(store);
    bool advance;
    kssim_result r = sim_rollback_prepare_commit(device, directory, &advance);
    if (r != KSSIM_OK)
        return r;
    sim_device_image image;
    r = sim_device_image_capture_changes(device, &image);
    if (r != KSSIM_OK)
        return r;
    r = sim_device_store_write(store, &image);
    if (r != KSSIM_OK) {
        sim_device_image_free(&image);
        sim_refuse(&device->env, r, "%s", sim_device_store_message(store));
        return r;
    }
    sim_rollback_storage_write storage = {0};
    if (advance && (r = sim_rollback_prepare_storage(device, directory, &storage)) != KSSIM_OK)
        return r;
    r = sim_device_store_commit(store);
    if (r != KSSIM_OK) {
        sim_rollback_storage_discard(&storage);
        return sim_refuse(&device->env, r, "%s", sim_device_store_message(store));
    }
    /* The storage must never be ahead of what a power failure leaves of the device: this commit is made
     * durable before its G takes its place. If it cannot be, the commit stands (it is visible already:
     * synchronous cannot change inside the transaction, so the sync can only follow COMMIT), and
     * sim_rollback_committed decides whether G moves (only when there is no storage yet). */
    bool log_synced = !advance || sim_device_store_sync_log(store) == KSSIM_OK;
    sim_rollback_committed(device, &storage, log_synced);
    sim_key_database_committed(&device->ks.db);
    return KSSIM_OK;
}

/* A realtime device's clocks start from the host's: its boot clock 0 is now. */
static kssim_result start_clocks(kssim_device *device)
{
    if (!device->config.realtime)
        return KSSIM_OK;
    int64_t host_boot, host_wall;
    kssim_result r = read_host_clocks(&device->env, &host_boot, &host_wall);
    if (r == KSSIM_OK) {
        device->host_boot_origin_ms = host_boot;
        device->host_boot_at_begin_ms = host_boot;
        device->env.clock.wall_ms = host_wall;
    }
    return r;
}

/* The g the replaced device stored, read under the write lock: every commit of it is done, but a process
 * that committed it may still be about to rename its G (at most this g) into place after releasing
 * SQLite's lock. A new phone that counted from G alone could start below that G and be found rolled back
 * at its next load. 0 when the old state row cannot be decoded (damaged): then G is all there is. */
static uint64_t generation_of_replaced_device(sim_device_store *store)
{
    const sim_device_image *image = NULL;
    if (sim_device_store_read_state(store, &image) != KSSIM_OK)
        return 0;
    sim_device_image state_only = {.state = image->state, .state_len = image->state_len, .keys_partial = true};
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *scratch = NULL;
    if (kssim_device_create(&config, &scratch) != KSSIM_OK)
        return 0;
    uint64_t generation = sim_device_image_restore(scratch, &state_only) == KSSIM_OK ? scratch->rollback_generation : 0;
    kssim_device_free(scratch);
    return generation;
}

/* The new phone in the store, written in the transaction open began: no other process can create one
 * meanwhile, so two first uses make one phone, not two. A replacement goes on counting from the higher of
 * G and the old device's g (sim_rollback_prepare_commit takes the higher of the device's g and G). */
static kssim_result store_new_device(sim_device_store *store, kssim_device *device, bool replace)
{
    kssim_result r = start_clocks(device);
    if (r == KSSIM_OK && replace) {
        device->rollback_generation = generation_of_replaced_device(store);
        r = sim_device_store_clear(store);
        if (r != KSSIM_OK)
            sim_refuse(&device->env, r, "%s", sim_device_store_message(store));
    }
    if (r == KSSIM_OK)
        r = write_and_commit(device, store);
    if (r != KSSIM_OK)
        set_open_error("%s", kssim_device_message(device));
    return r;
}

/* Reads the device the store holds into `device` and compares it with its rollback-protected storage:
 * what opening does, and a begin after another process committed. The sentence of a refusal is in the
 * device's message. */
static kssim_result read_stored_device(sim_device_store *store, kssim_device *device,
                                       const sim_rollback_storage_reading *before_snapshot)
{
    const sim_device_image *image = NULL;
    kssim_result r = sim_device_store_read_state(store, &image);
    if (r != KSSIM_OK)
        return sim_refuse(&device->env, r, "%s", sim_device_store_message(store));
    r = sim_device_image_restore(device, image);
    if (r != KSSIM_OK) {
        char why[SIM_MESSAGE_MAX];
        snprintf(why, sizeof(why), "%s", kssim_device_message(device));
        return sim_refuse(&device->env, r, "the device in %s cannot be read: %s", sim_device_store_directory(store),
                          why);
    }
    return sim_rollback_after_load(device, sim_device_store_directory(store), before_snapshot);
}

/* The phone the store holds, read into a device made with any configuration (the image carries the
 * device's own). */
static kssim_result load_device(sim_device_store *store, kssim_device *device,
                                const sim_rollback_storage_reading *before_snapshot)
{
    kssim_result r = read_stored_device(store, device, before_snapshot);
    if (r != KSSIM_OK)
        set_open_error("%s", kssim_device_message(device));
    return r;
}

static sim_device_store_open_mode store_mode(const kssim_open_options *options)
{
    return options->read_only ? SIM_DEVICE_STORE_OPEN_READ_ONLY
           : options->replace ? SIM_DEVICE_STORE_OPEN_DISCARDING_DAMAGED
           : options->create  ? SIM_DEVICE_STORE_OPEN_OR_CREATE
                              : SIM_DEVICE_STORE_OPEN_EXISTING;
}

/* The device as another process committed it, read when a transaction begins and the store says it
 * changed (kssim_device_begin, and the secure world's write in the middle of a command). On failure the
 * device keeps what it held and the next begin reads the store again, rather than writing this process's
 * older state over what another process stored. */
static kssim_result reload_what_others_committed(kssim_device *device, sim_device_store *store,
                                                 const sim_rollback_storage_reading *before_snapshot)
{
    kssim_result r = read_stored_device(store, device, before_snapshot);
    if (r != KSSIM_OK)
        sim_device_store_forget_last_committed(store);
    return r;
}

/* Begins the store's transaction; for a read-only store G is read first, before the read transaction's
 * snapshot (sim_rollback_storage_take_reading says why). A writable begin holds the write lock, under
 * which the load reads G itself. */
static kssim_result begin_transaction(sim_device_store *store, bool *changed, sim_rollback_storage_reading *reading)
{
    reading->taken = false;
    if (sim_device_store_is_read_only(store))
        sim_rollback_storage_take_reading(sim_device_store_directory(store), reading);
    return sim_device_store_begin(store, changed);
}

/* ---- The secure world's write to its own storage (sim_env_persist_now) ---- */

/* Remembers why the secure world's write failed, so that the command's commit stores nothing. The
 * transaction is ended, whatever state it was left in. */
static kssim_result fail_the_command(kssim_device *device, kssim_result failure)
{
    sim_device_store_rollback(device->store);
    device->storage_failure = failure;
    snprintf(device->storage_failure_message, sizeof(device->storage_failure_message), "%s", device->env.message);
    return failure;
}

/* What Gatekeeper calls before it compares a credential: the device as it is now - the attempt counted
 * - is written and committed inside the command, and the command's transaction begins again, so the
 * count is on disk before the answer. Another process may commit between that commit and the new
 * begin; the device then takes what it stored, as kssim_device_begin would. Everything a rule decides
 * is in that image; what lives only in this process is kept (operations in flight, unless that process
 * rebooted the phone; the host clock read at begin; the message). */
static kssim_result persist_within_command(sim_env *env, void *context)
{
    kssim_device *device = context;
    sim_device_store *store = device->store;
    if (device->storage_failure != KSSIM_OK)
        return sim_refuse(env, device->storage_failure, "%s", device->storage_failure_message);
    char message[SIM_MESSAGE_MAX];
    snprintf(message, sizeof(message), "%s", env->message);
    if (device->config.realtime)
        anchor_host_clock(device);
    kssim_result r = write_and_commit(device, store);
    if (r != KSSIM_OK)
        return fail_the_command(device, r);
    device->committed_within_command = true;
    bool changed;
    sim_rollback_storage_reading reading;
    r = begin_transaction(store, &changed, &reading);
    if (r != KSSIM_OK) {
        sim_refuse(env, r, "%s", sim_device_store_message(store));
        return fail_the_command(device, r);
    }
    if (changed && (r = reload_what_others_committed(device, store, &reading)) != KSSIM_OK)
        return fail_the_command(device, r);
    /* The clocks the other process stored stand for a host time after this command's begin: followed
     * again from now, or this command's commit would anchor them to the host time of its begin. */
    if (changed && device->config.realtime && (r = follow_host_clocks(device)) != KSSIM_OK)
        return fail_the_command(device, r);
    snprintf(env->message, sizeof(env->message), "%s", message);
    return KSSIM_OK;
}

/* ---- The key rows keystore2 reads as it needs them ---- */

/* A row that cannot be read fails the command it was read in: its commit stores nothing and answers with
 * this sentence (kssim_device_commit), as a failed write of the secure world does. */
static kssim_result unreadable_row(kssim_device *device, kssim_result r)
{
    if (device->storage_failure == KSSIM_OK) {
        device->storage_failure = r;
        snprintf(device->storage_failure_message, sizeof(device->storage_failure_message), "%s", device->env.message);
    }
    return r;
}

static kssim_result refuse_unreadable_row(kssim_device *device, kssim_result r)
{
    char why[SIM_MESSAGE_MAX];
    snprintf(why, sizeof(why), "%s", kssim_device_message(device));
    sim_refuse(&device->env, r, "the device in %s cannot be read: %s", sim_device_store_directory(device->store), why);
    return unreadable_row(device, r);
}

static kssim_result load_key_row(void *context, sim_key_database *db, const char *alias, bool *found)
{
    kssim_device *device = context;
    sim_key_image key;
    kssim_result r = sim_device_store_read_key(device->store, alias, &key, found);
    if (r != KSSIM_OK) {
        sim_refuse(&device->env, r, "%s", sim_device_store_message(device->store));
        return unreadable_row(device, r);
    }
    if (!*found)
        return KSSIM_OK;
    r = sim_device_image_load_key(device, db, &key);
    if (key.bytes != NULL) {
        OPENSSL_cleanse(key.bytes, key.len);
        free(key.bytes);
    }
    if (r != KSSIM_OK) {
        *found = false;
        return refuse_unreadable_row(device, r);
    }
    return KSSIM_OK;
}

static bool removed_in_this_command(const sim_key_database *db, const char *alias)
{
    for (size_t i = 0; i < db->removed.count; i++)
        if (strcmp(db->removed.aliases[i], alias) == 0)
            return true;
    return false;
}

static kssim_result load_all_key_rows(void *context, sim_key_database *db)
{
    kssim_device *device = context;
    sim_device_image keys;
    kssim_result r = sim_device_store_read_keys(device->store, &keys);
    if (r != KSSIM_OK) {
        sim_refuse(&device->env, r, "%s", sim_device_store_message(device->store));
        return unreadable_row(device, r);
    }
    for (size_t i = 0; r == KSSIM_OK && i < keys.key_count; i++) {
        const char *alias = keys.keys[i].alias;
        if (sim_key_database_cached(db, alias) == NULL && !removed_in_this_command(db, alias))
            r = sim_device_image_load_key(device, db, &keys.keys[i]);
    }
    sim_device_image_free(&keys);
    return r == KSSIM_OK ? KSSIM_OK : refuse_unreadable_row(device, r);
}

static kssim_result open_stored_device(const char *location, const kssim_open_options *options, kssim_device **out)
{
    if (options->read_only && options->replace) {
        set_open_error("a device opened read-only cannot be replaced: open it without read_only to replace it");
        return KSSIM_INVALID_ARGUMENT;
    }
    /* The device is made before anything touches the disk, so a configuration that cannot be (API level 0)
     * leaves no directory or file behind. A stored phone replaces it from its image. */
    kssim_config config = options->config;
    if (!options->create && !options->replace)
        kssim_config_default(&config);
    kssim_device *device = NULL;
    kssim_result r = create_device(&config, &device);
    if (r != KSSIM_OK)
        return r;
    sim_device_store *store = NULL;
    r = sim_device_store_open(location, store_mode(options), &store, open_error, sizeof(open_error));
    if (r != KSSIM_OK) {
        kssim_device_free(device);
        return r;
    }
    /* From here the device holds the store (freeing it closes it), and its key rows come from there. */
    device->store = store;
    device->close_store = sim_device_store_close;
    device->ks.db.source = (sim_key_row_source){device, load_key_row, load_all_key_rows};
    bool changed, holds = false, created = false;
    sim_rollback_storage_reading reading;
    r = begin_transaction(store, &changed, &reading);
    if (r == KSSIM_OK)
        r = sim_device_store_holds_device(store, &holds);
    if (r != KSSIM_OK) {
        set_open_error("%s", sim_device_store_message(store));
    } else if (!holds && !options->create && !options->replace) {
        set_open_error("there is no device in %s yet: create one with `kssim init`, or choose another device with "
                       "--device or KSSIM_DEVICE",
                       location);
        r = KSSIM_DEVICE_UNAVAILABLE;
    } else if (!holds && options->read_only) {
        /* The new phone a command that changes something would create, answered from memory. */
        r = start_clocks(device);
        if (r != KSSIM_OK)
            set_open_error("%s", kssim_device_message(device));
    } else if (!holds || options->replace) {
        r = store_new_device(store, device, holds);
        created = r == KSSIM_OK;
    } else {
        r = load_device(store, device, &reading);
    }
    /* A load only read; a failed creation wrote nothing that should stay. */
    sim_device_store_rollback(store);
    if (r != KSSIM_OK) {
        kssim_device_free(device);
        return r;
    }
    if (created)
        sim_device_store_end_creation(store);
    device->env.persist = persist_within_command;
    device->env.persist_context = device;
    *out = device;
    return KSSIM_OK;
}

kssim_result kssim_device_open(const char *location, const kssim_open_options *options, kssim_device **out)
{
    *out = NULL;
    open_error[0] = '\0';
    kssim_open_options defaults;
    if (options == NULL) {
        kssim_open_options_default(&defaults);
        options = &defaults;
    }
    if (!is_set(location)) {
        set_open_error("no device was named: pass a device directory or memory:, or let kssim_device_location "
                       "choose one");
        return KSSIM_DEVICE_UNAVAILABLE;
    }
    if (strcmp(location, KSSIM_MEMORY_DEVICE) != 0)
        return open_stored_device(location, options, out);
    if (options->config.realtime) {
        set_open_error("a memory: device has no store to carry the host's clocks between commands, so it cannot "
                       "be realtime: drop --realtime, or choose a device directory");
        return KSSIM_INVALID_ARGUMENT;
    }
    return create_device(&options->config, out);
}

/* ---- The transaction around a command ---- */

kssim_result kssim_device_begin(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    device->storage_failure = KSSIM_OK;
    device->ks.db.load_failure = KSSIM_OK;
    device->committed_within_command = false;
    sim_device_store *store = device->store;
    if (store == NULL)
        return KSSIM_OK;
    bool changed;
    sim_rollback_storage_reading reading;
    kssim_result r = begin_transaction(store, &changed, &reading);
    if (r != KSSIM_OK)
        return sim_refuse(&device->env, r, "%s", sim_device_store_message(store));
    if (changed)
        r = reload_what_others_committed(device, store, &reading);
    if (r == KSSIM_OK && device->config.realtime)
        r = follow_host_clocks(device);
    if (r != KSSIM_OK) {
        char message[SIM_MESSAGE_MAX];
        snprintf(message, sizeof(message), "%s", device->env.message);
        kssim_device_rollback(device);
        return sim_refuse(&device->env, r, "%s", message);
    }
    return KSSIM_OK;
}

/* Puts the device back to what the store last committed, so memory and disk agree after a transaction
 * that will not be committed. The message of the refusal that caused it is kept. */
static void return_to_last_committed(kssim_device *device)
{
    const sim_device_image *last = sim_device_store_last_committed(device->store);
    if (last == NULL)
        return;
    char message[SIM_MESSAGE_MAX];
    snprintf(message, sizeof(message), "%s", device->env.message);
    if (sim_device_image_restore(device, last) != KSSIM_OK)
        sim_device_store_forget_last_committed(device->store);
    else
        sim_rollback_after_return_to_last_committed(device);
    snprintf(device->env.message, sizeof(device->env.message), "%s", message);
}

kssim_result kssim_device_commit(kssim_device *device)
{
    /* No SIM_BEGIN_CALL: the command's refusal is committed too, and its sentence must survive. */
    sim_device_store *store = device->store;
    if (store == NULL)
        return KSSIM_OK;
    if (device->storage_failure != KSSIM_OK) {
        /* The secure world could not record what it must record before it answers (an attempt at the
         * credential): nothing of this command is stored, and the command fails as that write did. */
        kssim_result failure = device->storage_failure;
        char why[SIM_MESSAGE_MAX];
        snprintf(why, sizeof(why), "%s", device->storage_failure_message);
        kssim_device_rollback(device);
        return sim_refuse(&device->env, failure, "%s", why);
    }
    if (sim_device_store_is_read_only(store)) {
        /* Nothing is stored: the read transaction ends, and the next begin reads the stored device again
         * (restoring it here would cost a one-shot command a decode of every key for nothing). */
        sim_device_store_rollback(store);
        sim_device_store_forget_last_committed(store);
        return KSSIM_OK;
    }
    if (device->config.realtime)
        anchor_host_clock(device);
    char message[SIM_MESSAGE_MAX];
    snprintf(message, sizeof(message), "%s", device->env.message);
    kssim_result r = write_and_commit(device, store);
    if (r != KSSIM_OK) {
        snprintf(message, sizeof(message), "%s", device->env.message);
        sim_device_store_rollback(store);
        return_to_last_committed(device);
        return sim_refuse(&device->env, r, "%s", message);
    }
    snprintf(device->env.message, sizeof(device->env.message), "%s", message);
    return KSSIM_OK;
}

void kssim_device_rollback(kssim_device *device)
{
    device->storage_failure = KSSIM_OK;
    if (device->store == NULL)
        return;
    sim_device_store_rollback(device->store);
    return_to_last_committed(device);
}

kssim_result kssim_device_check(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    sim_device_store *store = device->store;
    if (store == NULL)
        return KSSIM_OK;
    /* G first, then the check's snapshot (sim_rollback_storage_take_reading says why). A read-only
     * caller's read transaction took its snapshot before this reading, so it is ended (it wrote nothing)
     * and the check reads in a snapshot of its own; a writable one holds the write lock, so no newer G
     * can be published meanwhile. */
    if (sim_device_store_is_read_only(store))
        sim_device_store_rollback(store);
    sim_rollback_storage_reading reading;
    sim_rollback_storage_take_reading(sim_device_store_directory(store), &reading);
    sim_device_image copy;
    kssim_result r = sim_device_store_check(store, &copy);
    if (r != KSSIM_OK)
        return sim_refuse(&device->env, r, "%s", sim_device_store_message(store));
    /* The decode runs on a scratch device, so checking never changes the one in use. */
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *scratch = NULL;
    r = kssim_device_create(&config, &scratch);
    if (r != KSSIM_OK) {
        sim_device_image_free(&copy);
        return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR,
                          "cannot make a scratch device to decode the stored one: this process is out of memory or "
                          "OpenSSL failed to start; retry");
    }
    r = sim_device_image_restore(scratch, &copy);
    if (r != KSSIM_OK)
        sim_refuse(&device->env, r, "%s", kssim_device_message(scratch));
    else
        r = sim_rollback_check_stored(device, sim_device_store_directory(store), scratch->rollback_generation,
                                      scratch->rollback_detected, &reading);
    kssim_device_free(scratch);
    sim_device_image_free(&copy);
    return r;
}
