/*
 * remove_tree.h - mktemp -d and rm -rf for the C tests that make device directories of their own: a test's
 * directory may hold files a test made unreadable (mode 000, a 0500 device), so directories are opened up
 * first.
 */
#ifndef KSSIM_TEST_REMOVE_TREE_H
#define KSSIM_TEST_REMOVE_TREE_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes a new directory $TMPDIR/kssim-NAME-XXXXXX (/tmp without TMPDIR) and writes its path to root; false,
 * with errno, when it cannot. */
static inline bool make_temporary_tree(char *root, size_t root_size, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, root_size, "%s/kssim-%s-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", name);
    return mkdtemp(root) != NULL;
}

static inline void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0700);
        DIR *dir = opendir(path);
        if (dir != NULL) {
            struct dirent *entry;
            while ((entry = readdir(dir)) != NULL) {
                if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                    continue;
                char child[4096];
                int n = snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
                if (n > 0 && (size_t)n < sizeof(child))
                    remove_tree(child);
            }
            closedir(dir);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

#endif
