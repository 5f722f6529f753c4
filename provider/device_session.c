/*
 * device_session.c - the devices the provider talks to: opening each once per process, one transaction
 * per provider call, one thread at a time per device, and a fresh start in a forked child.
 *
 * Opening: lazily, at the first call that needs the device (OSSL_provider_init opens nothing, so
 * `openssl list -providers` stays cheap), then kept for the provider's lifetime. The device is the one
 * the contract chooses (kssim_device_location: KSSIM_DEVICE, then the provider's `device` parameter,
 * then the per-user default), or, for a key reference, the device the reference names.
 *
 * Transactions: every call runs between kssim_device_begin and kssim_device_commit, so a concurrent
 * process waits for its turn and sees what this one committed. kssim_device_begin reloads the device only
 * when another process committed since, so an unchanged device is not re-read at every operation. A
 * refusal is committed too (a failed attempt counts whether or not the call succeeded).
 *
 * Threads: a kssim_device is not thread-safe, so each session has a mutex; several threads signing with
 * one key take turns at the device, and each keeps its own operation.
 *
 * fork(): SQLite forbids using a connection opened by the parent in the child, and closing it there
 * could checkpoint or unlock files the parent still relies on. The first provider call in a child sees
 * that getpid() changed, sets the parent's sessions aside untouched (kept reachable, their memory left to the
 * child's exit) and opens the device again. Operations the parent began stay the parent's: the child's
 * device never heard of them (INVALID_OPERATION_HANDLE), as a phone's keystore2 only knows the
 * operations of its own process.
 */
/* realpath() is an X/Open function. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "keystore_provider.h"

#include "core/invariant.h"
#include "framework/app_view.h"

static void device_lock_init(keystore_device_lock *lock)
{
    pthread_mutex_init(&lock->mutex, NULL);
    atomic_store(&lock->held, false);
}

static void device_lock_acquire(keystore_device_lock *lock)
{
    pthread_mutex_lock(&lock->mutex);
    KSSIM_INVARIANT(!atomic_load(&lock->held), "a device lock just acquired is not marked held by anyone");
    atomic_store(&lock->holder, pthread_self());
    atomic_store(&lock->held, true);
}

/* True only for the thread that holds the lock: another thread's holder never equals pthread_self(). */
static bool device_lock_held_by_me(keystore_device_lock *lock)
{
    return atomic_load(&lock->held) && pthread_equal(atomic_load(&lock->holder), pthread_self());
}

static void device_lock_release(keystore_device_lock *lock)
{
    KSSIM_INVARIANT(device_lock_held_by_me(lock), "a device lock is released by the thread that holds it");
    atomic_store(&lock->held, false);
    pthread_mutex_unlock(&lock->mutex);
}

static void device_lock_destroy(keystore_device_lock *lock)
{
    KSSIM_INVARIANT(!atomic_load(&lock->held), "a device lock is destroyed only when nobody holds it");
    pthread_mutex_destroy(&lock->mutex);
}

/* The last refusal of this thread, for keymgmt_core.c's refused keys. */
static _Thread_local kssim_result last_result;
static _Thread_local char last_message[512];

const char *keystore_device_last_message(void)
{
    return last_message;
}

kssim_result keystore_device_last_result(void)
{
    return last_result;
}

/* The app call the current keystore_device_run stands for (keystore_device_note_app_call). */
static _Thread_local bool app_call_noted;
static _Thread_local app_view_request app_call;

void keystore_device_note_app_call(int stage, uint32_t purpose, kssim_algorithm algorithm)
{
    app_call_noted = true;
    memset(&app_call, 0, sizeof(app_call));
    app_call.stage = (app_view_stage)stage;
    app_call.purpose = purpose;
    app_call.algorithm = algorithm;
}

/* Appends "; an app sees X from Call on API level N" to a refusal's sentence, as Android's framework would turn
 * the result into an exception (sim/framework/app_view.c). */
static void append_app_view(kssim_device *device, kssim_result result, char *sentence, size_t size)
{
    if (!app_call_noted)
        return;
    app_view view;
    int api_level;
    if (!app_view_of_call_on_device(device, &app_call, result, &view, &api_level))
        return;
    size_t used = strlen(sentence);
    if (used < size)
        snprintf(sentence + used, size - used, "; an app sees %s from %s on API level %d",
                 view.exception != NULL ? view.exception : view.shown, view.call, api_level);
}

/* The sentence of a refusal the current call made itself (keystore_device_refuse); empty otherwise. */
static _Thread_local char call_sentence[512];

kssim_result keystore_device_refuse(kssim_result result, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(call_sentence, sizeof(call_sentence), fmt, args);
    va_end(args);
    return result;
}

struct keystore_device_session {
    keystore_device_session *next;
    char location[KEYSTORE_LOCATION_MAX]; /* canonical */
    keystore_device_lock lock;            /* the device: one thread's transaction at a time */
    kssim_device *device;                 /* NULL until the first call opens it */
    bool may_create;                      /* the configured device; see open_session_device */
};

void keystore_devices_init(keystore_devices *devices)
{
    memset(devices, 0, sizeof(*devices));
    device_lock_init(&devices->lock);
    atomic_store(&devices->owner_pid, (long)getpid());
    atomic_flag_clear(&devices->following_fork);
}

void keystore_devices_close(keystore_devices *devices)
{
    /* In a child that never used the provider, the sessions are still the parent's: leave them. */
    bool ours = atomic_load(&devices->owner_pid) == (long)getpid();
    keystore_device_session *session = devices->sessions;
    while (session != NULL) {
        keystore_device_session *next = session->next;
        if (ours) {
            if (session->device != NULL)
                kssim_device_free(session->device);
            device_lock_destroy(&session->lock);
            free(session);
        }
        session = next;
    }
    devices->sessions = NULL;
    if (ours)
        device_lock_destroy(&devices->lock);
}

/* This process's id without a system call per provider call: getpid() costs about 1.5 us in a virtual
 * machine, a tenth of a P-256 signature (docs/performance.md). Read once, and again in the child of
 * every fork (glibc unregisters the handler if the module is unloaded). */
static _Atomic long process_id;
static pthread_once_t process_id_once = PTHREAD_ONCE_INIT;

static void read_process_id(void)
{
    atomic_store(&process_id, (long)getpid());
}

static void watch_forks(void)
{
    read_process_id();
    pthread_atfork(NULL, NULL, read_process_id);
}

static long current_process_id(void)
{
    pthread_once(&process_id_once, watch_forks);
    return atomic_load(&process_id);
}

/* The child of a fork starts its own list; see the comment at the top. Only one thread does it, in
 * case the child started threads before its first provider call. */
static void follow_fork(keystore_devices *devices)
{
    long now = current_process_id();
    if (atomic_load(&devices->owner_pid) == now)
        return;
    while (atomic_flag_test_and_set(&devices->following_fork))
        sched_yield();
    if (atomic_load(&devices->owner_pid) != now) {
        /* The parent's mutex may have been held by a thread that does not exist here. */
        device_lock_init(&devices->lock);
        if (devices->sessions != NULL) {
            keystore_device_session *last = devices->sessions;
            while (last->next != NULL)
                last = last->next;
            last->next = devices->parents_sessions;
            devices->parents_sessions = devices->sessions;
        }
        devices->sessions = NULL;
        atomic_store(&devices->owner_pid, now);
    }
    atomic_flag_clear(&devices->following_fork);
}

/* The provider's own device, as the contract chooses it; found once per process, since the environment
 * and configuration do not change under a running program. Called with devices->lock held (checked). */
static bool default_location(keystore_provider *provider, char *out, size_t out_size)
{
    keystore_devices *devices = &provider->devices;
    KSSIM_INVARIANT(device_lock_held_by_me(&devices->lock), "the default location is read under the devices' lock");
    if (!devices->default_known) {
        kssim_result r = kssim_device_location(NULL, provider->device_param, devices->default_location,
                                               sizeof(devices->default_location));
        if (r != KSSIM_OK) {
            keystore_raise_result(provider, r, kssim_open_error());
            return false;
        }
        devices->default_known = true;
    }
    snprintf(out, out_size, "%s", devices->default_location);
    return true;
}

/* realpath() resolves a path one component at a time, with a readlink() system call for each (five for
 * /tmp/a/b/c/device); at every provider call that cost half a P-256 signature (docs/performance.md). So
 * each thread keeps its last resolution of an absolute path, and reuses it while that path still leads
 * to the same directory (one stat(): a symbolic link moved meanwhile is noticed). Relative paths are
 * always resolved again, since they depend on the working directory. */
static _Thread_local struct {
    bool known;
    dev_t device;
    ino_t inode;
    char location[PATH_MAX];
    char resolved[PATH_MAX];
} last_resolution;

static bool resolve(const char *location, char resolved[PATH_MAX])
{
    struct stat now;
    bool absolute = location[0] == '/' && strlen(location) < sizeof(last_resolution.location);
    if (absolute && last_resolution.known && strcmp(location, last_resolution.location) == 0 &&
        stat(location, &now) == 0 && now.st_dev == last_resolution.device && now.st_ino == last_resolution.inode) {
        memcpy(resolved, last_resolution.resolved, sizeof(last_resolution.resolved));
        return true;
    }
    if (realpath(location, resolved) == NULL)
        return false;
    last_resolution.known = absolute && stat(resolved, &now) == 0;
    if (last_resolution.known) {
        last_resolution.device = now.st_dev;
        last_resolution.inode = now.st_ino;
        memcpy(last_resolution.location, location, strlen(location) + 1);
        memcpy(last_resolution.resolved, resolved, sizeof(last_resolution.resolved));
    }
    return true;
}

/* Absolute, without symbolic links where the directory exists, so that one device is one session
 * and key references name it wherever they are used from. */
static void canonicalize(const char *location, char *out, size_t out_size)
{
    char resolved[PATH_MAX];
    if (strcmp(location, KSSIM_MEMORY_DEVICE) != 0 && resolve(location, resolved))
        snprintf(out, out_size, "%s", resolved);
    else
        snprintf(out, out_size, "%s", location);
}

/* Called with devices->lock held (checked): the default location is the list's. */
static bool choose_location(keystore_provider *provider, const char *location, char *out, size_t out_size)
{
    KSSIM_INVARIANT(device_lock_held_by_me(&provider->devices.lock), "a location is chosen under the devices' lock");
    char chosen[KEYSTORE_LOCATION_MAX];
    if (location == NULL || location[0] == '\0') {
        if (!default_location(provider, chosen, sizeof(chosen)))
            return false;
        location = chosen;
    }
    canonicalize(location, out, out_size);
    return true;
}

/* True if canonical is the device the contract chooses (KSSIM_DEVICE, the `device` parameter, the
 * per-user default). Called with devices->lock held (checked); quiet when no device can be chosen. */
static bool is_configured_device(keystore_provider *provider, const char *canonical)
{
    KSSIM_INVARIANT(device_lock_held_by_me(&provider->devices.lock),
                    "the configured device is compared under the devices' lock");
    char configured[KEYSTORE_LOCATION_MAX], configured_canonical[KEYSTORE_LOCATION_MAX];
    ERR_set_mark();
    bool known = default_location(provider, configured, sizeof(configured));
    ERR_pop_to_mark();
    if (!known)
        return false;
    canonicalize(configured, configured_canonical, sizeof(configured_canonical));
    return strcmp(canonical, configured_canonical) == 0;
}

/* A sentence into a fixed buffer: one cut short by a very long path still reads, so truncation is fine. */
static void __attribute__((format(printf, 3, 4))) write_sentence(char *out, size_t out_size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(out, out_size, fmt, args);
    va_end(args);
}

/* Why a device named by a key reference (or a key loaded from one) cannot be opened. */
static void describe_unavailable_reference_device(const char *location, char *out, size_t out_size)
{
    struct stat st;
    if (stat(location, &st) != 0 && errno == ENOENT)
        write_sentence(
            out, out_size,
            "the key reference names the device %s, which does not exist: it was deleted or moved; point the "
            "reference's device at it, or generate the key again",
            location);
    else
        write_sentence(out, out_size, "the key reference names the device %s, which cannot be opened: %s", location,
                       kssim_open_error());
}

/* Opens the device of a session; called with the session's lock held (checked). Only the configured device may
 * be created here (the contract creates it at first use): a key reference is a file anyone can write,
 * and its device field must never decide where a directory tree appears. */
static kssim_result open_session_device(keystore_provider *provider, keystore_device_session *session)
{
    KSSIM_INVARIANT(device_lock_held_by_me(&session->lock), "a session's device is opened under the session's lock");
    kssim_device *device = NULL;
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.create = session->may_create;
    kssim_result r = kssim_device_open(session->location, &options, &device);
    if (r != KSSIM_OK) {
        last_result = r;
        if (session->may_create)
            snprintf(last_message, sizeof(last_message), "%s", kssim_open_error());
        else
            describe_unavailable_reference_device(session->location, last_message, sizeof(last_message));
        keystore_raise_result(provider, r, last_message);
        return r;
    }
    session->device = device;
    /* The directory exists now: record it as references will name it (under the list's lock, since
     * lookups read the name). */
    char canonical[KEYSTORE_LOCATION_MAX];
    canonicalize(session->location, canonical, sizeof(canonical));
    device_lock_acquire(&provider->devices.lock);
    snprintf(session->location, sizeof(session->location), "%s", canonical);
    device_lock_release(&provider->devices.lock);
    return KSSIM_OK;
}

static keystore_device_session *find_session(keystore_provider *provider, const char *location)
{
    keystore_devices *devices = &provider->devices;
    follow_fork(devices);
    device_lock_acquire(&devices->lock);
    char canonical[KEYSTORE_LOCATION_MAX];
    keystore_device_session *session = NULL;
    if (choose_location(provider, location, canonical, sizeof(canonical))) {
        for (session = devices->sessions; session != NULL; session = session->next)
            if (strcmp(session->location, canonical) == 0)
                break;
        if (session == NULL && (session = calloc(1, sizeof(*session))) != NULL) {
            snprintf(session->location, sizeof(session->location), "%s", canonical);
            session->may_create = location == NULL || location[0] == '\0' || is_configured_device(provider, canonical);
            device_lock_init(&session->lock);
            session->next = devices->sessions;
            devices->sessions = session;
        } else if (session == NULL) {
            keystore_raise_result(provider, KSSIM_SYSTEM_ERROR, "out of memory for a device session");
        }
    }
    device_lock_release(&devices->lock);
    return session;
}

bool keystore_device_canonical_location(keystore_provider *provider, const char *location, char *out, size_t out_size)
{
    keystore_devices *devices = &provider->devices;
    follow_fork(devices);
    device_lock_acquire(&devices->lock);
    bool ok = choose_location(provider, location, out, out_size);
    device_lock_release(&devices->lock);
    return ok;
}

/* KSSIM_EXPLAIN=1 (docs/openssl.md, docs/explain.md): each device call's decision path goes to stderr, one
 * "kssim explain: " line per fact, for the developer running openssl or an app by hand. Read at every call, so a
 * process may switch it. */
static bool explain_requested(void)
{
    const char *value = getenv("KSSIM_EXPLAIN");
    return value != NULL && strcmp(value, "1") == 0;
}

static void print_decision(const kssim_device *device)
{
    for (const char *line = kssim_device_decision(device); *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        fprintf(stderr, "kssim explain: %.*s\n", (int)length, line);
        line = end != NULL ? end + 1 : line + length;
    }
}

kssim_result keystore_device_run(keystore_provider *provider, const char *location, keystore_device_call *call,
                                 void *arg)
{
    last_result = KSSIM_OK;
    last_message[0] = '\0';
    keystore_device_session *session = find_session(provider, location);
    if (session == NULL)
        return last_result = KSSIM_DEVICE_UNAVAILABLE;
    device_lock_acquire(&session->lock);
    kssim_result r = KSSIM_OK;
    if (session->device == NULL)
        r = open_session_device(provider, session);
    if (r != KSSIM_OK) {
        device_lock_release(&session->lock);
        return r;
    }
    kssim_device *device = session->device;
    KSSIM_INVARIANT(device_lock_held_by_me(&session->lock), "a device's transaction runs under its session's lock");
    r = kssim_device_begin(device);
    call_sentence[0] = '\0';
    bool explain = explain_requested();
    kssim_set_explain(device, explain);
    if (r == KSSIM_OK) {
        r = call(device, arg);
        kssim_device_record_refusal(device, r, call_sentence); /* kept with the device: kssim last-refusal */
        if (explain)
            print_decision(device);
        kssim_result committed = kssim_device_commit(device);
        if (r == KSSIM_OK)
            r = committed;
    }
    if (r != KSSIM_OK) {
        last_result = r;
        snprintf(last_message, sizeof(last_message), "%s",
                 call_sentence[0] != '\0' ? call_sentence : kssim_device_message(device));
        append_app_view(device, r, last_message, sizeof(last_message));
        keystore_raise_result(provider, r, last_message);
    }
    app_call_noted = false;
    device_lock_release(&session->lock);
    return r;
}
