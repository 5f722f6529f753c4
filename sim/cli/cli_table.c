/*
 * cli_table.c - the text tables of cli_table.h. The last column is not padded, so lines carry no
 * trailing spaces; cells are escaped for the terminal.
 */
#include "cli/cli_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/growable_array.h"
#include "core/utf8.h"

bool cli_table_start(cli_table *table, const char *const *header, size_t columns)
{
    memset(table, 0, sizeof(*table));
    table->columns = columns < CLI_TABLE_COLUMNS_MAX ? columns : CLI_TABLE_COLUMNS_MAX;
    return cli_table_add(table, header);
}

/* A copy of a cell that is safe on a terminal: a control character or a byte that is not part of
 * well-formed UTF-8 (an alias an older kssim let into a device) is written as \xNN, so a table never
 * carries an escape sequence or a broken character to the user's terminal. */
static char *printable_copy(const char *cell)
{
    size_t length = strlen(cell);
    char *copy = malloc(4 * length + 1);
    if (copy == NULL)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < length;) {
        unsigned char byte = (unsigned char)cell[i];
        size_t sequence = sim_utf8_sequence_length(cell + i);
        if (sequence == 0 || byte < 0x20 || byte == 0x7f) {
            at += (size_t)sprintf(copy + at, "\\x%02x", byte);
            i++;
        } else {
            memcpy(copy + at, cell + i, sequence);
            at += sequence;
            i += sequence;
        }
    }
    copy[at] = '\0';
    return copy;
}

bool cli_table_add(cli_table *table, const char *const *row)
{
    /* One item of the array is a row of cells. */
    char **grown = sim_array_with_room_for_one_more(table->cells, table->rows, &table->capacity,
                                                    table->columns * sizeof(*grown), 8);
    if (grown == NULL)
        return false;
    table->cells = grown;
    char **cells = table->cells + table->rows * table->columns;
    for (size_t column = 0; column < table->columns; column++) {
        cells[column] = printable_copy(row[column]);
        if (cells[column] == NULL) {
            for (size_t done = 0; done < column; done++)
                free(cells[done]);
            return false;
        }
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
