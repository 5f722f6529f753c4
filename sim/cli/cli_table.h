/*
 * cli_table.h - aligned text tables for `kssim keys`: a header row and data rows, each column as wide
 * as its widest cell, separated by two spaces.
 */
#ifndef SIM_CLI_CLI_TABLE_H
#define SIM_CLI_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CLI_TABLE_COLUMNS_MAX 8

typedef struct cli_table {
    size_t columns;
    char **cells; /* rows * columns copies, row by row */
    size_t rows;
    size_t capacity; /* rows */
} cli_table;

/* header: the column names, which are the first row. */
bool cli_table_start(cli_table *table, const char *const *header, size_t columns);
/* Copies the row's cells (columns of them). */
bool cli_table_add(cli_table *table, const char *const *row);
void cli_table_print(const cli_table *table, FILE *stream);
void cli_table_free(cli_table *table);

#endif
