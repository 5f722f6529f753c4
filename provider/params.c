/*
 * params.c - looking a parameter up in an operation's parameter table (keystore_provider.h, "Parameter
 * tables"): the one description from which both its OSSL_PARAM list and its parser come.
 */
#include <string.h>

#include "keystore_provider.h"

/* A linear search: the tables hold two to six rows, and a call passes a few parameters. */
int keystore_param_meaning(const keystore_param *table, size_t count, const char *key)
{
    if (key == NULL)
        return KEYSTORE_PARAM_UNKNOWN;
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i].name, key) == 0)
            return table[i].meaning;
    return KEYSTORE_PARAM_UNKNOWN;
}
