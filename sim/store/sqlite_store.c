/*
 * sqlite_store.c - a device directory's SQLite database (see sqlite_store.h for what it holds and why).
 *
 * Durability: the database runs in WAL mode with synchronous=NORMAL. A commit appends to the
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
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite_store.h"

/* Which kssim created a device, recorded in meta for whoever inspects the file. */
#define SIM_DEVICE_STORE_CREATED_BY "kssim 0.1.0"

/* The statements every transaction runs, prepared once per connection and kept: compiling their SQL
 * at every command cost more than a P-256 signature (docs/performance.md). */
typedef enum store_statement {
    STATEMENT_BEGIN,
    STATEMENT_COMMIT,
    STATEMENT_DATA_VERSION,
    STATEMENT_WRITE_STATE,
    STATEMENT_UPSERT_KEY,
    STATEMENT_DELETE_KEY,
    STATEMENT_COUNT
} store_statement;

static const char *const statement_sql[STATEMENT_COUNT] = {
    [STATEMENT_BEGIN] = "BEGIN IMMEDIATE",
    [STATEMENT_COMMIT] = "COMMIT",
    [STATEMENT_DATA_VERSION] = "PRAGMA data_version",
    [STATEMENT_WRITE_STATE] =
        "INSERT INTO state(id, image) VALUES (1, ?1) ON CONFLICT(id) DO UPDATE SET image = excluded.image",
    [STATEMENT_UPSERT_KEY] =
        "INSERT INTO keyentry(alias, image) VALUES (?1, ?2) ON CONFLICT(alias) DO UPDATE SET image = excluded.image",
    [STATEMENT_DELETE_KEY] = "DELETE FROM keyentry WHERE alias = ?1",
};

/* What a damaged device's sentence ends with: the two ways out. */
#define DAMAGED_ADVICE "restore it from a backup, or replace it with a new phone with `kssim init --force`"
#define CHOOSE_ANOTHER "or choose another device with --device or KSSIM_DEVICE"

struct sim_device_store {
    sqlite3 *db;
    int log_pages; /* the log's length after this connection's last commit */
    char *directory;
    char *path; /* directory/device.sqlite3 */
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

/* mkdir -p with mode 0700: a device holds the user's simulated secrets, so only the user may enter. A
 * component another process creates meanwhile is fine (EEXIST); the caller checks the result is a
 * directory. */
static int make_directories(const char *directory)
{
    char *copy = strdup(directory);
    if (copy == NULL)
        return ENOMEM;
    int error = 0;
    for (char *p = copy + 1; *p != '\0' && error == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST)
            error = errno;
        *p = '/';
    }
    if (error == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
        error = errno;
    free(copy);
    return error;
}

/* The directory must be one we may read and write; create it if allowed. */
static kssim_result prepare_directory(sim_device_store *store, bool create)
{
    const char *dir = store->directory;
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT)
            return refuse(
                store, KSSIM_DEVICE_UNAVAILABLE,
                "cannot use the device directory %s (%s): make it reachable and readable by you, " CHOOSE_ANOTHER, dir,
                strerror(errno));
        if (!create)
            return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                          "there is no device in %s: create one with `kssim init`, " CHOOSE_ANOTHER, dir);
        int error = make_directories(dir);
        if (error != 0)
            return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                          "cannot create the device directory %s (%s): create it yourself, " CHOOSE_ANOTHER, dir,
                          strerror(error));
        if (stat(dir, &st) != 0)
            return refuse(
                store, KSSIM_DEVICE_UNAVAILABLE,
                "cannot use the device directory %s after creating it (%s): check the permissions of its parent "
                "directories, " CHOOSE_ANOTHER,
                dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return refuse(
            store, KSSIM_DEVICE_UNAVAILABLE,
            "%s exists but is not a directory, and a device is a directory: move the file away, " CHOOSE_ANOTHER, dir);
    if (access(dir, R_OK | W_OK | X_OK) != 0)
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "cannot use the device directory %s (%s): make it readable and writable by you (chmod "
                      "u+rwx), " CHOOSE_ANOTHER,
                      dir, strerror(errno));
    if (stat(store->path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                          "%s exists but is not a file: move it away so the device can live there, " CHOOSE_ANOTHER,
                          store->path);
        if (access(store->path, R_OK | W_OK) != 0)
            return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                          "cannot use the device file %s (%s): make it readable and writable by you (chmod "
                          "u+rw), " CHOOSE_ANOTHER,
                          store->path, strerror(errno));
    } else if (!create) {
        return refuse(store, KSSIM_DEVICE_UNAVAILABLE,
                      "there is no device in %s: create one with `kssim init`, " CHOOSE_ANOTHER, dir);
    }
    return KSSIM_OK;
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

static kssim_result open_database(sim_device_store *store, bool create)
{
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(store->path, &store->db, flags, NULL);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "opening");
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_timeout(store->db, SIM_DEVICE_STORE_BUSY_TIMEOUT_MS);
    bool fresh;
    kssim_result r = inspect_database(store, &fresh);
    if (r != KSSIM_OK)
        return r;
    /* Only now that the file is known to be ours (or empty) do we change anything about it. WAL is
     * recorded in the file; synchronous is per connection. */
    rc = exec_sql(store->db, "PRAGMA journal_mode = WAL");
    if (rc == SQLITE_OK)
        rc = exec_sql(store->db, "PRAGMA synchronous = NORMAL");
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "opening");
    keep_log_between_processes(store);
    return fresh ? create_schema(store) : KSSIM_OK;
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
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    size_t n = strlen(store->path) + sizeof("-journal");
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
        store->directory = strdup(directory);
        store->path = join_path(directory, SIM_DEVICE_STORE_FILE);
    }
    if (store == NULL || store->directory == NULL || store->path == NULL) {
        sim_device_store_close(store);
        snprintf(why, why_size, "out of memory while opening the device %s: free some memory and retry", directory);
        return KSSIM_SYSTEM_ERROR;
    }
    bool create = mode != SIM_DEVICE_STORE_OPEN_EXISTING;
    kssim_result r = prepare_directory(store, create);
    if (r == KSSIM_OK)
        r = open_database(store, create);
    if (r == KSSIM_DEVICE_DAMAGED && mode == SIM_DEVICE_STORE_OPEN_DISCARDING_DAMAGED) {
        close_database(store);
        r = remove_database_files(store);
        if (r == KSSIM_OK)
            r = open_database(store, true);
    }
    if (r != KSSIM_OK) {
        snprintf(why, why_size, "%s", store->message);
        sim_device_store_close(store);
        return r;
    }
    *out = store;
    return KSSIM_OK;
}

void sim_device_store_close(sim_device_store *store)
{
    if (store == NULL)
        return;
    close_database(store);
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

const char *sim_device_store_message(const sim_device_store *store)
{
    return store->message;
}

static kssim_result require_transaction(sim_device_store *store, const char *doing)
{
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
    if (!sqlite3_get_autocommit(store->db))
        return refuse(store, KSSIM_SYSTEM_ERROR,
                      "a transaction on the device %s is already open: commit or roll it back before beginning "
                      "another",
                      store->directory);
    int rc = run_statement(store, STATEMENT_BEGIN);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "beginning a transaction");
    int64_t version;
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
    int rc = sqlite3_prepare_v2(store->db, "SELECT image FROM state WHERE id = 1", -1, &stmt, NULL);
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
    sqlite3_finalize(stmt);
    return r;
}

/* Appends one key row, checking what SQLite cannot: an alias the device could have made. */
static kssim_result read_key_row(sim_device_store *store, sqlite3_stmt *stmt, sim_device_image *image, size_t *capacity)
{
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
    if (image->key_count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 16;
        sim_key_image *keys = realloc(image->keys, grown * sizeof(*keys));
        if (keys == NULL)
            return refuse(store, KSSIM_SYSTEM_ERROR,
                          "out of memory while reading the device %s: free some memory "
                          "and retry",
                          store->directory);
        image->keys = keys;
        *capacity = grown;
    }
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
    if (rc == SQLITE_OK)
        rc = write_keys(store, base, next);
    if (rc != SQLITE_OK)
        return refuse_sqlite(store, rc, "writing the device");
    sim_device_image_free(&store->pending);
    store->pending = *next;
    store->has_pending = true;
    memset(next, 0, sizeof(*next));
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

void sim_device_store_rollback(sim_device_store *store)
{
    if (!sqlite3_get_autocommit(store->db))
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
