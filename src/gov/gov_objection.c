/*
 * gov_objection.c — an upheld objection to processing (UK GDPR art. 21), set on the person (contract in
 * gov.h; migration 0015). What each flag stops: docs/requests.md, "Objection".
 */
#include "gov/gov.h"

#include <inttypes.h>

#include "model/model.h"

/* $2, $3: the new flags, or NULL to leave one as it is. */
static const char SQL_OBJECT[] =
    "UPDATE person\n"
    "   SET objects_matching = coalesce($2, objects_matching),\n"
    "       objects_research = coalesce($3, objects_research),\n"
    "       version = version + 1, updated_at = $4, updated_by = $5\n"
    " WHERE id = $1\n"
    "RETURNING objects_matching, objects_research";

int gov_person_object(store *s, core_arena *a, int64_t person, int matching, int research, int64_t user_id,
                      int *now_matching, int *now_research, core_error *err)
{
    char now[24];
    model_now(now);
    store_value p[] = {store_v_int(person), matching < 0 ? store_v_null() : store_v_int(matching != 0),
                       research < 0 ? store_v_null() : store_v_int(research != 0), store_v_text(now),
                       user_id ? store_v_int(user_id) : store_v_null()};
    store_stmt *st;
    int rc = store_query(s, a, SQL_OBJECT, p, 5, &st, err);
    if (rc)
        return rc;
    if ((rc = store_next(st, err)) < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no people with id %" PRId64, person);
    *now_matching = (int)store_col_int(st, 0);
    *now_research = (int)store_col_int(st, 1);
    while ((rc = store_next(st, err)) == 1)
        ;
    return rc < 0 ? rc : 0;
}
