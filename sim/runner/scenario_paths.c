/*
 * scenario_paths.c - collects scenario files from the paths given to `kssim run`.
 *
 * Directory listings come back in whatever order the file system keeps, so the files found under a
 * directory are sorted by path bytewise (strcmp, not the locale's collation). Symbolic links to
 * directories are not followed, which rules out cycles; nesting is bounded all the same.
 */
#include "runner/scenario_paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/growable_array.h"

#define DIRECTORY_DEPTH_MAX 64

static bool add_path(scenario_path_list *list, const char *path, size_t shard_name_offset)
{
    size_t *offsets = sim_array_with_room_for_one_more(list->shard_name_offsets, list->count, &list->offsets_capacity,
                                                       sizeof(*offsets), 16);
    if (offsets == NULL)
        return false;
    list->shard_name_offsets = offsets;
    offsets[list->count] = shard_name_offset;
    char **grown = sim_array_with_room_for_one_more(list->paths, list->count, &list->capacity, sizeof(*grown), 16);
    if (grown == NULL)
        return false;
    list->paths = grown;
    char *copy = strdup(path);
    if (copy == NULL)
        return false;
    list->paths[list->count++] = copy;
    return true;
}

static bool has_scenario_extension(const char *name)
{
    size_t length = strlen(name);
    return (length > 5 && strcmp(name + length - 5, ".yaml") == 0) ||
           (length > 4 && strcmp(name + length - 4, ".yml") == 0);
}

static char *join_path(const char *directory, const char *name)
{
    size_t directory_length = strlen(directory);
    bool has_slash = directory_length > 0 && directory[directory_length - 1] == '/';
    char *joined = malloc(directory_length + strlen(name) + 2);
    if (joined != NULL) {
        strcpy(joined, directory);
        if (!has_slash)
            strcat(joined, "/");
        strcat(joined, name);
    }
    return joined;
}

/* Where a file's name below the directory argument starts: after the argument and the slash join_path put. */
static size_t offset_below(const char *argument)
{
    size_t length = strlen(argument);
    return length > 0 && argument[length - 1] == '/' ? length : length + 1;
}

static size_t base_name_offset(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? (size_t)(slash + 1 - path) : 0;
}

static bool collect_directory(const char *directory, scenario_path_list *list, unsigned depth, size_t name_offset,
                              FILE *err)
{
    if (depth > DIRECTORY_DEPTH_MAX) {
        fprintf(err, "%s: directories nested deeper than %d levels are not searched\n", directory, DIRECTORY_DEPTH_MAX);
        return false;
    }
    DIR *stream = opendir(directory);
    if (stream == NULL) {
        fprintf(err, "%s: cannot read the directory: %s\n", directory, strerror(errno));
        return false;
    }
    bool ok = true;
    struct dirent *entry;
    while (ok && (entry = readdir(stream)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char *path = join_path(directory, entry->d_name);
        struct stat info;
        if (path == NULL) {
            ok = false;
        } else if (lstat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
            ok = collect_directory(path, list, depth + 1, name_offset, err);
        } else if (has_scenario_extension(entry->d_name) && stat(path, &info) == 0 && S_ISREG(info.st_mode)) {
            ok = add_path(list, path, name_offset);
        }
        free(path);
    }
    closedir(stream);
    return ok;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool scenario_paths_collect(const char *const *arguments, size_t count, scenario_path_list *list, FILE *err)
{
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        struct stat info;
        if (stat(arguments[i], &info) != 0) {
            fprintf(err, "%s: %s\n", arguments[i], strerror(errno));
            ok = false;
            continue;
        }
        if (!S_ISDIR(info.st_mode)) {
            ok = add_path(list, arguments[i], base_name_offset(arguments[i])) && ok;
            continue;
        }
        size_t first = list->count;
        if (!collect_directory(arguments[i], list, 0, offset_below(arguments[i]), err)) {
            ok = false;
            continue;
        }
        if (list->count == first) {
            fprintf(err, "%s: no scenario files (*.yaml, *.yml) in this directory\n", arguments[i]);
            ok = false;
            continue;
        }
        /* The offsets of one argument's files are all the same, so sorting the paths alone keeps them right. */
        qsort(list->paths + first, list->count - first, sizeof(*list->paths), compare_paths);
    }
    return ok;
}

const char *scenario_paths_shard_name(const scenario_path_list *list, size_t index)
{
    const char *path = list->paths[index];
    size_t offset = list->shard_name_offsets[index];
    return offset <= strlen(path) ? path + offset : path;
}

void scenario_paths_free(scenario_path_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->paths[i]);
    free(list->paths);
    free(list->shard_name_offsets);
    list->paths = NULL;
    list->shard_name_offsets = NULL;
    list->count = list->capacity = list->offsets_capacity = 0;
}
