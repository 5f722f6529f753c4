/*
 * sqlite_store.c - a device directory's SQLite database (see sqlite_store.h for what it holds and why).
 *
 * Durability: the database runs in WAL mode with synchronous=NORMAL (a commit that advances the
 * rollback-protected storage is synced as synchronous=FULL would: sim_device_store_sync_log). A commit appends to the
 * write-ahead log and is atomic: a process killed at any instant, even in the middle of a commit, leaves
 * the last committed state intact (SQLite's recovery ignores a half-written commit). The log is synced
 * at checkpoints rather than at every commit, and stays between processes (keep_log_between_processes),
 * so a power loss of the host may lose the commits since the last checkpoint, but never leaves a damaged
 * database. A simulated phone is a test device; that is the trade keystore2's own database does not
 * make, and one we make for speed.
 *
 * Concurrency: every transaction is BEGIN IMMEDIATE, which takes the write lock at once. A command reads
 * the whole device, runs the rules and writes back what changed; had it begun with a plain BEGIN, two
 * processes could read the same state and the second to write would either fail (SQLITE_BUSY_SNAPSHOT,
 * which the busy handler does not retry) or overwrite the first's update. With BEGIN IMMEDIATE the
 * second waits (busy timeout) and then sees the first's commit. PRAGMA data_version tells a connection
 * whether anyone else committed since its last transaction, so a process reloads only when it must.
 *
 * Refusals: whatever the file holds - garbage, another program's database, a truncated copy, rows of
 * the wrong type - the store answers with KSSIM_DEVICE_DAMAGED and a sentence, and changes nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kssim_version.h"
#include "store/sqlite_store.h"

#include "core/growable_array.h"

/* Which kssim created a device, recorded in meta for whoever inspects the file. */
#define SIM_DEVICE_STORE_CREATED_BY "kssim " KSSIM_VERSION_STRING /* build/generated/kssim_version.h */

/* The statements every transaction runs, prepared once per connection and kept: compiling their SQL
 * at every command cost more than a P-256 signature (docs/performance.md). */
typedef enum store_statement {
    STATEMENT_BEGIN,
    STATEMENT_BEGIN_READ,
    STATEMENT_COMMIT,
    STATEMENT_DATA_VERSION,
    STATEMENT_WRITE_STATE,
    STATEMENT_UPSERT_KEY,
    STATEMENT_DELETE_KEY,
    STATEMENT_READ_STATE,
    STATEMENT_READ_KEY,
    STATEMENT_COUNT
} store_statement;

static const char *const statement_sql[STATEMENT_COUNT] = {
    [STATEMENT_BEGIN] = "BEGIN IMMEDIATE",
    /* A read-only store's transaction: the first read of the state fixes the snapshot it reads. */
    [STATEMENT_BEGIN_READ] = "BEGIN",
    [STATEMENT_COMMIT] = "COMMIT",
    [STATEMENT_DATA_VERSION] = "PRAGMA data_version",
    [STATEMENT_WRITE_STATE] =
        "INSERT INTO state(id, image) VALUES (1, ?1) ON CONFLICT(id) DO UPDATE SET image = excluded.image",
    [STATEMENT_UPSERT_KEY] =
        "INSERT INTO keyentry(alias, image) VALUES (?1, ?2) ON CONFLICT(alias) DO UPDATE SET image = excluded.image",
    [STATEMENT_DELETE_KEY] = "DELETE FROM keyentry WHERE alias = ?1",
    [STATEMENT_READ_STATE] = "SELECT image FROM state WHERE id = 1",
    [STATEMENT_READ_KEY] = "SELECT alias, image FROM keyentry WHERE alias = ?1",
};

/* What a damaged device's sentence ends with: the two ways out. */
#define DAMAGED_ADVICE "restore it from a backup, or replace it with a new phone with `kssim init --force`"
#define CHOOSE_ANOTHER "or choose another device with --device or KSSIM_DEVICE"

struct sim_device_store {
    sqlite3 *db;
    int log_pages; /* the log's length after this connection's last commit */
    char *directory;
    char *path; /* directory/device.sqlite3 */
    /* The directory while this store holds its lock (opening, or creating until the first commit); -1 after. */
    int directory_fd;
    bool read_only;             /* SIM_DEVICE_STORE_OPEN_READ_ONLY; db is NULL when there is no device yet */
    bool creating;              /* this store made the database file, and its first commit has not ended the creation */
    bool creation_marker_found; /* examine_contents saw CREATION_MARKER_SUFFIX beside the database */
    bool unfinished_creation;   /* open_database found the empty tables a killed creation leaves */
    /* PRAGMA data_version at this connection's last transaction. */
    bool has_data_version;
    int64_t data_version;
    /* What the database holds as far as this connection knows: the base that writes are diffs against. */
    bool has_committed;
    sim_device_image committed;
    /* What the open transaction has written; becomes `committed` at COMMIT. */
    bool has_pending;
    sim_device_image pending;
    sqlite3_stmt *statements[STATEMENT_COUNT]; /* NULL until first needed */
    char message[SIM_MESSAGE_MAX];
};

/* The kept statement, prepared at its first use; SQLite prepares it again by itself if the schema
 * changes under it. */
static int prepared(sim_device_store *store, store_statement which, sqlite3_stmt **stmt)
{
    if (store->statements[which] == NULL) {
        int rc = sqlite3_prepare_v3(store->db, statement_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                    &store->statements[which], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    *stmt = store->statements[which];
    return SQLITE_OK;
}

/* Runs a prepared statement once and makes it ready for the next bindings. */
static int step_once(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A kept statement without parameters or rows (BEGIN IMMEDIATE, COMMIT), as sqlite3_exec would run it. */
static int run_statement(sim_device_store *store, store_statement which)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepared(store, which, &stmt);
    return rc == SQLITE_OK ? step_once(stmt) : rc;
}

__attribute__((format(printf, 3, 4))) static kssim_result refuse(sim_device_store *store, kssim_result result,
                                                                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(store->message, sizeof(store->message), fmt, ap);
    va_end(ap);
    return result;
}

/* SQLite's own words for a failure, with the system's reason when there is one. */
static void describe_failure(sqlite3 *db, int rc, char *out, size_t out_size)
{
    const char *what = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int system_errno = db != NULL ? sqlite3_system_errno(db) : 0;
    if (system_errno != 0)
        snprintf(out, out_size, "%s: %s", what, strerror(system_errno));
    else
        snprintf(out, out_size, "%s", what);
}

/* Turns an SQLite failure into the result and sentence a user can act on. `doing` names the step. */
static kssim_result refuse_sqlite(sim_device_store *store, int rc, const char *doing)
{
    char detail[256];
    describe_failure(store->db, rc, detail, sizeof(detail));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "another process has held the device %s for more than %d s while this one was %s: let it "
                      "finish, or stop it, and retry",
                      store->directory, SIM_DEVICE_STORE_BUSY_TIMEOUT_MS / 1000, doing);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
        return refuse(store, KSSIM_DEVICE_DAMAGED, "the device file %s is damaged (%s, while %s): " DAMAGED_ADVICE,
                      store->path, detail, doing);
    case SQLITE_FULL:
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "the disk holding %s is full (while %s): free some space and retry", store->path, doing);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "cannot use the device file %s (%s, while %s): make the directory and its files readable and "
                      "writable by you, " CHOOSE_ANOTHER,
                      store->path, detail, doing);
    case SQLITE_NOMEM:
        return refuse(store, KSSIM_SYSTEM_ERROR, "out of memory while %s the device %s: free some memory and retry",
                      doing, store->directory);
    default:
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "SQLite failed on the device file %s (%s, while %s): check the disk and the file, then retry",
                      store->path, detail, doing);
    }
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Runs a query that yields at most one integer. *found is false when it yields no row or no integer. */
static int query_integer(sqlite3 *db, const char *sql, int64_t *value, bool *found)
{
    sqlite3_stmt *stmt = NULL;
    *found = false;
    *value = 0;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(stmt, 0) == SQLITE_INTEGER) {
            *value = sqlite3_column_int64(stmt, 0);
            *found = true;
        }
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc;
}

static char *join_path(const char *directory, const char *file)
{
    size_t n = strlen(directory) + 1 + strlen(file) + 1;
    char *path = malloc(n);
    if (path != NULL)
        snprintf(path, n, "%s/%s", directory, file);
    return path;
}

/* mkdir -p with mode 0700: a device holds the user's simulated secrets, so only the user may enter. Each
 * directory made here is set to exactly 0700 whatever the umask (which could also take the owner's own
 * bits away). A component another process creates meanwhile is fine (EEXIST); the caller checks the
 * result is a directory. */
static int make_directories(const char *directory)
{
    char *copy = strdup(directory);
    if (copy == NULL)
        return ENOMEM;
    int error = 0;
    for (char *p = copy + 1; error == 0; p++) {
        bool last = *p == '\0';
        if (!last && *p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) == 0) {
            if (chmod(copy, 0700) != 0)
                error = errno;
        } else if (errno != EEXIST) {
            error = errno;
        }
        if (last)
            break;
        *p = '/';
    }
    free(copy);
    return error;
}

/* ---- What the directory holds, before SQLite opens anything ---- */

/* SQLite's files beside the database: the write-ahead log and its index. */
static const char *const companion_suffixes[] = {"-wal", "-shm"};
/* DIR/device.sqlite3-creating: made before a new device's database, removed after its first commit. A
 * process killed in between leaves it, so what remains (no database, an empty one, or tables without
 * any row) is known for a creation that never finished - no phone was ever stored, nothing is lost -
 * and not taken for a device that lost its state. */
#define CREATION_MARKER_SUFFIX "-creating"

static bool other_owners_allowed(void)
{
    const char *value = getenv(SIM_DEVICE_STORE_ALLOW_OTHER_OWNER_VARIABLE);
    return value != NULL && strcmp(value, "1") == 0;
}

/* "alice (uid 1000)", or "uid 1000" for a uid without a name. */
static void describe_user(uid_t uid, char *out, size_t out_size)
{
    struct passwd entry, *found = NULL;
    char buffer[1024];
    if (getpwuid_r(uid, &entry, buffer, sizeof(buffer), &found) == 0 && found != NULL)
        snprintf(out, out_size, "%s (uid %u)", found->pw_name, (unsigned)uid);
    else
        snprintf(out, out_size, "uid %u", (unsigned)uid);
}

bool sim_device_file_is_private(const char *path, const struct stat *st, const char *at_stake, const char *fix,
                                char *why, size_t why_size)
{
    if (st->st_uid != geteuid() && !other_owners_allowed()) {
        char owner[160], you[160];
        describe_user(st->st_uid, owner, sizeof(owner));
        describe_user(geteuid(), you, sizeof(you));
        snprintf(why, why_size,
                 "%s is owned by %s, not by you (%s), and %s: use a device of your own (--device or KSSIM_DEVICE), or "
                 "set KSSIM_ALLOW_OTHER_OWNER=1 to use this one anyway",
                 path, owner, you, at_stake);
        return false;
    }
    if ((st->st_mode & 077) != 0) {
        snprintf(why, why_size, "%s has mode %04o, so other users may read or change it, and %s: run `%s`, then retry",
                 path, (unsigned)(st->st_mode & 07777), at_stake, fix);
        return false;
    }
    return true;
}

/* ssh's rule for private keys: the state row holds the device key that decrypts every key blob, so a
 * device's directory and files must be the user's own and closed to everyone else. */
static kssim_result require_private(sim_device_store *store, const char *path, const struct stat *st)
{
    size_t fix_size = 2 * strlen(store->directory) + sizeof("chmod 700  && chmod 600 /" SIM_DEVICE_STORE_FILE "*");
    char *fix = malloc(fix_size);
    if (fix == NULL)
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "out of memory while opening the device %s: free some memory and retry", store->directory);
    snprintf(fix, fix_size, "chmod 700 %s && chmod 600 %s/" SIM_DEVICE_STORE_FILE "*", store->directory,
             store->directory);
    char why[sizeof(store->message)];
    bool private = sim_device_file_is_private(path, st, "a device holds the key that decrypts every key blob", fix, why,
                                              sizeof(why));
    free(fix);
    return private ? KSSIM_OK : refuse(store, KSSIM_DEVICE_UNAVAILABLE, "%s", why);
}

/* lstat of one device file (the database when suffix is ""); *exists is false when it is not there. A
 * symbolic link is refused: the device is the files in its directory, not whatever a link - perhaps
 * another user's - points at. */
static kssim_result examine_file(sim_device_store *store, const char *suffix, bool *exists, struct stat *st)
{
    *exists = false;
    size_t n = strlen(store->path) + strlen(suffix) + 1;
    char *path = malloc(n);
    if (path == NULL)
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "out of memory while opening the device %s: free some memory and retry", store->directory);
    snprintf(path, n, "%s%s", store->path, suffix);
    kssim_result r = KSSIM_OK;
    if (lstat(path, st) != 0) {
        if (errno != ENOENT)
            r = refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                       "cannot look at %s (%s): make the device directory readable by you, " CHOOSE_ANOTHER, path,
                       strerror(errno));
    } else if (S_ISLNK(st->st_mode)) {
        *exists = true;
        r = refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                   "%s is a symbolic link, and kssim follows no link inside a device directory (it could lead to "
                   "another user's file): put the file itself there, " CHOOSE_ANOTHER,
                   path);
    } else if (!S_ISREG(st->st_mode)) {
        *exists = true;
        r = refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                   "%s exists but is not a file: move it away so the device can live there, " CHOOSE_ANOTHER, path);
    } else {
        *exists = true;
        r = require_private(store, path, st);
    }
    free(path);
    return r;
}

/* Whether the directory holds no entry but . and .. (a directory the user made for the device). */
static bool directory_is_empty(int directory_fd, bool *empty)
{
    *empty = true;
    int fd = dup(directory_fd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (dir == NULL) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    rewinddir(dir);
    struct dirent *entry;
    while (*empty && (entry = readdir(dir)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            *empty = false;
    closedir(dir);
    return true;
}

typedef enum directory_contents {
    DIRECTORY_HOLDS_NO_DEVICE, /* an empty directory, or an unfinished creation: a device that does not exist yet */
    DIRECTORY_HOLDS_DATABASE,  /* device.sqlite3, to be opened and checked */
} directory_contents;

/* What the device files say, looked at under the directory's lock. Anything but an empty directory or a
 * database file with content is not a whole device, and is refused rather than taken for a new phone:
 * that would lose what the log or the key rows still hold. */
static kssim_result examine_contents(sim_device_store *store, directory_contents *contents)
{
    struct stat st;
    bool database_exists, companion_exists = false;
    kssim_result r = examine_file(store, "", &database_exists, &st);
    for (size_t i = 0; r == KSSIM_OK && i < sizeof(companion_suffixes) / sizeof(companion_suffixes[0]); i++) {
        struct stat companion;
        bool exists;
        r = examine_file(store, companion_suffixes[i], &exists, &companion);
        companion_exists = companion_exists || exists;
    }
    struct stat marker;
    if (r == KSSIM_OK)
        r = examine_file(store, CREATION_MARKER_SUFFIX, &store->creation_marker_found, &marker);
    if (r != KSSIM_OK)
        return r;
    if (store->creation_marker_found && (!database_exists || st.st_size == 0)) {
        *contents = DIRECTORY_HOLDS_NO_DEVICE;
        return KSSIM_OK;
    }
    if (database_exists) {
        if (access(store->path, store->read_only ? R_OK : R_OK | W_OK) != 0)
            return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                          "cannot use the device file %s (%s): make it %s by you (chmod %s), " CHOOSE_ANOTHER,
                          store->path, strerror(errno), store->read_only ? "readable" : "readable and writable",
                          store->read_only ? "u+r" : "u+rw");
        if (st.st_size == 0)
            return refuse(
                store, KSSIM_DEVICE_DAMAGED,
                "%s is empty (0 bytes): the phone it held is lost, and its log alone is not one: " DAMAGED_ADVICE,
                store->path);
        *contents = DIRECTORY_HOLDS_DATABASE;
        return KSSIM_OK;
    }
    if (companion_exists)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "%s holds SQLite's log but no %s: the database was deleted or moved away, and the log alone is "
                      "not a phone. Put the database back, or " DAMAGED_ADVICE,
                      store->directory, SIM_DEVICE_STORE_FILE);
    bool empty;
    if (!directory_is_empty(store->directory_fd, &empty))
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "cannot list the device directory %s (%s): make it readable by you, " CHOOSE_ANOTHER,
                      store->directory, strerror(errno));
    if (!empty)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "%s holds files but no %s, so it is not a whole device: `kssim init --force` makes a new phone "
                      "there, " CHOOSE_ANOTHER,
                      store->directory, SIM_DEVICE_STORE_FILE);
    *contents = DIRECTORY_HOLDS_NO_DEVICE;
    return KSSIM_OK;
}

/* Opens the directory (making it when allowed and missing) and checks that it is the user's, private, and
 * usable. *missing: there is no directory and none was made. */
static kssim_result open_directory(sim_device_store *store, bool create, bool read_only, bool *missing)
{
    *missing = false;
    const char *dir = store->directory;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if (!create) {
            *missing = true;
            return KSSIM_OK;
        }
        int error = make_directories(dir);
        if (error != 0)
            return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                          "cannot create the device directory %s (%s): create it yourself (mode 0700), " CHOOSE_ANOTHER,
                          dir, strerror(error));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (fd < 0) {
        if (errno == ENOTDIR)
            return refuse(
                store, KSSIM_DEVICE_UNAVAILABLE,
                "%s exists but is not a directory, and a device is a directory: move the file away, " CHOOSE_ANOTHER,
                dir);
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "cannot use the device directory %s (%s): make it reachable and readable by you, " CHOOSE_ANOTHER,
                      dir, strerror(errno));
    }
    store->directory_fd = fd;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE, "cannot use the device directory %s (%s): " CHOOSE_ANOTHER, dir,
                      strerror(errno));
    /* An empty directory the user made for the device (mkdir under the usual umask: 0755) holds nothing
     * yet that others could read: a command that creates the device there makes it private first, and a
     * read command, which creates nothing, answers for the phone that does not exist yet. */
    bool empty = false;
    if (st.st_uid == geteuid() && (st.st_mode & 077) != 0 && directory_is_empty(fd, &empty) && empty &&
        (read_only || (create && fchmod(fd, 0700) == 0)))
        st.st_mode &= ~(mode_t)077;
    kssim_result r = require_private(store, dir, &st);
    if (r != KSSIM_OK)
        return r;
    if (access(dir, read_only ? R_OK | X_OK : R_OK | W_OK | X_OK) != 0)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "cannot use the device directory %s (%s): make it readable and writable by you (chmod "
                      "u+rwx), " CHOOSE_ANOTHER,
                      dir, strerror(errno));
    return KSSIM_OK;
}

/* flock on the directory: shared while a process looks at the files, exclusive while one creates a
 * device (until its first commit). Released when the directory is closed. */
static kssim_result lock_directory(sim_device_store *store, int how)
{
    while (flock(store->directory_fd, how) != 0)
        if (errno != EINTR)
            return refuse(
                store, KSSIM_DEVICE_UNAVAILABLE,
                "cannot lock the device directory %s (%s): use a directory on a local file system, " CHOOSE_ANOTHER,
                store->directory, strerror(errno));
    return KSSIM_OK;
}

static void release_directory(sim_device_store *store)
{
    if (store->directory_fd >= 0)
        close(store->directory_fd);
    store->directory_fd = -1;
}

static const char *const device_tables[] = {"meta", "state", "keyentry"};

/* The checks that make a database ours and readable by this kssim: the three tables and a schema version
 * we know. Refuses with KSSIM_DEVICE_DAMAGED. */
static kssim_result verify_schema(sim_device_store *store)
{
    for (size_t i = 0; i < sizeof(device_tables) / sizeof(device_tables[0]); i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                 device_tables[i]);
        int64_t count;
        bool found;
        int rc = query_integer(store->db, sql, &count, &found);
        if (rc != SQLITE_OK)
            return refuse_sqlite(store, rc, "reading the list of tables");
        if (count != 1)
            return refuse(store, KSSIM_DEVICE_DAMAGED,
                          "the device in %s has no `%s` table, so it is damaged: " DAMAGED_ADVICE, store->directory,
                          device_tables[i]);
    }
    int64_t version;
    bool found;
    int rc = query_integer(store->db, "SELECT value FROM meta WHERE name = 'schema_version'", &version, &found);
    if (rc != SQLITE_OK)
        return rc == SQLITE_ERROR ? refuse(store, KSSIM_DEVICE_DAMAGED,
                                           "the device in %s has a `meta` table of the wrong shape (%s), so it is "
                                           "damaged: " DAMAGED_ADVICE,
                                           store->directory, sqlite3_errmsg(store->db))
                                  : refuse_sqlite(store, rc, "reading the schema version");
    if (!found)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "the device in %s records no schema version, so it is damaged: " DAMAGED_ADVICE,
                      store->directory);
    if (version > SIM_DEVICE_STORE_SCHEMA_VERSION)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "the device in %s has schema version %lld, written by a newer kssim; this kssim (%s) reads "
                      "schema version %d: use the newer kssim, or replace the device with `kssim init --force`",
                      store->directory, (long long)version, SIM_DEVICE_STORE_CREATED_BY,
                      SIM_DEVICE_STORE_SCHEMA_VERSION);
    if (version < 1)
        return refuse(
            store, KSSIM_DEVICE_DAMAGED,
            "the device in %s has schema version %lld, which no kssim writes, so it is damaged: " DAMAGED_ADVICE,
            store->directory, (long long)version);
    return KSSIM_OK;
}

/* Is the file ours? *fresh: an empty database (a file just created, or one with no tables and no
 * application_id), where the schema is still to be made. */
static kssim_result inspect_database(sim_device_store *store, bool *fresh)
{
    *fresh = false;
    int64_t application_id, tables;
    bool found;
    int rc = query_integer(store->db, "PRAGMA application_id", &application_id, &found);
    if ((rc & 0xff) == SQLITE_NOTADB)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "%s is not a kssim device: it is not an SQLite database. Move it away, " CHOOSE_ANOTHER
                      ", or replace it with a new phone with `kssim init --force`",
                      store->path);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "opening");
    rc = query_integer(store->db, "SELECT count(*) FROM sqlite_master", &tables, &found);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "reading the list of tables");
    if (application_id == 0 && tables == 0) {
        *fresh = true;
        return KSSIM_OK;
    }
    if (application_id != SIM_DEVICE_STORE_APPLICATION_ID)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "%s is not a kssim device: it is another application's SQLite database (application_id "
                      "0x%08llx; a device has 0x%08x). Move it away, " CHOOSE_ANOTHER
                      ", or replace it with a new phone with `kssim init --force`",
                      store->path, (unsigned long long)(uint32_t)application_id, SIM_DEVICE_STORE_APPLICATION_ID);
    return verify_schema(store);
}

/* Makes the tables of a new device, in one transaction so that a process killed meanwhile leaves an
 * empty file (fresh again) rather than half a schema. Another process may have made them since we
 * looked: inspecting again under the write lock settles it. */
static kssim_result create_schema(sim_device_store *store)
{
    static const char *const schema =
        "PRAGMA application_id = 1263749453;" /* SIM_DEVICE_STORE_APPLICATION_ID */
        "CREATE TABLE meta(name TEXT PRIMARY KEY NOT NULL, value);"
        "INSERT INTO meta(name, value) VALUES ('schema_version', 1), ('created_by', '" SIM_DEVICE_STORE_CREATED_BY "');"
        "CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), image BLOB NOT NULL);"
        "CREATE TABLE keyentry(alias TEXT PRIMARY KEY NOT NULL, image BLOB NOT NULL);";
    _Static_assert(SIM_DEVICE_STORE_APPLICATION_ID == 1263749453, "the schema's application_id");
    _Static_assert(SIM_DEVICE_STORE_SCHEMA_VERSION == 1, "the schema's version");
    int rc = exec_sql(store->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "creating the device");
    bool fresh;
    kssim_result r = inspect_database(store, &fresh);
    if (r == KSSIM_OK && fresh) {
        rc = exec_sql(store->db, schema);
        if (rc != SQLITE_OK)
            r = refuse_sqlite(store, rc, "creating the device");
    }
    if (r == KSSIM_OK) {
        rc = exec_sql(store->db, "COMMIT");
        if (rc != SQLITE_OK)
            r = refuse_sqlite(store, rc, "creating the device");
    }
    if (r != KSSIM_OK && !sqlite3_get_autocommit(store->db))
        exec_sql(store->db, "ROLLBACK");
    return r;
}

/* Most processes that open a device make one or two commits and exit (`kssim` commands, `openssl
 * pkeyutl`). By default the last connection to close checkpoints the log into the database, syncs both
 * files and deletes the log and its index, which the next process creates again: more than the rest of
 * such a process's device work together, and far more when other jobs write to the disk
 * (docs/performance.md). So the log and its index stay, and checkpoints happen only when the log has
 * grown (SQLite's automatic checkpoint, every 1000 pages). What is committed is as safe as before: a
 * crash at any instant loses nothing committed, and a power failure may lose the commits since the last
 * checkpoint, never consistency (docs/device.md). */
#define LOG_PAGES_BEFORE_CHECKPOINT 1000 /* SQLite's automatic checkpoint, which the hook below replaces */

/* Called by SQLite after every commit with the length of the log: remembered for fold_a_long_log. */
static int after_commit(void *arg, sqlite3 *db, const char *name, int pages_in_log)
{
    sim_device_store *store = arg;
    store->log_pages = pages_in_log;
    if (pages_in_log >= LOG_PAGES_BEFORE_CHECKPOINT)
        sqlite3_wal_checkpoint(db, name);
    return SQLITE_OK;
}

static void keep_log_between_processes(sim_device_store *store)
{
    int keep = 1;
    sqlite3_file_control(store->db, "main", SQLITE_FCNTL_PERSIST_WAL, &keep);
    sqlite3_db_config(store->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_wal_hook(store->db, after_commit, store);
}

static kssim_result refuse_prepare(sim_device_store *store, int rc, const char *doing);

/* A device's one state row: without it the database holds no phone, whatever its key rows say. */
static kssim_result require_state_row(sim_device_store *store)
{
    int64_t states, keys = 0;
    bool found;
    int rc = query_integer(store->db, "SELECT count(*) FROM state", &states, &found);
    /* The key rows are counted only for the sentence of a device without its state: counting them at every
     * open would read every row's page (issue 17). */
    if (rc == SQLITE_OK && states == 0)
        rc = query_integer(store->db, "SELECT count(*) FROM keyentry", &keys, &found);
    if (rc != SQLITE_OK)
        return refuse_prepare(store, rc, "looking for the device's state");
    if (states == 0 && keys == 0 && store->creation_marker_found) {
        store->unfinished_creation = true;
        return KSSIM_OK;
    }
    if (states == 0)
        return refuse(
            store, KSSIM_DEVICE_DAMAGED,
            "the device in %s has no state row, so it holds no phone (%lld key row%s without one): " DAMAGED_ADVICE,
            store->directory, (long long)keys, keys == 1 ? "" : "s");
    return KSSIM_OK;
}

/* Opens device.sqlite3: a file just made by create_database (new_file: its tables are made here), or one
 * examine_contents found, which must be a whole device. */
static kssim_result open_database(sim_device_store *store, bool new_file)
{
    /* NOFOLLOW: a link put in place of the file since examine_file looked is refused too. */
    int flags = (store->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOFOLLOW;
    int rc = sqlite3_open_v2(store->path, &store->db, flags, NULL);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "opening");
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_timeout(store->db, SIM_DEVICE_STORE_BUSY_TIMEOUT_MS);
    bool fresh;
    kssim_result r = inspect_database(store, &fresh);
    if (r != KSSIM_OK)
        return r;
    if (fresh && !new_file && store->creation_marker_found) {
        store->unfinished_creation = true;
        return KSSIM_OK;
    }
    if (fresh && !new_file)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "%s is an SQLite database without tables, so the phone it held is lost: " DAMAGED_ADVICE,
                      store->path);
    if (!fresh) {
        r = require_state_row(store);
        if (r != KSSIM_OK || store->unfinished_creation)
            return r;
    }
    /* Only now that the file is known to be ours (or new) do we change anything about it. WAL is recorded
     * in the file; synchronous is per connection. A read-only store changes nothing. */
    if (!store->read_only) {
        rc = exec_sql(store->db, "PRAGMA journal_mode = WAL");
        if (rc == SQLITE_OK)
            rc = exec_sql(store->db, "PRAGMA synchronous = NORMAL");
        if (rc != SQLITE_OK)
            return refuse_sqlite(store, rc, "opening");
    }
    keep_log_between_processes(store);
    return fresh ? create_schema(store) : KSSIM_OK;
}

/* The database file of a new device, made by this process under the directory's exclusive lock: 0600
 * whatever the umask (SQLite gives its log and index the database file's mode). */
static kssim_result create_database(sim_device_store *store)
{
    size_t n = strlen(store->path) + sizeof(CREATION_MARKER_SUFFIX);
    char *marker = malloc(n);
    if (marker == NULL)
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "out of memory while creating the device %s: free some memory and retry", store->directory);
    snprintf(marker, n, "%s" CREATION_MARKER_SUFFIX, store->path);
    int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int error = errno;
    free(marker);
    if (fd < 0)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "cannot create a file in %s (%s): make the device directory writable by you, " CHOOSE_ANOTHER,
                      store->directory, strerror(error));
    close(fd);
    store->creating = true; /* from here, a failure removes what was made (sim_device_store_close) */
    fd = open(store->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "cannot create %s (%s): make the device directory writable by you, " CHOOSE_ANOTHER, store->path,
                      strerror(errno));
    bool private = fchmod(fd, 0600) == 0;
    error = errno;
    close(fd);
    if (!private)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE, "cannot make %s private to you (%s): " CHOOSE_ANOTHER,
                      store->path, strerror(error));
    return open_database(store, true);
}

/* The log stays between processes (keep_log_between_processes), but the first connection of the next
 * process reads all of it again: SQLite rebuilds the log's index from the log, about 3 us per page here,
 * 3 ms for a log of 1000 pages. So a process whose last commit left a longer log than this folds it into
 * the database as it closes (one checkpoint and its syncs every few dozen `kssim` or `openssl`
 * processes, which write a page or two each), without waiting for other processes: if one is busy with
 * the device, the log stays and a later process folds it. */
#define LOG_PAGES_LEFT_AT_CLOSE 128

static void fold_a_long_log(sim_device_store *store)
{
    if (store->log_pages <= LOG_PAGES_LEFT_AT_CLOSE)
        return;
    sqlite3_busy_timeout(store->db, 0);
    sqlite3_wal_checkpoint_v2(store->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

static void close_database(sim_device_store *store)
{
    if (store->db == NULL)
        return;
    for (size_t i = 0; i < STATEMENT_COUNT; i++) {
        sqlite3_finalize(store->statements[i]);
        store->statements[i] = NULL;
    }
    if (!sqlite3_get_autocommit(store->db))
        exec_sql(store->db, "ROLLBACK");
    fold_a_long_log(store);
    sqlite3_close_v2(store->db);
    store->db = NULL;
}

/* kssim init --force on a file we refused: remove it and what SQLite keeps beside it (a stale log must
 * never be replayed onto a new file). */
static kssim_result remove_database_files(sim_device_store *store)
{
    /* The marker last: a removal cut short still reads as an unfinished creation. */
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal", CREATION_MARKER_SUFFIX};
    size_t n = strlen(store->path) + sizeof(CREATION_MARKER_SUFFIX);
    char *path = malloc(n);
    if (path == NULL)
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "out of memory while replacing the device %s: free some memory and retry", store->directory);
    kssim_result r = KSSIM_OK;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]) && r == KSSIM_OK; i++) {
        snprintf(path, n, "%s%s", store->path, suffixes[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            r = refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                       "cannot remove %s to replace the device (%s): remove it yourself, " CHOOSE_ANOTHER, path,
                       strerror(errno));
    }
    free(path);
    return r;
}

/* Looks at the files and opens the database if there is one: *whole when it holds a device. Not whole
 * and KSSIM_OK: no device yet (an empty directory, or what a killed creation left). */
static kssim_result look_for_device(sim_device_store *store, bool *whole)
{
    *whole = false;
    store->unfinished_creation = false;
    directory_contents contents;
    kssim_result r = examine_contents(store, &contents);
    if (r != KSSIM_OK || contents != DIRECTORY_HOLDS_DATABASE)
        return r;
    r = open_database(store, false);
    *whole = r == KSSIM_OK && !store->unfinished_creation;
    if (!*whole)
        close_database(store);
    return r;
}

/* Opens the files of a store already allocated, as sim_device_store_open describes. */
static kssim_result open_store_files(sim_device_store *store, sim_device_store_open_mode mode)
{
    bool may_create = mode == SIM_DEVICE_STORE_OPEN_OR_CREATE || mode == SIM_DEVICE_STORE_OPEN_DISCARDING_DAMAGED;
    bool missing, whole = false;
    kssim_result r = open_directory(store, may_create, store->read_only, &missing);
    if (r == KSSIM_OK && missing)
        return store->read_only ? KSSIM_OK
                                : refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                                         "there is no device in %s: create one with `kssim init`, " CHOOSE_ANOTHER,
                                         store->directory);
    if (r == KSSIM_OK)
        r = lock_directory(store, LOCK_SH);
    if (r == KSSIM_OK)
        r = look_for_device(store, &whole);
    bool discard = r == KSSIM_DEVICE_DAMAGED && mode == SIM_DEVICE_STORE_OPEN_DISCARDING_DAMAGED;
    if (!discard && (r != KSSIM_OK || whole || !may_create)) {
        /* No device yet is an empty store for a reader, a refusal for an open that may not create. */
        if (r == KSSIM_OK && !whole && !store->read_only)
            r = refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                       "there is no device in %s: create one with `kssim init`, " CHOOSE_ANOTHER, store->directory);
        release_directory(store);
        return r;
    }
    /* Creating: exclusively, looking again, since another process may have made the device while this
     * one waited for the lock; the lock stays until the first commit. */
    close_database(store);
    r = lock_directory(store, LOCK_EX);
    if (r == KSSIM_OK && !discard) {
        r = look_for_device(store, &whole);
        if (r != KSSIM_OK || whole) {
            release_directory(store);
            return r;
        }
    }
    /* What is removed: the device replaced (init --force), or what a killed creation left. */
    if (r == KSSIM_OK)
        r = remove_database_files(store);
    return r == KSSIM_OK ? create_database(store) : r;
}

kssim_result sim_device_store_open(const char *directory, sim_device_store_open_mode mode, sim_device_store **out,
                                   char *why, size_t why_size)
{
    *out = NULL;
    if (why_size > 0)
        why[0] = '\0';
    if (directory == NULL || directory[0] == '\0') {
        snprintf(why, why_size,
                 "the device location is empty: name a device directory with --device or "
                 "KSSIM_DEVICE, or use memory:");
        return KSSIM_DEVICE_UNAVAILABLE;
    }
    sim_device_store *store = calloc(1, sizeof(*store));
    if (store != NULL) {
        store->directory_fd = -1;
        store->read_only = mode == SIM_DEVICE_STORE_OPEN_READ_ONLY;
        store->directory = strdup(directory);
        store->path = join_path(directory, SIM_DEVICE_STORE_FILE);
    }
    if (store == NULL || store->directory == NULL || store->path == NULL) {
        sim_device_store_close(store);
        snprintf(why, why_size, "out of memory while opening the device %s: free some memory and retry", directory);
        return KSSIM_SYSTEM_ERROR;
    }
    kssim_result r = open_store_files(store, mode);
    if (r != KSSIM_OK) {
        snprintf(why, why_size, "%s", store->message);
        sim_device_store_close(store);
        return r;
    }
    *out = store;
    return KSSIM_OK;
}

void sim_device_store_end_creation(sim_device_store *store)
{
    /* The device is whole (its state row is committed): the marker goes, then the lock. */
    size_t n = strlen(store->path) + sizeof(CREATION_MARKER_SUFFIX);
    char *marker = malloc(n);
    if (marker != NULL) {
        snprintf(marker, n, "%s" CREATION_MARKER_SUFFIX, store->path);
        unlink(marker);
        free(marker);
    }
    store->creating = false;
    release_directory(store);
}

void sim_device_store_close(sim_device_store *store)
{
    if (store == NULL)
        return;
    close_database(store);
    /* A creation that never committed leaves nothing behind: no process has seen it (the lock). */
    if (store->creating && store->has_committed)
        sim_device_store_end_creation(store);
    else if (store->creating)
        remove_database_files(store);
    release_directory(store);
    sim_device_image_free(&store->committed);
    sim_device_image_free(&store->pending);
    free(store->directory);
    free(store->path);
    free(store);
}

const char *sim_device_store_directory(const sim_device_store *store)
{
    return store->directory;
}

bool sim_device_store_is_read_only(const sim_device_store *store)
{
    return store->read_only;
}

const char *sim_device_store_message(const sim_device_store *store)
{
    return store->message;
}

static kssim_result require_transaction(sim_device_store *store, const char *doing)
{
    if (store->db == NULL)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "there is no device in %s yet (it was opened to read only, while %s): create one with `kssim "
                      "init`, " CHOOSE_ANOTHER,
                      store->directory, doing);
    if (sqlite3_get_autocommit(store->db))
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "no transaction is open on the device %s while %s: begin one with kssim_device_begin first",
                      store->directory, doing);
    return KSSIM_OK;
}

/* PRAGMA data_version through its kept statement. */
static int read_data_version(sim_device_store *store, int64_t *version)
{
    sqlite3_stmt *stmt = NULL;
    *version = 0;
    int rc = prepared(store, STATEMENT_DATA_VERSION, &stmt);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(stmt, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_reset(stmt);
    return rc;
}

kssim_result sim_device_store_begin(sim_device_store *store, bool *changed_by_others)
{
    *changed_by_others = false;
    if (store->db == NULL)
        return KSSIM_OK; /* a read-only store with no device yet: nothing to read, nothing changes */
    if (!sqlite3_get_autocommit(store->db))
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "a transaction on the device %s is already open: commit or roll it back before beginning "
                      "another",
                      store->directory);
    int rc = run_statement(store, store->read_only ? STATEMENT_BEGIN_READ : STATEMENT_BEGIN);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "beginning a transaction");
    int64_t version, states;
    bool found;
    /* A read transaction takes its snapshot at its first read: before data_version, so both see one commit. */
    if (store->read_only)
        rc = query_integer(store->db, "SELECT count(*) FROM state", &states, &found);
    if (rc == SQLITE_OK)
        rc = read_data_version(store, &version);
    if (rc != SQLITE_OK) {
        kssim_result r = refuse_sqlite(store, rc, "beginning a transaction");
        exec_sql(store->db, "ROLLBACK");
        return r;
    }
    *changed_by_others = !store->has_data_version || version != store->data_version || !store->has_committed;
    store->has_data_version = true;
    store->data_version = version;
    return KSSIM_OK;
}

kssim_result sim_device_store_holds_device(sim_device_store *store, bool *holds)
{
    *holds = false;
    if (store->db == NULL)
        return KSSIM_OK;
    kssim_result r = require_transaction(store, "looking for a device");
    if (r != KSSIM_OK)
        return r;
    int64_t count;
    bool found;
    int rc = query_integer(store->db, "SELECT count(*) FROM state", &count, &found);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "looking for a device");
    *holds = count > 0;
    return KSSIM_OK;
}

static uint8_t *copy_blob(const void *bytes, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy != NULL && len > 0)
        memcpy(copy, bytes, len);
    return copy;
}

/* A statement our static SQL could not prepare means the tables do not have the columns we made. */
static kssim_result refuse_prepare(sim_device_store *store, int rc, const char *doing)
{
    if (rc == SQLITE_ERROR)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "the device in %s does not have the tables kssim makes (%s, while %s), so it is "
                      "damaged: " DAMAGED_ADVICE,
                      store->directory, sqlite3_errmsg(store->db), doing);
    return refuse_sqlite(store, rc, doing);
}

static kssim_result read_state(sim_device_store *store, sim_device_image *image)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepared(store, STATEMENT_READ_STATE, &stmt);
    if (rc != SQLITE_OK)
        return refuse_prepare(store, rc, "reading the device state");
    kssim_result r = KSSIM_OK;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        r = refuse(store, KSSIM_DEVICE_DAMAGED,
                   "the device in %s has no state row, so it holds no phone: replace it with a new phone with "
                   "`kssim init --force`",
                   store->directory);
    } else if (rc != SQLITE_ROW) {
        r = refuse_sqlite(store, rc, "reading the device state");
    } else if (sqlite3_column_type(stmt, 0) != SQLITE_BLOB) {
        r = refuse(store, KSSIM_DEVICE_DAMAGED,
                   "the device in %s has a state row that is not a binary image, so it is damaged: " DAMAGED_ADVICE,
                   store->directory);
    } else {
        size_t len = (size_t)sqlite3_column_bytes(stmt, 0);
        image->state = copy_blob(sqlite3_column_blob(stmt, 0), len);
        image->state_len = len;
        if (image->state == NULL)
            r = refuse(store, KSSIM_SYSTEM_ERROR,
                       "out of memory while reading the device %s: free some memory and "
                       "retry",
                       store->directory);
    }
    sqlite3_reset(stmt);
    return r;
}

static void forget_bindings(sqlite3_stmt *stmt);

/* Appends one key row, checking what SQLite cannot: an alias the device could have made. */
static kssim_result read_key_row(sim_device_store *store, sqlite3_stmt *stmt, sim_device_image *image, size_t *capacity)
{
    if (sqlite3_column_count(stmt) != 2)
        return refuse_sqlite(store, SQLITE_ERROR, "reading the keys");
    if (sqlite3_column_type(stmt, 0) != SQLITE_TEXT || sqlite3_column_type(stmt, 1) != SQLITE_BLOB)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "the device in %s has a key row whose alias is not text or whose image is not binary, so it "
                      "is damaged: " DAMAGED_ADVICE,
                      store->directory);
    const char *alias = (const char *)sqlite3_column_text(stmt, 0);
    size_t alias_len = (size_t)sqlite3_column_bytes(stmt, 0);
    if (alias == NULL || alias_len == 0 || alias_len >= KSSIM_ALIAS_MAX || strlen(alias) != alias_len)
        return refuse(store, KSSIM_DEVICE_DAMAGED,
                      "the device in %s has a key row whose alias is empty, longer than %d bytes or holds a NUL, so "
                      "it is damaged: " DAMAGED_ADVICE,
                      store->directory, KSSIM_ALIAS_MAX - 1);
    sim_key_image *keys = sim_array_with_room_for_one_more(image->keys, image->key_count, capacity, sizeof(*keys), 16);
    if (keys == NULL)
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "out of memory while reading the device %s: free some memory "
                      "and retry",
                      store->directory);
    image->keys = keys;
    sim_key_image *key = &image->keys[image->key_count];
    memset(key, 0, sizeof(*key));
    memcpy(key->alias, alias, alias_len + 1);
    key->len = (size_t)sqlite3_column_bytes(stmt, 1);
    key->bytes = copy_blob(sqlite3_column_blob(stmt, 1), key->len);
    if (key->bytes == NULL)
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "out of memory while reading the device %s: free some memory and "
                      "retry",
                      store->directory);
    image->key_count++;
    return KSSIM_OK;
}

/* The rows, sorted by alias as device_image.h wants them: SQLite's BINARY collation orders UTF-8 text
 * without NULs as strcmp does. */
static kssim_result read_keys(sim_device_store *store, sim_device_image *image)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db, "SELECT alias, image FROM keyentry ORDER BY alias", -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return refuse_prepare(store, rc, "reading the keys");
    size_t capacity = 0;
    kssim_result r = KSSIM_OK;
    while (r == KSSIM_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        r = read_key_row(store, stmt, image, &capacity);
    if (r == KSSIM_OK && rc != SQLITE_DONE)
        r = refuse_sqlite(store, rc, "reading the keys");
    sqlite3_finalize(stmt);
    return r;
}

static kssim_result read_image(sim_device_store *store, sim_device_image *image)
{
    memset(image, 0, sizeof(*image));
    kssim_result r = read_state(store, image);
    if (r == KSSIM_OK)
        r = read_keys(store, image);
    if (r != KSSIM_OK)
        sim_device_image_free(image);
    return r;
}

kssim_result sim_device_store_read_state(sim_device_store *store, const sim_device_image **image)
{
    *image = NULL;
    kssim_result r = require_transaction(store, "reading the device");
    if (r != KSSIM_OK)
        return r;
    sim_device_image read;
    memset(&read, 0, sizeof(read));
    r = read_state(store, &read);
    if (r != KSSIM_OK) {
        sim_device_image_free(&read);
        return r;
    }
    read.keys_partial = true;
    sim_device_image_free(&store->committed);
    store->committed = read;
    store->has_committed = true;
    *image = &store->committed;
    return KSSIM_OK;
}

/* Key rows may be read outside a transaction too (SQLite's own read transaction around the statement): a
 * device put back to its last commit after a failed one marks its keys rolled back there. A row newer than
 * the device in memory is the same kind of reading as another process's commit; the next begin sees that
 * commit and reads again. */
static kssim_result require_rows(sim_device_store *store, const char *doing)
{
    if (store->db != NULL && sqlite3_get_autocommit(store->db))
        return KSSIM_OK;
    return require_transaction(store, doing);
}

kssim_result sim_device_store_read_key(sim_device_store *store, const char *alias, sim_key_image *key, bool *found)
{
    memset(key, 0, sizeof(*key));
    *found = false;
    if (store->db == NULL)
        return KSSIM_OK; /* a read-only store with no device yet: the new phone it answers for has no key */
    kssim_result r = require_rows(store, "reading a key");
    if (r != KSSIM_OK)
        return r;
    sqlite3_stmt *stmt = NULL;
    int rc = prepared(store, STATEMENT_READ_KEY, &stmt);
    if (rc != SQLITE_OK)
        return refuse_prepare(store, rc, "reading a key");
    rc = sqlite3_bind_text(stmt, 1, alias, -1, SQLITE_STATIC);
    sim_device_image one;
    memset(&one, 0, sizeof(one));
    size_t capacity = 0;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        r = read_key_row(store, stmt, &one, &capacity);
    } else if (rc != SQLITE_DONE) {
        r = refuse_sqlite(store, rc, "reading a key");
    }
    forget_bindings(stmt);
    if (r == KSSIM_OK && one.key_count == 1) {
        *key = one.keys[0];
        *found = true;
        free(one.keys);
    } else {
        sim_device_image_free(&one);
    }
    return r;
}

kssim_result sim_device_store_read_keys(sim_device_store *store, sim_device_image *keys)
{
    memset(keys, 0, sizeof(*keys));
    if (store->db == NULL)
        return KSSIM_OK; /* a read-only store with no device yet */
    kssim_result r = require_rows(store, "reading the keys");
    if (r == KSSIM_OK)
        r = read_keys(store, keys);
    if (r != KSSIM_OK)
        sim_device_image_free(keys);
    return r;
}

kssim_result sim_device_store_read(sim_device_store *store, const sim_device_image **image)
{
    *image = NULL;
    kssim_result r = require_transaction(store, "reading the device");
    if (r != KSSIM_OK)
        return r;
    sim_device_image read;
    r = read_image(store, &read);
    if (r != KSSIM_OK)
        return r;
    sim_device_image_free(&store->committed);
    store->committed = read;
    store->has_committed = true;
    *image = &store->committed;
    return KSSIM_OK;
}

static int bind_bytes(sqlite3_stmt *stmt, int index, const uint8_t *bytes, size_t len)
{
    /* A NULL pointer would bind SQL NULL, which `image BLOB NOT NULL` refuses: an empty image is an
     * empty blob. */
    if (len == 0)
        return sqlite3_bind_zeroblob(stmt, index, 0);
    return sqlite3_bind_blob64(stmt, index, bytes, (sqlite3_uint64)len, SQLITE_STATIC);
}

static bool same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static void forget_bindings(sqlite3_stmt *stmt)
{
    if (stmt == NULL)
        return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

static int write_state(sim_device_store *store, const sim_device_image *next)
{
    sqlite3_stmt *stmt = NULL;
    int rc = prepared(store, STATEMENT_WRITE_STATE, &stmt);
    if (rc == SQLITE_OK)
        rc = bind_bytes(stmt, 1, next->state, next->state_len);
    if (rc == SQLITE_OK)
        rc = step_once(stmt);
    else
        forget_bindings(stmt);
    return rc;
}

/* The key rows: a merge of two lists sorted by alias. Every alias only in `base` is deleted; every alias
 * only in `next`, or whose bytes differ, is written. base NULL: nothing is known of the table, so it is
 * emptied and every key written. */
static int write_keys(sim_device_store *store, const sim_device_image *base, const sim_device_image *next)
{
    sqlite3_stmt *upsert = NULL, *remove = NULL;
    int rc = prepared(store, STATEMENT_UPSERT_KEY, &upsert);
    if (rc == SQLITE_OK)
        rc = prepared(store, STATEMENT_DELETE_KEY, &remove);
    if (rc == SQLITE_OK && base == NULL)
        rc = exec_sql(store->db, "DELETE FROM keyentry");
    size_t base_count = base != NULL ? base->key_count : 0;
    size_t i = 0, j = 0;
    while (rc == SQLITE_OK && (i < base_count || j < next->key_count)) {
        int order = i == base_count ? 1 : j == next->key_count ? -1 : strcmp(base->keys[i].alias, next->keys[j].alias);
        if (order < 0) {
            rc = sqlite3_bind_text(remove, 1, base->keys[i].alias, -1, SQLITE_STATIC);
            if (rc == SQLITE_OK)
                rc = step_once(remove);
            i++;
            continue;
        }
        const sim_key_image *key = &next->keys[j];
        bool changed = order > 0 || !same_bytes(base->keys[i].bytes, base->keys[i].len, key->bytes, key->len);
        if (changed) {
            rc = sqlite3_bind_text(upsert, 1, key->alias, -1, SQLITE_STATIC);
            if (rc == SQLITE_OK)
                rc = bind_bytes(upsert, 2, key->bytes, key->len);
            if (rc == SQLITE_OK)
                rc = step_once(upsert);
        }
        if (order == 0)
            i++;
        j++;
    }
    /* A failed bind leaves its statement bound but unstepped: make it clean for the next transaction. */
    if (rc != SQLITE_OK) {
        forget_bindings(upsert);
        forget_bindings(remove);
    }
    return rc;
}

/* The rows of a capture of the changes: the aliases removed go, then every key it holds is written (an
 * alias removed and stored again in one command is in both). */
static int write_changed_keys(sim_device_store *store, const sim_device_image *next)
{
    sqlite3_stmt *upsert = NULL, *remove = NULL;
    int rc = prepared(store, STATEMENT_UPSERT_KEY, &upsert);
    if (rc == SQLITE_OK)
        rc = prepared(store, STATEMENT_DELETE_KEY, &remove);
    for (size_t i = 0; rc == SQLITE_OK && i < next->removed_count; i++) {
        rc = sqlite3_bind_text(remove, 1, next->removed[i], -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = step_once(remove);
    }
    for (size_t j = 0; rc == SQLITE_OK && j < next->key_count; j++) {
        const sim_key_image *key = &next->keys[j];
        rc = sqlite3_bind_text(upsert, 1, key->alias, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = bind_bytes(upsert, 2, key->bytes, key->len);
        if (rc == SQLITE_OK)
            rc = step_once(upsert);
    }
    if (rc != SQLITE_OK) {
        forget_bindings(upsert);
        forget_bindings(remove);
    }
    return rc;
}

kssim_result sim_device_store_write(sim_device_store *store, sim_device_image *next)
{
    kssim_result r = require_transaction(store, "writing the device");
    if (r != KSSIM_OK)
        return r;
    const sim_device_image *base = store->has_pending     ? &store->pending
                                   : store->has_committed ? &store->committed
                                                          : NULL;
    int rc = SQLITE_OK;
    if (base == NULL || !same_bytes(base->state, base->state_len, next->state, next->state_len))
        rc = write_state(store, next);
    /* A base that does not hold every key row cannot say which rows differ from a whole image: all are
     * written again. */
    if (rc == SQLITE_OK)
        rc = next->keys_partial ? write_changed_keys(store, next)
                                : write_keys(store, base != NULL && base->keys_partial ? NULL : base, next);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "writing the device");
    sim_device_image_free(&store->pending);
    store->pending = *next;
    store->has_pending = true;
    memset(next, 0, sizeof(*next));
    if (store->pending.keys_partial) {
        /* What is kept is the state the next write compares with; the key rows are the database's. */
        sim_device_image keys_only = store->pending;
        keys_only.state = NULL;
        keys_only.state_len = 0;
        sim_device_image_free(&keys_only);
        store->pending.keys = NULL;
        store->pending.key_count = 0;
        store->pending.removed = NULL;
        store->pending.removed_count = 0;
    }
    return KSSIM_OK;
}

kssim_result sim_device_store_clear(sim_device_store *store)
{
    kssim_result r = require_transaction(store, "replacing the device");
    if (r != KSSIM_OK)
        return r;
    int rc = exec_sql(store->db, "DELETE FROM keyentry; DELETE FROM state;");
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "replacing the device");
    /* The emptied tables are what this transaction has written so far; the next write compares with them. */
    sim_device_image_free(&store->pending);
    store->has_pending = true;
    return KSSIM_OK;
}

kssim_result sim_device_store_commit(sim_device_store *store)
{
    kssim_result r = require_transaction(store, "committing");
    if (r != KSSIM_OK)
        return r;
    int rc = run_statement(store, STATEMENT_COMMIT);
    if (rc != SQLITE_OK) {
        r = refuse_sqlite(store, rc, "committing");
        sim_device_store_rollback(store);
        return r;
    }
    if (store->has_pending) {
        sim_device_image_free(&store->committed);
        store->committed = store->pending;
        store->has_committed = true;
        memset(&store->pending, 0, sizeof(store->pending));
        store->has_pending = false;
    }
    return KSSIM_OK;
}

kssim_result sim_device_store_sync_log(sim_device_store *store)
{
    if (store->db == NULL || store->read_only)
        return KSSIM_OK;
    /* SQLite's own handle of the log (the journal in WAL mode), so the sync is the one SQLite would make,
     * the directory too when the log is new. */
    sqlite3_file *log = NULL;
    int rc = sqlite3_file_control(store->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log);
    if (rc == SQLITE_OK && (log == NULL || log->pMethods == NULL))
        return KSSIM_OK; /* no log: a commit with a rollback journal syncs the database itself */
    if (rc == SQLITE_OK)
        rc = log->pMethods->xSync(log, SQLITE_SYNC_FULL);
    return rc == SQLITE_OK ? KSSIM_OK : refuse_sqlite(store, rc, "syncing the log");
}

void sim_device_store_rollback(sim_device_store *store)
{
    if (store->db != NULL && !sqlite3_get_autocommit(store->db))
        exec_sql(store->db, "ROLLBACK");
    sim_device_image_free(&store->pending);
    store->has_pending = false;
}

const sim_device_image *sim_device_store_last_committed(const sim_device_store *store)
{
    return store->has_committed ? &store->committed : NULL;
}

void sim_device_store_forget_last_committed(sim_device_store *store)
{
    sim_device_image_free(&store->committed);
    store->has_committed = false;
}

/* PRAGMA integrity_check answers one row "ok", or rows describing each problem; the first is enough. */
static kssim_result check_integrity(sim_device_store *store)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db, "PRAGMA integrity_check", -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "checking the device");
    kssim_result r = KSSIM_OK;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
        if (verdict == NULL || strcmp(verdict, "ok") != 0)
            r = refuse(store, KSSIM_DEVICE_DAMAGED,
                       "SQLite's integrity check of %s failed (%s), so the device is damaged: " DAMAGED_ADVICE,
                       store->path, verdict != NULL ? verdict : "no verdict");
    } else {
        r = refuse_sqlite(store, rc, "checking the device");
    }
    sqlite3_finalize(stmt);
    return r;
}

kssim_result sim_device_store_check(sim_device_store *store, sim_device_image *copy)
{
    memset(copy, 0, sizeof(*copy));
    if (store->db == NULL)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "there is no device in %s: create one with `kssim init`, " CHOOSE_ANOTHER, store->directory);
    /* One read transaction, so the rows checked are one commit's; inside a caller's transaction, that one. */
    bool own_transaction = sqlite3_get_autocommit(store->db);
    if (own_transaction) {
        int rc = exec_sql(store->db, "BEGIN");
        if (rc != SQLITE_OK)
            return refuse_sqlite(store, rc, "checking the device");
    }
    kssim_result r = check_integrity(store);
    bool fresh = false;
    if (r == KSSIM_OK)
        r = inspect_database(store, &fresh);
    if (r == KSSIM_OK && fresh)
        r = refuse(store, KSSIM_DEVICE_DAMAGED, "%s has lost its tables, so the device is damaged: " DAMAGED_ADVICE,
                   store->path);
    if (r == KSSIM_OK)
        r = read_image(store, copy);
    if (own_transaction)
        exec_sql(store->db, "ROLLBACK");
    return r;
}
