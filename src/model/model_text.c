/*
 * model_text.c — name folding for search keys (contract in model.h, model_name_key).
 *
 * utf8proc does the Unicode work: compatibility composition (NFKC), case folding and stripping of combining
 * marks, so "Seán Ó Briain", "SEAN O BRIAIN" and "Sean O'Briain" fold alike apart from the apostrophe.
 * Then every run of characters other than letters, digits, '-' and '\'' becomes one space.
 */
#include <utf8proc.h>

#include "model/model.h"

char *model_name_key(core_arena *a, const char *name)
{
    if (!name)
        return core_arena_strdup(a, "");
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)name, 0, &folded,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                          UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
    if (n < 0) /* not UTF-8: nothing sensible to fold */
        return core_arena_strdup(a, "");
    char *out = core_arena_alloc(a, (size_t)n + 1);
    size_t o = 0;
    int space = 1; /* drop leading separators */
    for (utf8proc_ssize_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate(folded + i, n - i, &cp);
        if (len <= 0)
            break;
        utf8proc_category_t cat = utf8proc_category(cp);
        int keep = cp == '-' || cp == '\'' || (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                   cat == UTF8PROC_CATEGORY_ND;
        if (cp == 0x2019) /* right single quotation mark, as typed for O'Brien */
            keep = 1, cp = '\'';
        if (keep) {
            if (cp == '\'') {
                out[o++] = '\'';
            } else {
                memcpy(out + o, folded + i, (size_t)len);
                o += (size_t)len;
            }
            space = 0;
        } else if (!space) {
            out[o++] = ' ';
            space = 1;
        }
        i += len;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    free(folded);
    return out;
}
