/*
 * link_record.c — one row's mapped values made into a link_record: names folded (or split from a full
 * name), the given name's nickname and both names' phonetic codes, sex, postcode with sector and district,
 * the address columns joined and folded, town, email and identifiers (the table in link/README.md,
 * "Reading records"), and the digits of a date of birth that is not a date. link_input.c reads and checks the rows;
 * this file only normalises a row that has passed every check.
 *
 * Its strings live in the arena it is given: the dataset's, or the reader's row arena in stream mode. Both
 * are fallible (core_arena.h, invariant 3): an allocation that fails returns NULL and marks the arena, and
 * link_record_make says so with -1, so that the reader stops with "out of memory" rather than the program.
 */
#include <stdint.h>
#include <strings.h>

#include "core/core_buf.h"
#include "link/link.h"
#include "link/link_internal.h"

/* Trimmed copy of s[0..n) in the arena; NULL when empty. */
static const char *trimmed(core_arena *a, const char *s, size_t n)
{
    while (n > 0 && link_is_space(*s))
        s++, n--;
    while (n > 0 && link_is_space(s[n - 1]))
        n--;
    return n ? core_arena_strndup(a, s, n) : NULL;
}

/* Identifiers: ASCII letters and digits only, upper-cased; NULL when none. */
static const char *identifier(core_arena *a, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z');
    if (!k)
        return NULL;
    char *out = core_arena_alloc(a, k + 1), *o = out;
    if (!out) /* a fallible arena out of memory: the row's check reports it */
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            *o++ = (char)(c - 'a' + 'A');
        else if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
            *o++ = c;
    }
    *o = '\0';
    return out;
}

static char sex_code(const char *s, size_t n)
{
    while (n > 0 && link_is_space(*s))
        s++, n--;
    while (n > 0 && link_is_space(s[n - 1]))
        n--;
    if ((n == 1 && (*s == 'm' || *s == 'M')) || (n == 4 && strncasecmp(s, "male", 4) == 0))
        return 'M';
    if ((n == 1 && (*s == 'f' || *s == 'F')) || (n == 6 && strncasecmp(s, "female", 6) == 0))
        return 'F';
    return 0;
}

/* Split a full name into given and family before folding, as link_full_name_order says: at a comma, else at
 * the last run of spaces ("given family": a double-barrelled family name stays whole, "Mary-Jane
 * Okonkwo-Reyes" is given "mary jane", family "okonkwo reyes") or the first ("family given"). Each part is
 * placeholder-checked, and so is the whole ("Not Known" is not given "not" and family "known"). */
static void split_full(core_arena *a, const char *v, size_t n, link_full_name_order order, const char **given,
                       const char **family)
{
    const char *whole = link_norm_text(a, v, n);
    if (!whole || link_is_placeholder(whole))
        return;
    while (n > 0 && link_is_space(v[n - 1]))
        n--;
    while (n > 0 && link_is_space(*v))
        v++, n--;
    /* the family name's bytes [fs, fe) and the given names' [gs, ge) */
    size_t fs, fe, gs, ge;
    const char *comma = memchr(v, ',', n);
    if (comma) { /* "Family, Given" whatever the order says */
        fs = 0;
        fe = (size_t)(comma - v);
        gs = fe + 1;
        ge = n;
    } else if (order == LINK_ORDER_GIVEN_FAMILY) { /* the family name is the last word */
        size_t cut = n;
        while (cut > 0 && !link_is_space(v[cut - 1]))
            cut--;
        fs = cut;
        fe = n;
        gs = 0;
        ge = cut;
    } else { /* the family name is the first word */
        size_t cut = 0;
        while (cut < n && !link_is_space(v[cut]))
            cut++;
        fs = 0;
        fe = cut;
        gs = cut;
        ge = n;
    }
    if (family) {
        const char *f = fe > fs ? link_norm_text(a, v + fs, fe - fs) : NULL;
        *family = f && !link_is_placeholder(f) ? f : NULL;
    }
    if (given && ge > gs) {
        const char *g = link_norm_text(a, v + gs, ge - gs);
        *given = g && !link_is_placeholder(g) ? g : NULL;
    }
}

/* link_internal.h. The year, month and day of a value that does not read as a date in fmt ("19371233" in
 * %Y%m%d: day 33; "31/02/1990"), as the number YYYYMMDD, read as the format says but without the calendar's checks: a
 * mistyped date keeps most of its digits. 0 when the value does not have the format's shape, or the format
 * has anything but %Y, %m, %d, %e and literal bytes (a two-digit year or a month name: no digits to
 * compare), or all three are not there. Reads len bytes of s and nothing past them. */
int32_t link_date_digits(const char *s, size_t len, const char *fmt)
{
    int part[3] = {-1, -1, -1}; /* year, month, day */
    size_t pos = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            if (pos >= len || s[pos] != *f)
                return 0;
            pos++;
            continue;
        }
        f++;
        int which = *f == 'Y' ? 0 : *f == 'm' ? 1 : *f == 'd' || *f == 'e' ? 2 : -1;
        if (which < 0 || part[which] >= 0)
            return 0;
        int width = which == 0 ? 4 : 2, v = 0, k = 0;
        if (*f == 'e' && pos < len && s[pos] == ' ')
            pos++, width = 1;
        for (; k < width && pos < len && s[pos] >= '0' && s[pos] <= '9'; k++, pos++)
            v = v * 10 + (s[pos] - '0');
        if (k < width && !(*f == 'e' && k == 1))
            return 0;
        part[which] = v;
    }
    if (pos != len || part[0] < 0 || part[1] < 0 || part[2] < 0)
        return 0;
    return (int32_t)part[0] * 10000 + part[1] * 100 + part[2];
}

static const char *value(const link_fields *f, int i, size_t *n)
{
    *n = f->len[i];
    return f->value[i];
}

/* link_internal.h */
int link_record_make(link_record *rec, core_arena *a, core_buf *scratch, const link_mapping *m,
                     const link_fields *f, int32_t dob, int32_t dob_digits)
{
    memset(rec, 0, sizeof *rec);
    size_t idlen;
    const char *id = value(f, LINK_F_ID, &idlen);
    rec->id = id ? trimmed(a, id, idlen) : NULL;
    rec->dob = dob;
    rec->dob_digits = dob_digits;
    size_t n;
    const char *v;

    /* names */
    if ((v = value(f, LINK_F_GIVEN, &n)))
        rec->given = link_norm_name(a, v);
    if ((v = value(f, LINK_F_FAMILY, &n)))
        rec->family = link_norm_name(a, v);
    if ((v = value(f, LINK_F_FULL, &n)) && (!f->value[LINK_F_GIVEN] || !f->value[LINK_F_FAMILY]))
        split_full(a, v, n, m->full_name_order, !f->value[LINK_F_GIVEN] ? &rec->given : NULL,
                   !f->value[LINK_F_FAMILY] ? &rec->family : NULL);
    if (rec->given) {
        const char *sp = strchr(rec->given, ' ');
        const char *first = sp ? core_arena_strndup(a, rec->given, (size_t)(sp - rec->given)) : rec->given;
        if (!first)
            return -1;
        const char *canon = link_nick_canonical(first);
        rec->given_nick = canon == first ? first : core_arena_strdup(a, canon);
        link_phonetic(first, rec->given_phon);
    }
    if (rec->family) {
        core_buf_reset(scratch);
        for (const char *p = rec->family; *p; p++)
            if (*p != ' ')
                core_buf_addch(scratch, *p);
        link_phonetic(scratch->data, rec->family_phon);
    }

    if ((v = value(f, LINK_F_SEX, &n)))
        rec->sex = sex_code(v, n);

    if ((v = value(f, LINK_F_POSTCODE, &n))) {
        char *pc = core_arena_alloc(a, n + 1);
        if (!pc)
            return -1;
        size_t sl, dl;
        size_t pl = link_norm_postcode(v, pc, n + 1, &sl, &dl);
        if (pl) {
            rec->postcode = pc;
            rec->sector = sl ? core_arena_strndup(a, pc, sl) : NULL;
            rec->district = dl ? core_arena_strndup(a, pc, dl) : NULL;
        }
    }

    if (m->naddress > 0) {
        core_buf_reset(scratch);
        for (int i = 0; i < m->naddress; i++) {
            if ((v = value(f, LINK_F_ADDRESS + i, &n))) {
                core_buf_add(scratch, v, n);
                core_buf_addch(scratch, ' ');
            }
        }
        rec->address = link_norm_text(a, scratch->data, scratch->len);
    }
    if ((v = value(f, LINK_F_TOWN, &n)))
        rec->town = link_norm_text(a, v, n);
    if ((v = value(f, LINK_F_EMAIL, &n))) {
        const char *e = trimmed(a, v, n);
        if (e)
            for (char *p = (char *)e; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
        rec->email = e;
    }
    if ((v = value(f, LINK_F_NHS, &n)))
        rec->nhs_number = identifier(a, v, n);
    if ((v = value(f, LINK_F_NINO, &n)))
        rec->nino = identifier(a, v, n);
    if ((v = value(f, LINK_F_UPN, &n)))
        rec->upn = identifier(a, v, n);
    return core_arena_failed(a) ? -1 : 0;
}

