/*
 * cli_table.c - the text tables of cli_table.h. The last column is not padded, so lines carry no
 * trailing spaces.
 */
#include "cli/cli_table.h"

#include <stdlib.h>
#include <string.h>

bool cli_table_start(cli_table *table, const char *const *header, size_t columns)
{
    memset(table, 0, sizeof(*table));
    table->columns = columns < CLI_TABLE_COLUMNS_MAX ? columns : CLI_TABLE_COLUMNS_MAX;
    return cli_table_add(table, header);
}

bool cli_table_add(cli_table *table, const char *const *row)
{
    if (table->rows == table->capacity) {
        size_t capacity = table->capacity == 0 ? 8 : table->capacity * 2;
        char **cells = realloc(table->cells, capacity * table->columns * sizeof(*cells));
        if (cells == NULL)
            return false;
        table->cells = cells;
        table->capacity = capacity;
    }
    char **cells = table->cells + table->rows * table->columns;
    for (size_t column = 0; column < table->columns; column++) {
        size_t length = strlen(row[column]);
        cells[column] = malloc(length + 1);
        if (cells[column] == NULL) {
            for (size_t done = 0; done < column; done++)
                free(cells[done]);
            return false;
        }
        memcpy(cells[column], row[column], length + 1);
    }
    table->rows++;
    return true;
}

void cli_table_print(const cli_table *table, FILE *stream)
{
    size_t widths[CLI_TABLE_COLUMNS_MAX] = {0};
    for (size_t row = 0; row < table->rows; row++)
        for (size_t column = 0; column < table->columns; column++) {
            size_t length = strlen(table->cells[row * table->columns + column]);
            if (length > widths[column])
                widths[column] = length;
        }
    for (size_t row = 0; row < table->rows; row++) {
        for (size_t column = 0; column < table->columns; column++) {
            const char *cell = table->cells[row * table->columns + column];
            if (column + 1 < table->columns)
                fprintf(stream, "%-*s  ", (int)widths[column], cell);
            else
                fprintf(stream, "%s\n", cell);
        }
    }
}

void cli_table_free(cli_table *table)
{
    for (size_t i = 0; i < table->rows * table->columns; i++)
        free(table->cells[i]);
    free(table->cells);
    memset(table, 0, sizeof(*table));
}
