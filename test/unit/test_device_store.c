/*
 * test_device_store.c - the persistent device: the SQLite store (sim/store/sqlite_store.c) with images
 * made by hand, then the public API (sim/store/device_open.c) on real devices.
 *
 * Each store test makes its own directory under TMPDIR (or /tmp) and removes it. The files a refused
 * open meets - text, garbage, a truncated copy, another application's database, a newer schema - must
 * give KSSIM_DEVICE_DAMAGED with a sentence, never a crash, and stay as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <kssim/kssim.h>

#include "store/checksum.h"
#include "store/device_image.h"
#include "store/sqlite_store.h"
#include "../remove_tree.h"
#include "../device_fixture.h"

/* ---- Directories ---- */

typedef struct fixture {
    char root[256];   /* made by mkdtemp, removed at teardown */
    char device[320]; /* root/device: not there until a test creates it */
    char file[352];   /* device/device.sqlite3 */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!make_temporary_tree(f->root, sizeof(f->root), "store"))
        return -1;
    snprintf(f->device, sizeof(f->device), "%s/device", f->root);
    snprintf(f->file, sizeof(f->file), "%s/%s", f->device, SIM_DEVICE_STORE_FILE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->root);
    free(f);
    return 0;
}

/* ---- Images made by hand (the store never looks inside them) ---- */

static uint8_t *copy_text(const char *text, size_t *len)
{
    *len = strlen(text);
    uint8_t *bytes = malloc(*len + 1);
    memcpy(bytes, text, *len + 1);
    return bytes;
}

/* aliases sorted; contents[i] is key i's bytes. */
static void make_image(sim_device_image *image, const char *state, size_t count, const char *const aliases[],
                       const char *const contents[])
{
    memset(image, 0, sizeof(*image));
    image->state = copy_text(state, &image->state_len);
    image->keys = calloc(count > 0 ? count : 1, sizeof(*image->keys));
    for (size_t i = 0; i < count; i++) {
        snprintf(image->keys[i].alias, sizeof(image->keys[i].alias), "%s", aliases[i]);
        image->keys[i].bytes = copy_text(contents[i], &image->keys[i].len);
    }
    image->key_count = count;
}

static void assert_image_is(const sim_device_image *image, const char *state, size_t count, const char *const aliases[],
                            const char *const contents[])
{
    assert_non_null(image);
    assert_int_equal(image->state_len, strlen(state));
    assert_memory_equal(image->state, state, image->state_len);
    assert_int_equal(image->key_count, count);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(image->keys[i].alias, aliases[i]);
        assert_int_equal(image->keys[i].len, strlen(contents[i]));
        assert_memory_equal(image->keys[i].bytes, contents[i], image->keys[i].len);
    }
}

static sim_device_store *open_store(const char *dir, sim_device_store_open_mode mode)
{
    char why[SIM_MESSAGE_MAX];
    sim_device_store *store = NULL;
    kssim_result r = sim_device_store_open(dir, mode, &store, why, sizeof(why));
    if (r != KSSIM_OK)
        fail_msg("opening %s: %s", dir, why);
    return store;
}

/* Opens (creating), stores one image and closes. */
static void store_device(const char *dir, const char *state, size_t count, const char *const aliases[],
                         const char *const contents[])
{
    sim_device_store *store = open_store(dir, SIM_DEVICE_STORE_OPEN_OR_CREATE);
    bool changed;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    sim_device_image image;
    make_image(&image, state, count, aliases, contents);
    assert_int_equal(sim_device_store_write(store, &image), KSSIM_OK);
    assert_int_equal(sim_device_store_commit(store), KSSIM_OK);
    sim_device_store_close(store);
}

/* What a reader of the device meets first: open, begin, read. The first refusal, with its sentence. */
static kssim_result open_and_read(const char *dir, char *why, size_t why_size)
{
    sim_device_store *store = NULL;
    kssim_result r = sim_device_store_open(dir, SIM_DEVICE_STORE_OPEN_OR_CREATE, &store, why, why_size);
    if (r != KSSIM_OK)
        return r;
    bool changed;
    const sim_device_image *image;
    r = sim_device_store_begin(store, &changed);
    if (r == KSSIM_OK)
        r = sim_device_store_read(store, &image);
    snprintf(why, why_size, "%s", sim_device_store_message(store));
    sim_device_store_close(store);
    return r;
}

static void raw_sql(const char *file, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
        fail_msg("%s: %s", sql, error);
    sqlite3_close(db);
}

/* A device keeps SQLite's log between processes (sqlite_store.c), so the latest commits may be only in
 * device.sqlite3-wal. Tests that damage device.sqlite3 first fold the log into it, as a plain SQLite
 * connection does when it closes last, so the damage reaches the device's content. */
static void fold_log_into_database(const fixture *f)
{
    raw_sql(f->file, "PRAGMA wal_checkpoint(TRUNCATE)");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *bytes = malloc((size_t)size + 1);
    assert_int_equal(fread(bytes, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    *len = (size_t)size;
    return bytes;
}

static void write_file(const char *path, const void *bytes, size_t len)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, len, file), len);
    fclose(file);
}

/* A refused file must stay byte for byte what it was. */
static void assert_refused_unchanged(const fixture *f, kssim_result expected, const char *phrase)
{
    size_t before_len, after_len;
    char *before = read_file(f->file, &before_len);
    char why[SIM_MESSAGE_MAX];
    assert_int_equal(open_and_read(f->device, why, sizeof(why)), expected);
    if (strstr(why, phrase) == NULL)
        fail_msg("the sentence \"%s\" does not say \"%s\"", why, phrase);
    char *after = read_file(f->file, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

static void make_device_directory(const fixture *f)
{
    assert_int_equal(mkdir(f->device, 0700), 0);
}

/* ---- The store ---- */

static const char *const three_aliases[] = {"a", "b", "c"};
static const char *const three_contents[] = {"key a", "key b", "key c"};

static void a_new_directory_becomes_a_device_that_reopens(void **state)
{
    fixture *f = *state;
    char nested[400];
    snprintf(nested, sizeof(nested), "%s/one/two", f->device);
    sim_device_store *store = open_store(nested, SIM_DEVICE_STORE_OPEN_OR_CREATE);
    struct stat st;
    assert_int_equal(stat(nested, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    bool changed, holds = true;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_true(changed); /* nothing read yet */
    assert_int_equal(sim_device_store_holds_device(store, &holds), KSSIM_OK);
    assert_false(holds);
    sim_device_image image;
    make_image(&image, "state one", 3, three_aliases, three_contents);
    assert_int_equal(sim_device_store_write(store, &image), KSSIM_OK);
    assert_null(image.state); /* taken */
    assert_int_equal(sim_device_store_commit(store), KSSIM_OK);
    assert_image_is(sim_device_store_last_committed(store), "state one", 3, three_aliases, three_contents);
    sim_device_store_close(store);

    store = open_store(nested, SIM_DEVICE_STORE_OPEN_EXISTING);
    assert_string_equal(sim_device_store_directory(store), nested);
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_true(changed);
    assert_int_equal(sim_device_store_holds_device(store, &holds), KSSIM_OK);
    assert_true(holds);
    const sim_device_image *read = NULL;
    assert_int_equal(sim_device_store_read(store, &read), KSSIM_OK);
    assert_image_is(read, "state one", 3, three_aliases, three_contents);
    sim_device_store_rollback(store);
    sim_device_image copy;
    assert_int_equal(sim_device_store_check(store, &copy), KSSIM_OK);
    assert_image_is(&copy, "state one", 3, three_aliases, three_contents);
    sim_device_image_free(&copy);
    sim_device_store_close(store);
}

static void an_empty_image_and_an_empty_key_are_stored_as_empty_blobs(void **state)
{
    fixture *f = *state;
    static const char *const aliases[] = {"empty"};
    static const char *const contents[] = {""};
    store_device(f->device, "", 1, aliases, contents);
    sim_device_store *store = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    bool changed;
    const sim_device_image *read = NULL;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_read(store, &read), KSSIM_OK);
    assert_image_is(read, "", 1, aliases, contents);
    sim_device_store_close(store);
}

static int count_rows(const char *file, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int count = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return count;
}

static void a_write_touches_only_the_rows_that_differ(void **state)
{
    fixture *f = *state;
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    /* Triggers log every row the store touches from now on. */
    raw_sql(f->file, "CREATE TABLE touched(what TEXT);"
                     "CREATE TRIGGER ki AFTER INSERT ON keyentry BEGIN INSERT INTO touched VALUES ('insert ' || "
                     "new.alias); END;"
                     "CREATE TRIGGER ku AFTER UPDATE ON keyentry BEGIN INSERT INTO touched VALUES ('update ' || "
                     "new.alias); END;"
                     "CREATE TRIGGER kd AFTER DELETE ON keyentry BEGIN INSERT INTO touched VALUES ('delete ' || "
                     "old.alias); END;"
                     "CREATE TRIGGER su AFTER UPDATE ON state BEGIN INSERT INTO touched VALUES ('state'); END;");
    sim_device_store *store = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    bool changed;
    const sim_device_image *read = NULL;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_read(store, &read), KSSIM_OK);
    /* Same state, a unchanged, b changed, c removed, d added. */
    static const char *const aliases[] = {"a", "b", "d"};
    static const char *const contents[] = {"key a", "key b, used once", "key d"};
    sim_device_image next;
    make_image(&next, "state one", 3, aliases, contents);
    assert_int_equal(sim_device_store_write(store, &next), KSSIM_OK);
    assert_int_equal(sim_device_store_commit(store), KSSIM_OK);
    /* The same image again writes nothing. */
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_false(changed);
    make_image(&next, "state one", 3, aliases, contents);
    assert_int_equal(sim_device_store_write(store, &next), KSSIM_OK);
    assert_int_equal(sim_device_store_commit(store), KSSIM_OK);
    /* A new state alone rewrites the state row alone. */
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    make_image(&next, "state two", 3, aliases, contents);
    assert_int_equal(sim_device_store_write(store, &next), KSSIM_OK);
    assert_int_equal(sim_device_store_commit(store), KSSIM_OK);
    sim_device_store_close(store);

    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched"), 4);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what = 'update b'"), 1);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what = 'delete c'"), 1);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what = 'insert d'"), 1);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what = 'state'"), 1);
    store = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_read(store, &read), KSSIM_OK);
    assert_image_is(read, "state two", 3, aliases, contents);
    sim_device_store_close(store);
}

static void a_second_connection_sees_the_first_ones_commits(void **state)
{
    fixture *f = *state;
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    sim_device_store *first = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    sim_device_store *second = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    bool changed;
    const sim_device_image *read = NULL;
    /* Both read once. */
    assert_int_equal(sim_device_store_begin(first, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_read(first, &read), KSSIM_OK);
    sim_device_store_rollback(first);
    assert_int_equal(sim_device_store_begin(second, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_read(second, &read), KSSIM_OK);
    sim_device_store_rollback(second);
    /* Nobody wrote: nothing changed for either. */
    assert_int_equal(sim_device_store_begin(first, &changed), KSSIM_OK);
    assert_false(changed);
    static const char *const aliases[] = {"a"};
    static const char *const contents[] = {"key a"};
    sim_device_image next;
    make_image(&next, "state from first", 1, aliases, contents);
    assert_int_equal(sim_device_store_write(first, &next), KSSIM_OK);
    assert_int_equal(sim_device_store_commit(first), KSSIM_OK);
    /* Its own commit is no news to the first... */
    assert_int_equal(sim_device_store_begin(first, &changed), KSSIM_OK);
    assert_false(changed);
    sim_device_store_rollback(first);
    /* ...and is news to the second, which reads it. */
    assert_int_equal(sim_device_store_begin(second, &changed), KSSIM_OK);
    assert_true(changed);
    assert_int_equal(sim_device_store_read(second, &read), KSSIM_OK);
    assert_image_is(read, "state from first", 1, aliases, contents);
    sim_device_store_rollback(second);
    sim_device_store_close(first);
    sim_device_store_close(second);
}

static void a_rollback_forgets_what_the_transaction_wrote(void **state)
{
    fixture *f = *state;
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    sim_device_store *store = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    bool changed;
    const sim_device_image *read = NULL;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_read(store, &read), KSSIM_OK);
    sim_device_image next;
    make_image(&next, "never committed", 0, NULL, NULL);
    assert_int_equal(sim_device_store_write(store, &next), KSSIM_OK);
    sim_device_store_rollback(store);
    assert_image_is(sim_device_store_last_committed(store), "state one", 3, three_aliases, three_contents);
    /* Writing and committing without a transaction is a caller's mistake, refused. */
    make_image(&next, "no transaction", 0, NULL, NULL);
    assert_int_equal(sim_device_store_write(store, &next), KSSIM_SYSTEM_ERROR);
    assert_non_null(strstr(sim_device_store_message(store), "begin"));
    sim_device_image_free(&next);
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_false(changed);
    assert_int_equal(sim_device_store_read(store, &read), KSSIM_OK);
    assert_image_is(read, "state one", 3, three_aliases, three_contents);
    sim_device_store_close(store);
}

static void clearing_replaces_every_row(void **state)
{
    fixture *f = *state;
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    sim_device_store *store = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    bool changed;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_clear(store), KSSIM_OK);
    static const char *const aliases[] = {"z"};
    static const char *const contents[] = {"key z"};
    sim_device_image next;
    make_image(&next, "new phone", 1, aliases, contents);
    assert_int_equal(sim_device_store_write(store, &next), KSSIM_OK);
    assert_int_equal(sim_device_store_commit(store), KSSIM_OK);
    sim_device_store_close(store);
    char why[SIM_MESSAGE_MAX];
    assert_int_equal(open_and_read(f->device, why, sizeof(why)), KSSIM_OK);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM keyentry"), 1);
}

static void a_newer_schema_version_is_refused_naming_both_versions(void **state)
{
    fixture *f = *state;
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    raw_sql(f->file, "UPDATE meta SET value = 2 WHERE name = 'schema_version'");
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "schema version 2");
    char why[SIM_MESSAGE_MAX];
    assert_int_equal(open_and_read(f->device, why, sizeof(why)), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(why, "schema version 1"));
    assert_non_null(strstr(why, "newer kssim"));
}

static void a_file_that_is_not_sqlite_is_refused(void **state)
{
    fixture *f = *state;
    make_device_directory(f);
    const char *text = "these are my notes, not a phone\n";
    write_file(f->file, text, strlen(text));
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "not an SQLite database");
}

static void random_garbage_is_refused(void **state)
{
    fixture *f = *state;
    make_device_directory(f);
    uint8_t garbage[65536];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof(garbage); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage[i] = (uint8_t)x;
    }
    write_file(f->file, garbage, sizeof(garbage));
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "not a kssim device");
}

/* Many keys, so that half the file holds some of their rows. */
static void store_big_device(const fixture *f)
{
    enum { KEYS = 200 };
    static char alias_text[KEYS][16];
    static char content_text[KEYS][2048];
    const char *aliases[KEYS], *contents[KEYS];
    for (int i = 0; i < KEYS; i++) {
        snprintf(alias_text[i], sizeof(alias_text[i]), "key%03d", i);
        memset(content_text[i], 'a' + i % 26, sizeof(content_text[i]) - 1);
        content_text[i][sizeof(content_text[i]) - 1] = '\0';
        aliases[i] = alias_text[i];
        contents[i] = content_text[i];
    }
    store_device(f->device, "big state", KEYS, aliases, contents);
}

static void a_truncated_device_is_refused(void **state)
{
    fixture *f = *state;
    store_big_device(f);
    fold_log_into_database(f);
    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    assert_int_equal(truncate(f->file, st.st_size / 2), 0);
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "damaged");
}

static void a_device_whose_pages_are_garbage_is_refused(void **state)
{
    fixture *f = *state;
    store_big_device(f);
    fold_log_into_database(f);
    size_t len;
    char *bytes = read_file(f->file, &len);
    /* Keep SQLite's 100-byte header (ours), ruin everything after it. */
    for (size_t i = 100; i < len; i++)
        bytes[i] = (char)(i * 7 + 3);
    write_file(f->file, bytes, len);
    free(bytes);
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "damaged");
}

static void another_applications_database_is_refused(void **state)
{
    fixture *f = *state;
    make_device_directory(f);
    raw_sql(f->file, "PRAGMA application_id = 42; CREATE TABLE contacts(name TEXT);");
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "another application's SQLite database");
    /* Without an application_id, tables of its own still make it someone else's. */
    unlink(f->file);
    raw_sql(f->file, "CREATE TABLE meta(name TEXT PRIMARY KEY, value);");
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "another application's");
}

static void a_device_missing_a_table_is_refused(void **state)
{
    fixture *f = *state;
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    raw_sql(f->file, "DROP TABLE keyentry");
    assert_refused_unchanged(f, KSSIM_DEVICE_DAMAGED, "no `keyentry` table");
}

static void rows_of_the_wrong_type_are_refused(void **state)
{
    fixture *f = *state;
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    raw_sql(f->file, "UPDATE keyentry SET image = 'text, not bytes' WHERE alias = 'b'");
    char why[SIM_MESSAGE_MAX];
    assert_int_equal(open_and_read(f->device, why, sizeof(why)), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(why, "not binary"));
    raw_sql(f->file, "UPDATE keyentry SET image = x'00' WHERE alias = 'b';"
                     "INSERT INTO keyentry VALUES ('" /* 200 characters: longer than any alias */
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxx', x'00')");
    assert_int_equal(open_and_read(f->device, why, sizeof(why)), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(why, "alias"));
    /* kssim check finds it too. */
    sim_device_store *store = open_store(f->device, SIM_DEVICE_STORE_OPEN_EXISTING);
    sim_device_image copy;
    assert_int_equal(sim_device_store_check(store, &copy), KSSIM_DEVICE_DAMAGED);
    sim_device_store_close(store);
}

static void a_damaged_file_is_replaced_only_when_asked(void **state)
{
    fixture *f = *state;
    make_device_directory(f);
    write_file(f->file, "garbage", 7);
    char why[SIM_MESSAGE_MAX];
    sim_device_store *store = NULL;
    assert_int_equal(sim_device_store_open(f->device, SIM_DEVICE_STORE_OPEN_OR_CREATE, &store, why, sizeof(why)),
                     KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(why, "kssim init --force"));
    store = open_store(f->device, SIM_DEVICE_STORE_OPEN_DISCARDING_DAMAGED);
    bool changed, holds = true;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_holds_device(store, &holds), KSSIM_OK);
    assert_false(holds);
    sim_device_store_close(store);
}

static void a_missing_device_is_not_created_unless_allowed(void **state)
{
    fixture *f = *state;
    char why[SIM_MESSAGE_MAX];
    sim_device_store *store = NULL;
    assert_int_equal(sim_device_store_open(f->device, SIM_DEVICE_STORE_OPEN_EXISTING, &store, why, sizeof(why)),
                     KSSIM_DEVICE_UNAVAILABLE);
    assert_null(store);
    assert_non_null(strstr(why, "kssim init"));
    struct stat st;
    assert_int_equal(stat(f->device, &st), -1);
    /* An existing directory without the file is no device either. */
    make_device_directory(f);
    assert_int_equal(sim_device_store_open(f->device, SIM_DEVICE_STORE_OPEN_EXISTING, &store, why, sizeof(why)),
                     KSSIM_DEVICE_UNAVAILABLE);
    assert_int_equal(stat(f->file, &st), -1);
}

static void a_file_where_the_directory_should_be_is_refused(void **state)
{
    fixture *f = *state;
    write_file(f->device, "x", 1);
    char why[SIM_MESSAGE_MAX];
    sim_device_store *store = NULL;
    assert_int_equal(sim_device_store_open(f->device, SIM_DEVICE_STORE_OPEN_OR_CREATE, &store, why, sizeof(why)),
                     KSSIM_DEVICE_UNAVAILABLE);
    assert_non_null(strstr(why, "not a directory"));
    assert_non_null(strstr(why, "--device"));
}

static void an_unwritable_directory_is_refused(void **state)
{
    fixture *f = *state;
    /* Root passes every permission check, so the refusal cannot be provoked as root. */
    if (geteuid() == 0)
        skip();
    store_device(f->device, "state one", 3, three_aliases, three_contents);
    assert_int_equal(chmod(f->device, 0500), 0);
    char why[SIM_MESSAGE_MAX];
    sim_device_store *store = NULL;
    assert_int_equal(sim_device_store_open(f->device, SIM_DEVICE_STORE_OPEN_OR_CREATE, &store, why, sizeof(why)),
                     KSSIM_DEVICE_UNAVAILABLE);
    assert_non_null(strstr(why, f->device));
    assert_int_equal(chmod(f->device, 0700), 0);
}

/* ---- The public API on persistent devices ---- */

static const uint8_t data[] = "server challenge";

/* Opens (creating if need be) a device with realtime clocks at location. */
static kssim_result open_realtime_device(const char *location, kssim_device **device)
{
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.config.realtime = true;
    *device = NULL;
    return kssim_device_open(location, &options, device);
}

static kssim_device *open_device(const char *location)
{
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.config.seed = 11;
    kssim_device *device = NULL;
    kssim_result r = kssim_device_open(location, &options, &device);
    if (r != KSSIM_OK)
        fail_msg("opening %s: %s", location, kssim_open_error());
    return device;
}

static void begin(kssim_device *device)
{
    kssim_result r = kssim_device_begin(device);
    if (r != KSSIM_OK)
        fail_msg("begin: %s", kssim_device_message(device));
}

static void commit(kssim_device *device)
{
    kssim_result r = kssim_device_commit(device);
    if (r != KSSIM_OK)
        fail_msg("commit: %s", kssim_device_message(device));
}

static kssim_result sign(kssim_device *device, const char *alias)
{
    return fixture_sign_once(device, alias, data, sizeof(data), NULL, NULL);
}

static uint32_t uses_remaining(kssim_device *device, const char *alias)
{
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, alias, &info), KSSIM_OK);
    return info.uses_remaining;
}

static void a_device_keeps_its_state_between_opens(void **state)
{
    fixture *f = *state;
    kssim_device *first = open_device(f->device);
    assert_string_equal(kssim_device_location_of(first), f->device);
    begin(first);
    assert_int_equal(kssim_set_credential(first, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "login");
    spec.usage_count_limit = 5;
    assert_int_equal(kssim_generate_key(first, &spec), KSSIM_OK);
    commit(first);
    kssim_status before;
    assert_int_equal(kssim_status_get(first, &before), KSSIM_OK);

    kssim_device *second = open_device(f->device);
    begin(second);
    kssim_status after;
    assert_int_equal(kssim_status_get(second, &after), KSSIM_OK);
    assert_int_equal(after.credential, KSSIM_CREDENTIAL_PIN);
    assert_true(after.root_sid == before.root_sid && after.root_sid != 0);
    char **aliases = NULL;
    size_t count = 0;
    assert_int_equal(kssim_key_aliases(second, &aliases, &count), KSSIM_OK);
    assert_int_equal(count, 1);
    assert_string_equal(aliases[0], "login");
    kssim_free(aliases[0]);
    kssim_free(aliases);
    assert_int_equal(uses_remaining(second, "login"), 5);
    commit(second);
    assert_int_equal(kssim_device_check(second), KSSIM_OK);

    /* Two handles take turns; each sees the other's use. */
    for (uint32_t turn = 0; turn < 4; turn++) {
        kssim_device *device = turn % 2 == 0 ? first : second;
        begin(device);
        assert_int_equal(uses_remaining(device, "login"), 5 - turn);
        assert_int_equal(sign(device, "login"), KSSIM_OK);
        assert_int_equal(uses_remaining(device, "login"), 4 - turn);
        commit(device);
    }
    begin(first);
    assert_int_equal(uses_remaining(first, "login"), 1);
    commit(first);
    kssim_device_free(first);
    kssim_device_free(second);
}

static off_t log_size(const fixture *f)
{
    char wal[400];
    snprintf(wal, sizeof(wal), "%s-wal", f->file);
    struct stat st;
    return stat(wal, &st) == 0 ? st.st_size : -1;
}

/* The fixture's device, opened (created if need be) and given the PIN 1234 in one committed transaction. */
static kssim_device *open_device_with_pin(const fixture *f)
{
    kssim_device *device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    commit(device);
    return device;
}

/* A credential check commits inside the command (Gatekeeper records the attempt first), and the device
 * says so, so that a command rolled back afterwards (kssim's --out that cannot be written) does not claim
 * that nothing was spent. A command that checks no credential commits nothing until its end. */
static void a_command_that_checked_a_credential_says_it_committed_part_of_itself(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device_with_pin(f);
    begin(device);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "%s", "plain");
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    assert_false(kssim_device_committed_within_command(device));
    commit(device);

    begin(device);
    assert_int_equal(kssim_verify_credential(device, "1234", 7, NULL), KSSIM_OK);
    assert_true(kssim_device_committed_within_command(device));
    kssim_device_rollback(device);
    assert_true(kssim_device_committed_within_command(device));

    begin(device);
    assert_false(kssim_device_committed_within_command(device));
    kssim_device_rollback(device);
    kssim_device_free(device);
}

/* The log stays beside the database when the last process closes the device (no checkpoint, sync and
 * delete at every exit: sqlite_store.c), so the device is the directory: a copy of the whole directory
 * is the same phone. */
static void the_log_stays_and_a_copy_of_the_directory_is_the_same_device(void **state)
{
    fixture *f = *state;
    kssim_device_free(open_device_with_pin(f));

    assert_true(log_size(f) > 0);

    char wal[400], copy[400], copy_file[440], copy_wal[460];
    snprintf(wal, sizeof(wal), "%s-wal", f->file);

    snprintf(copy, sizeof(copy), "%s/copy", f->root);
    assert_int_equal(mkdir(copy, 0700), 0);
    snprintf(copy_file, sizeof(copy_file), "%s/device.sqlite3", copy);
    snprintf(copy_wal, sizeof(copy_wal), "%s-wal", copy_file);
    size_t len;
    char *bytes = read_file(f->file, &len);
    write_file(copy_file, bytes, len);
    free(bytes);
    bytes = read_file(wal, &len);
    write_file(copy_wal, bytes, len);
    free(bytes);
    /* The device's rollback-protected storage lives beside its directory and goes with the copy. */
    char storage[420], copy_storage[420];
    snprintf(storage, sizeof(storage), "%s.rpmb", f->device);
    snprintf(copy_storage, sizeof(copy_storage), "%s.rpmb", copy);
    bytes = read_file(storage, &len);
    write_file(copy_storage, bytes, len);
    free(bytes);

    kssim_device *device = open_device(copy);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.credential, KSSIM_CREDENTIAL_PIN);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    kssim_device_free(device);
}

/* The next process rebuilds the log's index from the whole log, so a process that leaves a long log
 * folds it into the database as it closes; a short one stays (sqlite_store.c, fold_a_long_log). */
static void a_long_log_is_folded_in_at_close_and_a_short_one_stays(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device(f->device);
    for (int i = 0; i < 3; i++) {
        begin(device);
        assert_int_equal(kssim_advance(device, 1000), KSSIM_OK);
        commit(device);
    }
    kssim_device_free(device);
    off_t short_log = log_size(f);
    assert_true(short_log > 0);

    device = open_device(f->device);
    for (int i = 0; i < 200; i++) {
        begin(device);
        assert_int_equal(kssim_advance(device, 1000), KSSIM_OK);
        commit(device);
    }
    assert_true(log_size(f) > short_log);
    kssim_device_free(device);
    assert_int_equal(log_size(f), 0);

    device = open_device(f->device);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.boot_ms, 203 * 1000);
    kssim_device_free(device);
}

static void an_operation_stays_in_its_process_until_another_reboots_the_phone(void **state)
{
    fixture *f = *state;
    kssim_device *first = open_device(f->device);
    kssim_device *second = open_device(f->device);
    begin(first);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "login");
    assert_int_equal(kssim_generate_key(first, &spec), KSSIM_OK);
    kssim_operation op;
    assert_int_equal(kssim_begin(first, "login", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    commit(first);
    /* Another process's command does not end it... */
    begin(second);
    assert_int_equal(sign(second, "login"), KSSIM_OK);
    commit(second);
    begin(first);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    assert_int_equal(kssim_finish(first, op.handle, data, sizeof(data), NULL, 0, &sig, &sig_len), KSSIM_OK);
    kssim_free(sig);
    assert_int_equal(kssim_begin(first, "login", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    commit(first);
    /* ...but its reboot does. */
    begin(second);
    assert_int_equal(kssim_reboot(second), KSSIM_OK);
    commit(second);
    begin(first);
    assert_int_equal(kssim_finish(first, op.handle, data, sizeof(data), NULL, 0, &sig, &sig_len),
                     KSSIM_INVALID_OPERATION_HANDLE);
    commit(first);
    kssim_device_free(first);
    kssim_device_free(second);
}

static void a_refusal_is_committed_and_keeps_its_sentence(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device_with_pin(f);
    begin(device);
    assert_int_equal(kssim_unlock(device, "0000"), KSSIM_WRONG_CREDENTIAL);
    char message[SIM_MESSAGE_MAX];
    snprintf(message, sizeof(message), "%s", kssim_device_message(device));
    assert_true(message[0] != '\0');
    commit(device);
    assert_string_equal(kssim_device_message(device), message);
    kssim_device *other = open_device(f->device);
    begin(other);
    kssim_status status;
    assert_int_equal(kssim_status_get(other, &status), KSSIM_OK);
    assert_int_equal(status.failed_attempts, 1);
    kssim_device_rollback(other);
    kssim_device_free(other);
    kssim_device_free(device);
}

/* Gatekeeper's failed attempts as another process finds them on disk. */
static uint32_t failed_attempts_on_disk(const char *location)
{
    kssim_device *other = open_device(location);
    begin(other);
    kssim_status status;
    assert_int_equal(kssim_status_get(other, &status), KSSIM_OK);
    kssim_device_rollback(other);
    kssim_device_free(other);
    return status.failed_attempts;
}

/* gatekeeper.cpp GateKeeper::Verify writes the failure record (IncrementFailureRecord) before DoVerify
 * compares: an attempt is on disk before its answer, so a process that has its answer and never
 * commits (killed, or its commit failing) leaves it counted. */
static void a_credential_attempt_is_on_disk_before_it_is_answered(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device_with_pin(f);
    begin(device);
    assert_int_equal(kssim_verify_credential(device, "0000", 0, NULL), KSSIM_WRONG_CREDENTIAL);
    kssim_device_free(device); /* no commit: closing rolls the transaction back */
    assert_int_equal(failed_attempts_on_disk(f->device), 1);

    /* The right PIN is charged as well and cleared only by the command's commit: without that commit
     * the failure stays, the safe direction. */
    device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    kssim_device_free(device);
    assert_int_equal(failed_attempts_on_disk(f->device), 2);

    device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
    assert_int_equal(failed_attempts_on_disk(f->device), 0);
}

/* Runs one attempt with the device's log unable to grow (RLIMIT_FSIZE at its size, SIGXFSZ ignored,
 * as under `ulimit -f`): what it answers, the commit's result, and both sentences. */
static kssim_result attempt_with_a_log_that_cannot_grow(const fixture *f, kssim_device *device, const char *secret,
                                                        kssim_result *committed, char *message, char *commit_message)
{
    struct rlimit before;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &before), 0);
    void (*previous)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = before;
    limited.rlim_cur = (rlim_t)log_size(f);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limited), 0);
    begin(device);
    kssim_result answer = kssim_verify_credential(device, secret, 0, NULL);
    snprintf(message, SIM_MESSAGE_MAX, "%s", kssim_device_message(device));
    *committed = kssim_device_commit(device);
    snprintf(commit_message, SIM_MESSAGE_MAX, "%s", kssim_device_message(device));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &before), 0);
    signal(SIGXFSZ, previous);
    return answer;
}

static void an_attempt_that_cannot_be_recorded_is_not_answered_and_commits_nothing(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device_with_pin(f);
    kssim_result wrong_committed, right_committed;
    char wrong[SIM_MESSAGE_MAX], wrong_commit[SIM_MESSAGE_MAX], right[SIM_MESSAGE_MAX], right_commit[SIM_MESSAGE_MAX];
    assert_int_equal(attempt_with_a_log_that_cannot_grow(f, device, "0000", &wrong_committed, wrong, wrong_commit),
                     KSSIM_DEVICE_UNAVAILABLE);
    assert_int_equal(attempt_with_a_log_that_cannot_grow(f, device, "1234", &right_committed, right, right_commit),
                     KSSIM_DEVICE_UNAVAILABLE);
    /* Nothing tells the right PIN from the wrong one. */
    assert_string_equal(wrong, right);
    assert_int_equal(wrong_committed, KSSIM_DEVICE_UNAVAILABLE);
    assert_int_equal(right_committed, KSSIM_DEVICE_UNAVAILABLE);
    assert_string_equal(wrong_commit, right_commit);
    assert_non_null(strstr(wrong, "not checked"));

    /* Nothing was answered and nothing stored; this process holds what the disk holds, and goes on. */
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.failed_attempts, 0);
    assert_int_equal(failed_attempts_on_disk(f->device), 0);
    begin(device);
    assert_int_equal(kssim_verify_credential(device, "0000", 0, NULL), KSSIM_WRONG_CREDENTIAL);
    commit(device);
    assert_int_equal(failed_attempts_on_disk(f->device), 1);
    kssim_device_free(device);
}

/* What charging an attempt at the credential reads when another process's commit came in meanwhile
 * (persist_within_command's reload): here the credential that process stored. */
typedef struct another_process_commit {
    kssim_device *device;
    const sim_device_image *stored;
    int persists;
} another_process_commit;

static kssim_result take_in_another_process_commit(sim_env *env, void *context)
{
    (void)env;
    another_process_commit *other = context;
    if (other->persists++ > 0)
        return KSSIM_OK;
    return sim_device_image_restore(other->device, other->stored);
}

/* A trusted change keeps the type of the credential it verified, read after the charge that took in
 * another process's replacement of the PIN by a password, not before it. */
static void a_credential_change_keeps_the_type_it_verified(void **state)
{
    (void)state;
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PASSWORD, "abcd"), KSSIM_OK);
    sim_device_image password;
    assert_int_equal(sim_device_image_capture(device, &password), KSSIM_OK);
    assert_int_equal(kssim_remove_credential(device, "abcd"), KSSIM_OK);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);

    another_process_commit other = {device, &password, 0};
    device->env.persist = take_in_another_process_commit;
    device->env.persist_context = &other;
    assert_int_equal(kssim_change_credential(device, "abcd", "efgh"), KSSIM_OK);
    device->env.persist = NULL;
    device->env.persist_context = NULL;
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.credential, KSSIM_CREDENTIAL_PASSWORD);
    assert_int_equal(kssim_verify_credential(device, "efgh", 0, NULL), KSSIM_OK);
    sim_device_image_free(&password);
    kssim_device_free(device);
}

/* ---- Syncs of the log: a VFS over the default one that counts them ---- */

typedef struct counted_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, right after this one in SQLite's allocation */
    bool is_log;
} counted_file;

static sqlite3_vfs *default_vfs;
static sqlite3_vfs counting_vfs;
static int log_syncs;

static sqlite3_file *real_file(sqlite3_file *file)
{
    return ((counted_file *)file)->real;
}

static int counted_close(sqlite3_file *file)
{
    return real_file(file)->pMethods->xClose(real_file(file));
}

static int counted_read(sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset)
{
    return real_file(file)->pMethods->xRead(real_file(file), buffer, amount, offset);
}

static int counted_write(sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset)
{
    return real_file(file)->pMethods->xWrite(real_file(file), buffer, amount, offset);
}

static int counted_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    return real_file(file)->pMethods->xTruncate(real_file(file), size);
}

static int counted_sync(sqlite3_file *file, int flags)
{
    if (((counted_file *)file)->is_log)
        log_syncs++;
    return real_file(file)->pMethods->xSync(real_file(file), flags);
}

static int counted_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    return real_file(file)->pMethods->xFileSize(real_file(file), size);
}

static int counted_lock(sqlite3_file *file, int level)
{
    return real_file(file)->pMethods->xLock(real_file(file), level);
}

static int counted_unlock(sqlite3_file *file, int level)
{
    return real_file(file)->pMethods->xUnlock(real_file(file), level);
}

static int counted_check_reserved_lock(sqlite3_file *file, int *out)
{
    return real_file(file)->pMethods->xCheckReservedLock(real_file(file), out);
}

static int counted_file_control(sqlite3_file *file, int op, void *arg)
{
    return real_file(file)->pMethods->xFileControl(real_file(file), op, arg);
}

static int counted_sector_size(sqlite3_file *file)
{
    return real_file(file)->pMethods->xSectorSize(real_file(file));
}

static int counted_device_characteristics(sqlite3_file *file)
{
    return real_file(file)->pMethods->xDeviceCharacteristics(real_file(file));
}

static int counted_shm_map(sqlite3_file *file, int page, int page_size, int extend, void volatile **out)
{
    return real_file(file)->pMethods->xShmMap(real_file(file), page, page_size, extend, out);
}

static int counted_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    return real_file(file)->pMethods->xShmLock(real_file(file), offset, n, flags);
}

static void counted_shm_barrier(sqlite3_file *file)
{
    real_file(file)->pMethods->xShmBarrier(real_file(file));
}

static int counted_shm_unmap(sqlite3_file *file, int delete_flag)
{
    return real_file(file)->pMethods->xShmUnmap(real_file(file), delete_flag);
}

static int counted_fetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
    return real_file(file)->pMethods->xFetch(real_file(file), offset, amount, out);
}

static int counted_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *page)
{
    return real_file(file)->pMethods->xUnfetch(real_file(file), offset, page);
}

static const sqlite3_io_methods counted_methods = {
    3,
    counted_close,
    counted_read,
    counted_write,
    counted_truncate,
    counted_sync,
    counted_file_size,
    counted_lock,
    counted_unlock,
    counted_check_reserved_lock,
    counted_file_control,
    counted_sector_size,
    counted_device_characteristics,
    counted_shm_map,
    counted_shm_lock,
    counted_shm_barrier,
    counted_shm_unmap,
    counted_fetch,
    counted_unfetch,
};

static int counted_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    (void)vfs;
    counted_file *counted = (counted_file *)file;
    counted->real = (sqlite3_file *)(counted + 1);
    counted->is_log = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = default_vfs->xOpen(default_vfs, name, counted->real, flags, out_flags);
    counted->base.pMethods = counted->real->pMethods != NULL ? &counted_methods : NULL;
    return rc;
}

static void count_log_syncs(void)
{
    default_vfs = sqlite3_vfs_find(NULL);
    assert_non_null(default_vfs);
    assert_true(default_vfs->iVersion >= 1);
    counting_vfs = *default_vfs;
    counting_vfs.szOsFile = (int)sizeof(counted_file) + default_vfs->szOsFile;
    counting_vfs.zName = "kssim-test-counting";
    counting_vfs.pNext = NULL;
    counting_vfs.xOpen = counted_open;
    assert_int_equal(sqlite3_vfs_register(&counting_vfs, 1), SQLITE_OK);
    log_syncs = 0;
}

static void stop_counting_log_syncs(void)
{
    assert_int_equal(sqlite3_vfs_register(default_vfs, 1), SQLITE_OK);
    assert_int_equal(sqlite3_vfs_unregister(&counting_vfs), SQLITE_OK);
}

static void generate_key(kssim_device *device, const char *alias, uint32_t usage_count_limit)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    spec.usage_count_limit = usage_count_limit;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

/* PRAGMA synchronous cannot change inside a transaction, so a commit that advances DIR.rpmb syncs the
 * log itself after COMMIT (as synchronous=FULL would at COMMIT); an ordinary commit keeps NORMAL. */
static void only_a_commit_that_advances_the_storage_syncs_the_log(void **state)
{
    fixture *f = *state;
    count_log_syncs();
    kssim_device *device = open_device(f->device);
    begin(device);
    generate_key(device, "plain", 0);
    generate_key(device, "limited", 10);
    commit(device);

    log_syncs = 0;
    begin(device);
    assert_int_equal(sign(device, "plain"), KSSIM_OK);
    commit(device);
    int ordinary = log_syncs;

    log_syncs = 0;
    begin(device);
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    commit(device);
    int protected = log_syncs;
    kssim_device_free(device);
    stop_counting_log_syncs();
    assert_int_equal(ordinary, 0);
    assert_true(protected >= 1);
}

/* Triggers that log every key row and state row a connection writes, in the table `touched`. */
static void log_touched_rows(const char *file)
{
    raw_sql(file, "CREATE TABLE touched(what TEXT);"
                  "CREATE TRIGGER ki AFTER INSERT ON keyentry BEGIN INSERT INTO touched VALUES ('insert ' || "
                  "new.alias); END;"
                  "CREATE TRIGGER ku AFTER UPDATE ON keyentry BEGIN INSERT INTO touched VALUES ('update ' || "
                  "new.alias); END;"
                  "CREATE TRIGGER kd AFTER DELETE ON keyentry BEGIN INSERT INTO touched VALUES ('delete ' || "
                  "old.alias); END;"
                  "CREATE TRIGGER su AFTER UPDATE ON state BEGIN INSERT INTO touched VALUES ('state'); END;");
}

/* Issue 17: a commit writes the rows its command changed, whatever else the device holds. */
static void a_command_writes_only_the_key_rows_it_changed(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device(f->device);
    begin(device);
    generate_key(device, "plain", 0);
    generate_key(device, "counted", 3);
    generate_key(device, "doomed", 0);
    generate_key(device, "other", 0);
    commit(device);
    kssim_device_free(device);
    log_touched_rows(f->file);

    device = open_device(f->device);
    begin(device);
    assert_int_equal(sign(device, "plain"), KSSIM_OK);
    commit(device);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what != 'state'"), 0);
    begin(device);
    assert_int_equal(sign(device, "counted"), KSSIM_OK);
    commit(device);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what != 'state'"), 1);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what = 'update counted'"), 1);
    begin(device);
    assert_int_equal(kssim_delete_key(device, "doomed"), KSSIM_OK);
    generate_key(device, "doomed", 0); /* removed and stored again: one delete, one insert */
    assert_int_equal(kssim_delete_key(device, "other"), KSSIM_OK);
    commit(device);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what != 'state'"), 4);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what = 'delete other'"), 1);
    assert_int_equal(count_rows(f->file, "SELECT count(*) FROM touched WHERE what = 'insert doomed'"), 1);
    kssim_device_free(device);

    /* What another process reads back is what the commands left. */
    device = open_device(f->device);
    begin(device);
    assert_int_equal(uses_remaining(device, "counted"), 2);
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, "other", &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_ABSENT);
    char **aliases = NULL;
    size_t count = 0;
    assert_int_equal(kssim_key_aliases(device, &aliases, &count), KSSIM_OK);
    assert_int_equal(count, 3);
    assert_string_equal(aliases[0], "counted");
    assert_string_equal(aliases[1], "doomed");
    assert_string_equal(aliases[2], "plain");
    for (size_t i = 0; i < count; i++)
        free(aliases[i]);
    free(aliases);
    commit(device);
    kssim_device_free(device);
}

/* A key row read by one process is read again once another process commits (PRAGMA data_version), and a
 * command rolled back forgets the rows it changed. */
static void key_rows_in_memory_follow_other_processes_and_rollbacks(void **state)
{
    fixture *f = *state;
    kssim_device *first = open_device(f->device);
    kssim_device *second = open_device(f->device);
    begin(first);
    generate_key(first, "shared", 3);
    commit(first);
    begin(second);
    assert_int_equal(uses_remaining(second, "shared"), 3); /* read into second's memory */
    commit(second);
    begin(first);
    assert_int_equal(sign(first, "shared"), KSSIM_OK);
    commit(first);
    begin(second);
    assert_int_equal(uses_remaining(second, "shared"), 2);
    assert_int_equal(kssim_delete_key(second, "shared"), KSSIM_OK);
    commit(second);
    begin(first);
    assert_int_equal(sign(first, "shared"), KSSIM_KEY_NOT_FOUND);
    generate_key(first, "fleeting", 0);
    kssim_device_rollback(first);
    begin(first);
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(first, "fleeting", &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_ABSENT);
    commit(first);
    kssim_device_free(first);
    kssim_device_free(second);
}

/* Removing the lock screen deletes every auth-bound key, also those no command of this process has read. */
static void a_command_that_needs_every_key_reads_every_row(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "bound");
    spec.user_auth = true;
    spec.auth_types = KSSIM_AUTH_DEVICE_CREDENTIAL;
    spec.auth_timeout_s = 30;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    generate_key(device, "free", 0);
    commit(device);
    kssim_device_free(device);

    device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_remove_credential(device, "1234"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
    device = open_device(f->device);
    begin(device);
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, "bound", &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_INVALIDATED);
    assert_int_equal(info.reason, KSSIM_REASON_LOCK_SCREEN_REMOVED);
    assert_int_equal(kssim_key_info_get(device, "free", &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_VALID);
    commit(device);
    kssim_device_free(device);
}

static void a_rollback_puts_the_device_back(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_advance(device, 5000), KSSIM_OK);
    commit(device);
    begin(device);
    assert_int_equal(kssim_advance(device, 7000), KSSIM_OK);
    kssim_device_rollback(device);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.boot_ms, 5000);
    kssim_device_free(device);
}

static void an_open_without_creation_or_with_replacement(void **state)
{
    fixture *f = *state;
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.create = false;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_DEVICE_UNAVAILABLE);
    assert_null(device);
    assert_non_null(strstr(kssim_open_error(), "kssim init"));

    device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);

    kssim_open_options_default(&options);
    options.replace = true;
    options.config.api_level = 30;
    assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_OK);
    assert_string_equal(kssim_open_error(), "");
    begin(device);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.credential, KSSIM_CREDENTIAL_NONE);
    assert_int_equal(status.api_level, 30);
    commit(device);
    kssim_device_free(device);

    /* The replacement is what the next process finds. */
    device = open_device(f->device);
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.api_level, 30);
    kssim_device_free(device);

    /* And a damaged device can be replaced too (kssim init --force). */
    fold_log_into_database(f);
    write_file(f->file, "garbage", 7);
    assert_int_equal(kssim_device_open(f->device, NULL, &device), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_open_error(), "kssim init --force"));
    assert_null(device);
    assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_OK);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    kssim_device_free(device);
}

static void a_stored_row_that_does_not_decode_fails_the_check(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device(f->device);
    begin(device);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "login");
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    commit(device);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    raw_sql(f->file, "UPDATE keyentry SET image = x'4b5353494d4b4559000000' WHERE alias = 'login'");
    assert_int_equal(kssim_device_check(device), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "login"));
    /* A command reads a key's row when it needs that key (issue 17): the next one that uses 'login' meets
     * the damage, and its commit stores nothing; a command that does not use it works. */
    assert_int_equal(kssim_device_begin(device), KSSIM_OK);
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, "login", &info), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "login"));
    assert_int_equal(kssim_advance(device, 1000), KSSIM_OK);
    assert_int_equal(kssim_device_commit(device), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "login"));
    begin(device);
    assert_int_equal(kssim_advance(device, 1000), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
    /* Another process's listing reads every row, and meets it too. */
    assert_int_equal(kssim_device_open(f->device, NULL, &device), KSSIM_OK);
    begin(device);
    char **aliases = NULL;
    size_t count = 0;
    assert_int_equal(kssim_key_aliases(device, &aliases, &count), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "login"));
    assert_int_equal(kssim_device_commit(device), KSSIM_DEVICE_DAMAGED);
    kssim_device_free(device);
}

static void a_memory_device_lives_in_this_process(void **state)
{
    (void)state;
    kssim_device *device = open_device(KSSIM_MEMORY_DEVICE);
    assert_string_equal(kssim_device_location_of(device), KSSIM_MEMORY_DEVICE);
    assert_int_equal(kssim_device_begin(device), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 1000), KSSIM_OK);
    assert_int_equal(kssim_device_commit(device), KSSIM_OK);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.boot_ms, 1000);
    kssim_device_free(device);
    assert_int_equal(open_realtime_device(KSSIM_MEMORY_DEVICE, &device), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(kssim_open_error(), "realtime"));
}

/* Sets or unsets an environment variable, remembering its value for restore_variable. */
typedef struct saved_variable {
    const char *name;
    char *value;
} saved_variable;

static saved_variable save_variable(const char *name, const char *value)
{
    saved_variable saved = {name, NULL};
    const char *old = getenv(name);
    if (old != NULL)
        saved.value = strdup(old);
    if (value != NULL)
        setenv(name, value, 1);
    else
        unsetenv(name);
    return saved;
}

static void restore_variable(saved_variable *saved)
{
    if (saved->value != NULL)
        setenv(saved->name, saved->value, 1);
    else
        unsetenv(saved->name);
    free(saved->value);
}

static void the_device_is_chosen_in_the_contracts_order(void **state)
{
    (void)state;
    saved_variable device = save_variable("KSSIM_DEVICE", "/from/environment");
    saved_variable state_home = save_variable("XDG_STATE_HOME", "/xdg/state");
    saved_variable home = save_variable("HOME", "/home/someone");
    char out[256];
    assert_int_equal(kssim_device_location("/explicit", "/provider", out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, "/explicit");
    assert_int_equal(kssim_device_location(NULL, "/provider", out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, "/from/environment");
    unsetenv("KSSIM_DEVICE");
    assert_int_equal(kssim_device_location(NULL, "/provider", out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, "/provider");
    /* Empty is a mistake, never the next choice or the default device (issue 18, item 10). */
    assert_int_equal(kssim_device_location("", "/provider", out, sizeof(out)), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(kssim_open_error(), "--device"));
    assert_int_equal(kssim_device_location(NULL, "", out, sizeof(out)), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(kssim_open_error(), "provider's device parameter"));
    setenv("KSSIM_DEVICE", "", 1);
    assert_int_equal(kssim_device_location(NULL, "/provider", out, sizeof(out)), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(kssim_open_error(), "KSSIM_DEVICE"));
    assert_int_equal(kssim_device_location("/explicit", NULL, out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, "/explicit");
    unsetenv("KSSIM_DEVICE");
    assert_int_equal(kssim_device_location(NULL, NULL, out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, "/xdg/state/kssim/device");
    setenv("XDG_STATE_HOME", "relative/is/ignored", 1);
    assert_int_equal(kssim_device_location(NULL, NULL, out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, "/home/someone/.local/state/kssim/device");
    unsetenv("XDG_STATE_HOME");
    assert_int_equal(kssim_device_location(NULL, NULL, out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, "/home/someone/.local/state/kssim/device");
    assert_int_equal(kssim_device_location(NULL, NULL, out, 10), KSSIM_DEVICE_UNAVAILABLE);
    assert_non_null(strstr(kssim_open_error(), "shorter"));
    unsetenv("HOME");
    assert_int_equal(kssim_device_location(NULL, NULL, out, sizeof(out)), KSSIM_DEVICE_UNAVAILABLE);
    assert_non_null(strstr(kssim_open_error(), "--device"));
    setenv("KSSIM_DEVICE", KSSIM_MEMORY_DEVICE, 1);
    assert_int_equal(kssim_device_location(NULL, NULL, out, sizeof(out)), KSSIM_OK);
    assert_string_equal(out, KSSIM_MEMORY_DEVICE);
    restore_variable(&device);
    restore_variable(&state_home);
    restore_variable(&home);
}

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0)
        ;
}

static int64_t host_wall_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static uint64_t boot_ms(kssim_device *device)
{
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    return status.boot_ms;
}

static void a_realtime_device_follows_the_hosts_clocks(void **state)
{
    fixture *f = *state;
    kssim_device *device = NULL;
    assert_int_equal(open_realtime_device(f->device, &device), KSSIM_OK);
    begin(device);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_true(status.realtime);
    assert_true(status.boot_ms < 1000);
    assert_true(llabs(status.wall_ms - host_wall_ms()) < 5000);
    commit(device);

    sleep_ms(120);
    /* Another process's view: the host time that passed is the device's. */
    kssim_device *other = open_device(f->device);
    begin(other);
    uint64_t after_sleep = boot_ms(other);
    assert_true(after_sleep >= 120 && after_sleep < 120 + 5000);
    /* An explicit advance holds from then on, on both clocks. */
    assert_int_equal(kssim_advance(other, 60000), KSSIM_OK);
    commit(other);
    begin(device);
    assert_true(boot_ms(device) >= after_sleep + 60000);
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_true(llabs(status.wall_ms - (host_wall_ms() + 60000)) < 5000);
    /* A reboot restarts the boot clock, which then follows the host again from 0. */
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    commit(device);
    sleep_ms(50);
    begin(other);
    uint64_t after_reboot = boot_ms(other);
    assert_true(after_reboot >= 50 && after_reboot < 50 + 5000);
    assert_int_equal(kssim_status_get(other, &status), KSSIM_OK);
    assert_int_equal(status.boot_count, 2);
    commit(other);
    /* Setting the wall clock takes effect, and the clock goes on from there at the host's pace. */
    begin(device);
    assert_int_equal(kssim_set_wall_clock(device, 0), KSSIM_OK);
    commit(device);
    begin(device);
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_true(status.wall_ms >= 0 && status.wall_ms < 5000);
    assert_true(boot_ms(device) >= after_reboot);
    commit(device);
    kssim_device_free(other);
    kssim_device_free(device);
}

static void a_virtual_device_does_not_follow_the_host(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_device(f->device);
    begin(device);
    assert_int_equal(boot_ms(device), 0);
    commit(device);
    sleep_ms(20);
    begin(device);
    assert_int_equal(boot_ms(device), 0);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_false(status.realtime);
    assert_true(status.wall_ms == KSSIM_DEFAULT_WALL_CLOCK_MS);
    commit(device);
    kssim_device_free(device);
}

/* Writes value big-endian over 8 bytes of the stored state image, at offset. */
static void overwrite_state_u64(const char *file, size_t offset, uint64_t value)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT image FROM state WHERE id = 1", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    size_t len = (size_t)sqlite3_column_bytes(stmt, 0);
    assert_true(len >= offset + 8);
    uint8_t *image = malloc(len);
    assert_non_null(image);
    memcpy(image, sqlite3_column_blob(stmt, 0), len);
    sqlite3_finalize(stmt);
    for (int i = 0; i < 8; i++)
        image[offset + (size_t)i] = (uint8_t)(value >> (56 - 8 * i));
    /* The image's own checksum, as a tool that rewrites it on purpose would recompute it. */
    assert_true(len >= 4);
    uint32_t crc = sim_store_crc32(image, len - 4);
    for (int i = 0; i < 4; i++)
        image[len - 4 + (size_t)i] = (uint8_t)(crc >> (24 - 8 * i));
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE state SET image = ?1 WHERE id = 1", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_bind_blob(stmt, 1, image, (int)len, SQLITE_TRANSIENT), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    free(image);
}

/* Offsets in the state image (device_image.c): the magic and version, then the configuration (seed,
 * api level, security level, wall clock, realtime), then the host boot origin; the boot clock follows
 * the origin and the armed prompt. */
#define STATE_ORIGIN_OFFSET  (8 + 4 + 8 + 4 + 4 + 8 + 1)
#define STATE_BOOT_MS_OFFSET (STATE_ORIGIN_OFFSET + 8 + 4 + 4 + 4 + 8)

/* Found by test/fuzz/fuzz_device_records: a realtime device's stored origin and boot clock are the
 * image's, and a begin subtracted them from the host's clock unchecked (signed overflow). Whatever they
 * hold, the device opens, begins and commits, and its boot clock goes on from where it was. */
static void a_realtime_device_with_extreme_stored_clocks_still_opens(void **state)
{
    fixture *f = *state;
    static const struct {
        size_t offset;
        uint64_t value;
    } damage[] = {
        {STATE_ORIGIN_OFFSET, UINT64_C(0x8000000000000000)},  /* origin INT64_MIN */
        {STATE_ORIGIN_OFFSET, UINT64_C(0x7fffffffffffffff)},  /* origin INT64_MAX */
        {STATE_BOOT_MS_OFFSET, UINT64_C(0x8000000000000001)}, /* boot clock past INT64_MAX */
        {STATE_BOOT_MS_OFFSET, UINT64_C(0xffffffffffffff00)}, /* boot clock at its end */
    };
    for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
        remove_tree(f->device);
        kssim_device *device = NULL;
        assert_int_equal(open_realtime_device(f->device, &device), KSSIM_OK);
        begin(device);
        commit(device);
        kssim_device_free(device);
        overwrite_state_u64(f->file, damage[i].offset, damage[i].value);

        device = open_device(f->device);
        uint64_t stored_boot = boot_ms(device);
        begin(device);
        assert_true(boot_ms(device) >= stored_boot);
        commit(device);
        begin(device);
        assert_true(boot_ms(device) >= stored_boot);
        commit(device);
        kssim_device_free(device);
    }
}

/* ---- Who may use a device's files, and what counts as a whole device (issue 18, items 5, 9, 14) ---- */

static mode_t mode_of(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        fail_msg("%s is not there", path);
    return st.st_mode & 07777;
}

static void assert_open_refused(const char *location, const kssim_open_options *options, kssim_result expected,
                                const char *phrase)
{
    kssim_device *device = NULL;
    kssim_result r = kssim_device_open(location, options, &device);
    kssim_device_free(device);
    if (r != expected)
        fail_msg("opening %s gave %d, expected %d: %s", location, (int)r, (int)expected, kssim_open_error());
    if (strstr(kssim_open_error(), phrase) == NULL)
        fail_msg("the sentence \"%s\" does not say \"%s\"", kssim_open_error(), phrase);
}

static void a_new_device_is_private_whatever_the_umask(void **state)
{
    fixture *f = *state;
    char nested[400], middle[400], wal[480], shm[480], file[440];
    snprintf(middle, sizeof(middle), "%s/one", f->device);
    snprintf(nested, sizeof(nested), "%s/one/two", f->device);
    snprintf(file, sizeof(file), "%s/%s", nested, SIM_DEVICE_STORE_FILE);
    snprintf(wal, sizeof(wal), "%s-wal", file);
    snprintf(shm, sizeof(shm), "%s-shm", file);
    mode_t saved = umask(0);
    kssim_device_free(open_device(nested));
    umask(saved);
    assert_int_equal(mode_of(f->device), 0700);
    assert_int_equal(mode_of(middle), 0700);
    assert_int_equal(mode_of(nested), 0700);
    assert_int_equal(mode_of(file), 0600);
    assert_int_equal(mode_of(wal), 0600);
    assert_int_equal(mode_of(shm), 0600);
    /* A umask that would take the owner's own bits away does not either. */
    snprintf(nested, sizeof(nested), "%s/three", f->device);
    saved = umask(0277);
    kssim_device_free(open_device(nested));
    umask(saved);
    assert_int_equal(mode_of(nested), 0700);
}

static void a_device_other_users_may_open_is_refused_naming_the_fix(void **state)
{
    fixture *f = *state;
    kssim_device_free(open_device(f->device));
    char wal[400];
    snprintf(wal, sizeof(wal), "%s-wal", f->file);
    assert_int_equal(chmod(f->device, 0755), 0);
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "has mode 0755");
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "chmod 700");
    kssim_open_options reading;
    kssim_open_options_default(&reading);
    reading.read_only = true;
    assert_open_refused(f->device, &reading, KSSIM_DEVICE_UNAVAILABLE, f->device);
    assert_int_equal(chmod(f->device, 0700), 0);
    assert_int_equal(chmod(f->file, 0640), 0);
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "has mode 0640");
    assert_int_equal(chmod(f->file, 0600), 0);
    assert_int_equal(chmod(wal, 0604), 0);
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "-wal has mode 0604");
    assert_int_equal(chmod(wal, 0600), 0);
    kssim_device_free(open_device(f->device));
}

static void a_device_another_user_owns_is_refused_unless_allowed(void **state)
{
    fixture *f = *state;
    /* Only root can give a directory away; as anyone else this cannot be set up. */
    if (geteuid() != 0)
        skip();
    kssim_device_free(open_device(f->device));
    assert_int_equal(chown(f->device, 65534, 65534), 0);
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "is owned by");
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "KSSIM_ALLOW_OTHER_OWNER=1");
    assert_int_equal(chown(f->device, 0, 0), 0);
    assert_int_equal(chown(f->file, 65534, 65534), 0);
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "uid 65534");
    setenv(SIM_DEVICE_STORE_ALLOW_OTHER_OWNER_VARIABLE, "1", 1);
    kssim_device_free(open_device(f->device));
    unsetenv(SIM_DEVICE_STORE_ALLOW_OTHER_OWNER_VARIABLE);
}

static void a_symbolic_link_as_the_database_is_refused(void **state)
{
    fixture *f = *state;
    char elsewhere[400], target[440];
    snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", f->root);
    snprintf(target, sizeof(target), "%s/%s", elsewhere, SIM_DEVICE_STORE_FILE);
    kssim_device_free(open_device(elsewhere));
    make_device_directory(f);
    assert_int_equal(symlink(target, f->file), 0);
    assert_open_refused(f->device, NULL, KSSIM_DEVICE_UNAVAILABLE, "symbolic link");
    struct stat st;
    assert_int_equal(lstat(f->file, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
}

/* The device files of a directory, name and bytes, so a refusal can be shown to have changed nothing.
 * with_index false: SQLite's own bookkeeping is left out - the log's index (-shm), shared memory every
 * connection takes part in, and whether an empty log exists - when SQLite had to open the database to
 * find what is wrong with it. */
static char *directory_snapshot(const char *dir, bool with_index, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    const char *names[] = {SIM_DEVICE_STORE_FILE, SIM_DEVICE_STORE_FILE "-wal", SIM_DEVICE_STORE_FILE "-shm"};
    for (size_t i = 0; i < (with_index ? 3u : 2u); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0 || (!with_index && i == 1 && st.st_size == 0)) {
            fprintf(out, "%s absent or empty\n", names[i]);
            continue;
        }
        size_t n;
        char *bytes = read_file(path, &n);
        fprintf(out, "%s %zu\n", names[i], n);
        fwrite(bytes, 1, n, out);
        free(bytes);
    }
    fclose(out);
    return text;
}

static void assert_same_snapshot(char *before, size_t before_len, char *after, size_t after_len)
{
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

/* A device with a PIN and a key, its log still beside the database (as kssim leaves it). */
static void make_device_with_a_key(const fixture *f)
{
    kssim_device *device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "login");
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
}

/* Every kind of open meets the damage, changes nothing, and only a replacement (init --force) ends it. */
static void assert_damaged_until_replaced(const fixture *f, const char *phrase, bool sqlite_opens_it)
{
    size_t before_len, after_len;
    char *before = directory_snapshot(f->device, !sqlite_opens_it, &before_len);
    kssim_open_options options;
    kssim_open_options_default(&options);
    assert_open_refused(f->device, &options, KSSIM_DEVICE_DAMAGED, phrase);
    assert_open_refused(f->device, &options, KSSIM_DEVICE_DAMAGED, "kssim init --force");
    options.create = false;
    assert_open_refused(f->device, &options, KSSIM_DEVICE_DAMAGED, phrase);
    options.read_only = true;
    assert_open_refused(f->device, &options, KSSIM_DEVICE_DAMAGED, phrase);
    options.create = true;
    assert_open_refused(f->device, &options, KSSIM_DEVICE_DAMAGED, phrase);
    char *after = directory_snapshot(f->device, !sqlite_opens_it, &after_len);
    assert_same_snapshot(before, before_len, after, after_len);

    kssim_open_options_default(&options);
    options.replace = true;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_OK);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.credential, KSSIM_CREDENTIAL_NONE);
    kssim_device_free(device);
    kssim_device_free(open_device(f->device));
}

static void a_database_deleted_beside_its_log_is_damaged(void **state)
{
    fixture *f = *state;
    make_device_with_a_key(f);
    assert_int_equal(unlink(f->file), 0);
    assert_damaged_until_replaced(f, "log but no device.sqlite3", false);
}

static void a_database_truncated_to_nothing_is_damaged(void **state)
{
    fixture *f = *state;
    make_device_with_a_key(f);
    assert_int_equal(truncate(f->file, 0), 0);
    assert_damaged_until_replaced(f, "empty (0 bytes)", false);
}

static void a_database_without_its_state_row_is_damaged(void **state)
{
    fixture *f = *state;
    make_device_with_a_key(f);
    raw_sql(f->file, "DELETE FROM state");
    assert_damaged_until_replaced(f, "no state row", true);
    /* Tables emptied altogether, or dropped, are no phone either. */
    raw_sql(f->file, "DELETE FROM state; DELETE FROM keyentry;");
    assert_damaged_until_replaced(f, "no state row", true);
    raw_sql(f->file, "DROP TABLE state; DROP TABLE keyentry; DROP TABLE meta; PRAGMA application_id = 0;");
    assert_damaged_until_replaced(f, "without tables", true);
}

static void a_directory_with_other_files_but_no_database_is_damaged(void **state)
{
    fixture *f = *state;
    make_device_directory(f);
    char notes[400];
    snprintf(notes, sizeof(notes), "%s/notes.txt", f->device);
    write_file(notes, "mine", 4);
    assert_damaged_until_replaced(f, "holds files but no device.sqlite3", false);
}

static void a_read_only_open_creates_nothing_and_writes_nothing(void **state)
{
    fixture *f = *state;
    kssim_open_options reading;
    kssim_open_options_default(&reading);
    reading.read_only = true;
    /* No device yet: the new phone it would be, from memory. */
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_open(f->device, &reading, &device), KSSIM_OK);
    assert_string_equal(kssim_device_location_of(device), f->device);
    begin(device);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.api_level, 34);
    assert_int_equal(status.credential, KSSIM_CREDENTIAL_NONE);
    /* ... which holds no key: no row to read is not a failure to read one. */
    kssim_key_info absent;
    assert_int_equal(kssim_key_info_get(device, "login", &absent), KSSIM_OK);
    assert_int_equal(absent.state, KSSIM_KEY_ABSENT);
    char **no_aliases = NULL;
    size_t no_count = 1;
    assert_int_equal(kssim_key_aliases(device, &no_aliases, &no_count), KSSIM_OK);
    assert_int_equal(no_count, 0);
    commit(device);
    assert_int_equal(kssim_device_check(device), KSSIM_DEVICE_UNAVAILABLE);
    kssim_device_free(device);
    struct stat st;
    assert_int_equal(stat(f->device, &st), -1);
    /* An empty directory the user made is no device yet either, and stays empty. */
    make_device_directory(f);
    assert_int_equal(kssim_device_open(f->device, &reading, &device), KSSIM_OK);
    kssim_device_free(device);
    assert_int_equal(stat(f->file, &st), -1);
    reading.create = false;
    assert_open_refused(f->device, &reading, KSSIM_DEVICE_UNAVAILABLE, "kssim init");
    reading.create = true;

    /* A real device: read as it is; what the caller changes in memory is never stored. */
    make_device_with_a_key(f);
    size_t before_len, after_len;
    char *before = directory_snapshot(f->device, false, &before_len);
    assert_int_equal(kssim_device_open(f->device, &reading, &device), KSSIM_OK);
    begin(device);
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.credential, KSSIM_CREDENTIAL_PIN);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 5000), KSSIM_OK);
    commit(device);
    begin(device);
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.boot_ms, 0);
    commit(device);
    kssim_device_free(device);
    char *after = directory_snapshot(f->device, false, &after_len);
    assert_same_snapshot(before, before_len, after, after_len);

    /* SQLite's read-only open: a write is refused even where the files would allow it (root, say). */
    sim_device_store *store = open_store(f->device, SIM_DEVICE_STORE_OPEN_READ_ONLY);
    bool changed;
    const sim_device_image *read = NULL;
    assert_int_equal(sim_device_store_begin(store, &changed), KSSIM_OK);
    assert_int_equal(sim_device_store_read(store, &read), KSSIM_OK);
    sim_device_image next;
    make_image(&next, "never stored", 0, NULL, NULL);
    assert_int_not_equal(sim_device_store_write(store, &next), KSSIM_OK);
    sim_device_image_free(&next);
    sim_device_store_close(store);

    /* A device its owner may not write (not testable as root, who may write anything). */
    if (geteuid() != 0) {
        char wal[400], shm[400];
        snprintf(wal, sizeof(wal), "%s-wal", f->file);
        snprintf(shm, sizeof(shm), "%s-shm", f->file);
        assert_int_equal(chmod(f->file, 0400), 0);
        assert_int_equal(chmod(wal, 0400), 0);
        assert_int_equal(chmod(shm, 0400), 0);
        assert_int_equal(chmod(f->device, 0500), 0);
        assert_int_equal(kssim_device_open(f->device, &reading, &device), KSSIM_OK);
        begin(device);
        assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
        assert_int_equal(status.credential, KSSIM_CREDENTIAL_PIN);
        commit(device);
        kssim_device_free(device);
        assert_int_equal(chmod(f->device, 0700), 0);
    }
}

static void a_configuration_that_cannot_be_leaves_nothing_behind(void **state)
{
    fixture *f = *state;
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.config.api_level = 0;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_INVALID_ARGUMENT);
    assert_null(device);
    struct stat st;
    assert_int_equal(stat(f->device, &st), -1);
}

/* Processes that all use a device that does not exist yet make one phone between them: none meets half
 * a device (which would now be damaged), and every one's commit is on it. */
static void first_uses_in_many_processes_make_one_phone(void **state)
{
    fixture *f = *state;
    enum { PROCESSES = 6 };
    pid_t children[PROCESSES];
    for (int i = 0; i < PROCESSES; i++) {
        children[i] = fork();
        assert_true(children[i] >= 0);
        if (children[i] == 0) {
            kssim_device *device = NULL;
            if (kssim_device_open(f->device, NULL, &device) != KSSIM_OK) {
                fprintf(stderr, "child: %s\n", kssim_open_error());
                _exit(1);
            }
            bool ok = kssim_device_begin(device) == KSSIM_OK && kssim_advance(device, 1000) == KSSIM_OK &&
                      kssim_device_commit(device) == KSSIM_OK;
            kssim_device_free(device);
            _exit(ok ? 0 : 1);
        }
    }
    for (int i = 0; i < PROCESSES; i++) {
        int status;
        assert_int_equal(waitpid(children[i], &status, 0), children[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    kssim_device *device = open_device(f->device);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_int_equal(status.boot_ms, PROCESSES * 1000);
    kssim_device_free(device);
}

/* A process killed while it creates a device (SIGKILL between its first file and its first commit)
 * leaves what is known for an unfinished creation: no phone was ever stored, so the directory is a
 * device that does not exist yet, not a damaged one. */
static void a_creation_killed_before_its_first_commit_is_no_device_yet(void **state)
{
    fixture *f = *state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* The files and tables are made; the process ends without committing or closing. */
        char why[SIM_MESSAGE_MAX];
        sim_device_store *store = NULL;
        kssim_result r = sim_device_store_open(f->device, SIM_DEVICE_STORE_OPEN_OR_CREATE, &store, why, sizeof(why));
        _exit(r == KSSIM_OK ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char marker[400];
    snprintf(marker, sizeof(marker), "%s-creating", f->file);
    struct stat st;
    assert_int_equal(stat(marker, &st), 0);
    assert_int_equal(stat(f->file, &st), 0);

    kssim_open_options options;
    kssim_open_options_default(&options);
    options.read_only = true;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_OK);
    kssim_status device_status;
    assert_int_equal(kssim_status_get(device, &device_status), KSSIM_OK);
    assert_int_equal(device_status.credential, KSSIM_CREDENTIAL_NONE);
    kssim_device_free(device);
    assert_int_equal(stat(marker, &st), 0);
    options.read_only = false;
    options.create = false;
    assert_open_refused(f->device, &options, KSSIM_DEVICE_UNAVAILABLE, "kssim init");

    device = open_device(f->device);
    begin(device);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
    assert_int_equal(stat(marker, &st), -1);
    device = open_device(f->device);
    assert_int_equal(kssim_status_get(device, &device_status), KSSIM_OK);
    assert_int_equal(device_status.credential, KSSIM_CREDENTIAL_PIN);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    kssim_device_free(device);

    /* Killed sooner, with the database file still empty: the same. */
    remove_tree(f->device);
    make_device_directory(f);
    write_file(marker, "", 0);
    write_file(f->file, "", 0);
    device = open_device(f->device);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    kssim_device_free(device);
    assert_int_equal(stat(marker, &st), -1);
}

int main(void)
{
    /* The files these tests write by hand (garbage, other databases, copies) are private, as a device's
     * must be, so that what is tested is their contents and not their mode. */
    umask(077);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_new_directory_becomes_a_device_that_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(an_empty_image_and_an_empty_key_are_stored_as_empty_blobs, setup, teardown),
        cmocka_unit_test_setup_teardown(a_write_touches_only_the_rows_that_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(a_second_connection_sees_the_first_ones_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(a_rollback_forgets_what_the_transaction_wrote, setup, teardown),
        cmocka_unit_test_setup_teardown(clearing_replaces_every_row, setup, teardown),
        cmocka_unit_test_setup_teardown(a_newer_schema_version_is_refused_naming_both_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_that_is_not_sqlite_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(random_garbage_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_truncated_device_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_device_whose_pages_are_garbage_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(another_applications_database_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_device_missing_a_table_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(rows_of_the_wrong_type_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_damaged_file_is_replaced_only_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_device_is_not_created_unless_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_where_the_directory_should_be_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(an_unwritable_directory_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_device_keeps_its_state_between_opens, setup, teardown),
        cmocka_unit_test_setup_teardown(a_command_that_checked_a_credential_says_it_committed_part_of_itself, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_log_stays_and_a_copy_of_the_directory_is_the_same_device, setup, teardown),
        cmocka_unit_test_setup_teardown(a_long_log_is_folded_in_at_close_and_a_short_one_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(an_operation_stays_in_its_process_until_another_reboots_the_phone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_refusal_is_committed_and_keeps_its_sentence, setup, teardown),
        cmocka_unit_test_setup_teardown(a_credential_attempt_is_on_disk_before_it_is_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(an_attempt_that_cannot_be_recorded_is_not_answered_and_commits_nothing, setup,
                                        teardown),
        cmocka_unit_test(a_credential_change_keeps_the_type_it_verified),
        cmocka_unit_test_setup_teardown(only_a_commit_that_advances_the_storage_syncs_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(a_rollback_puts_the_device_back, setup, teardown),
        cmocka_unit_test_setup_teardown(a_command_writes_only_the_key_rows_it_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_command_that_needs_every_key_reads_every_row, setup, teardown),
        cmocka_unit_test_setup_teardown(key_rows_in_memory_follow_other_processes_and_rollbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(an_open_without_creation_or_with_replacement, setup, teardown),
        cmocka_unit_test_setup_teardown(a_stored_row_that_does_not_decode_fails_the_check, setup, teardown),
        cmocka_unit_test(a_memory_device_lives_in_this_process),
        cmocka_unit_test(the_device_is_chosen_in_the_contracts_order),
        cmocka_unit_test_setup_teardown(a_realtime_device_follows_the_hosts_clocks, setup, teardown),
        cmocka_unit_test_setup_teardown(a_virtual_device_does_not_follow_the_host, setup, teardown),
        cmocka_unit_test_setup_teardown(a_realtime_device_with_extreme_stored_clocks_still_opens, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_device_is_private_whatever_the_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(a_device_other_users_may_open_is_refused_naming_the_fix, setup, teardown),
        cmocka_unit_test_setup_teardown(a_device_another_user_owns_is_refused_unless_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_symbolic_link_as_the_database_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_database_deleted_beside_its_log_is_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(a_database_truncated_to_nothing_is_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(a_database_without_its_state_row_is_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(a_directory_with_other_files_but_no_database_is_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(a_read_only_open_creates_nothing_and_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_configuration_that_cannot_be_leaves_nothing_behind, setup, teardown),
        cmocka_unit_test_setup_teardown(first_uses_in_many_processes_make_one_phone, setup, teardown),
        cmocka_unit_test_setup_teardown(a_creation_killed_before_its_first_commit_is_no_device_yet, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
