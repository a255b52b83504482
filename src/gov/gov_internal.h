/*
 * gov_internal.h — what the files of src/gov/ share; not for callers outside it.
 */
#ifndef HEARTH_GOV_INTERNAL_H
#define HEARTH_GOV_INTERNAL_H

#include <jansson.h>

#include "store/store.h"

/* The current row of st as a new JSON object: column name -> integer, real, string or null. */
json_t *gov_row_json(store_stmt *st);

#endif
