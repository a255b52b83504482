/*
 * demo_partner.c — synthetic partner datasets about the demo council's people (contract in demo_partner.h).
 *
 * One pass over the council's family members in family order: each person is written at most once to each
 * file, with values drawn from a generator seeded by (seed, family) so that a family's needs hang together
 * (a "family with needs" shows them in several datasets) and the files do not depend on how many families
 * came before. Recording errors and unknown people come from a second generator per file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "demo/demo_names.h"
#include "demo/demo_partner.h"
#include "demo/demo_rng.h"

const char *const demo_partner_datasets[4] = {"school_attendance", "police_incidents", "dwp_benefits", "housing"};

static const char *const ATTRIBUTES[4] = {"attendance_pct,persistent_absence", "domestic_abuse,offending",
                                          "out_of_work_benefit", "homelessness_risk,rent_arrears"};
static const char *const MAPPINGS[4] = {
    "\"attendance_pct\":\"attendance_pct\",\"persistent_absence\":\"persistent_absence\"",
    "\"domestic_abuse\":\"domestic_abuse\",\"offending\":\"offending\"",
    "\"out_of_work_benefit\":\"out_of_work_benefit\"",
    "\"homelessness_risk\":\"homelessness_risk\",\"rent_arrears\":\"rent_arrears\"",
};

static const char SQL_MEMBERS[] =
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.sex, a.postcode, m.family_id\n"
    "  FROM family_member m\n"
    "  JOIN person p ON p.id = m.person_id\n"
    "  LEFT JOIN person_address a\n"
    "    ON a.id = (SELECT max(x.id) FROM person_address x WHERE x.person_id = p.id AND x.to_date IS NULL)\n"
    " WHERE p.restricted = 0 AND p.date_of_birth IS NOT NULL AND p.given_name IS NOT NULL\n"
    "   AND p.family_name IS NOT NULL\n"
    " ORDER BY m.family_id, p.id";

static const char SQL_MAX_PERSON[] = "SELECT max(id) FROM person";

typedef struct out_file {
    FILE *f;
    FILE *truth;       /* ref,person_id of each row about a known person (may be NULL) */
    int64_t n;
    demo_rng errors;   /* recording errors and unknown people */
} out_file;

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* One row: the person as the partner recorded them, then the attributes (already CSV-safe). */
static void row(out_file *o, int which, int64_t pid, const char *given, const char *family, const char *dob, const char *sex,
                const char *postcode, const char *attrs, demo_partner_stats *st)
{
    char fam[128], day[11];
    snprintf(fam, sizeof fam, "%s", family);
    snprintf(day, sizeof day, "%s", dob);
    const char *pc = postcode ? postcode : "";
    unsigned e = (unsigned)demo_rng_below(&o->errors, 1000);
    size_t len = strlen(fam);
    if (e < 40 && len >= 4) {           /* a typo: two neighbouring letters swapped */
        size_t i = 1 + (size_t)demo_rng_below(&o->errors, len - 2);
        if ((unsigned char)fam[i] < 0x80 && (unsigned char)fam[i + 1] < 0x80 && fam[i] != fam[i + 1]) {
            char t = fam[i];
            fam[i] = fam[i + 1];
            fam[i + 1] = t;
            st->altered++;
        }
    } else if (e < 70 && memcmp(day + 8, "13", 2) < 0 && memcmp(day + 5, day + 8, 2) != 0) {
        char m0 = day[5], m1 = day[6];   /* day and month swapped */
        day[5] = day[8];
        day[6] = day[9];
        day[8] = m0;
        day[9] = m1;
        st->altered++;
    } else if (e < 100 && *pc) {
        pc = "";
        st->altered++;
    }
    char ref[32];
    snprintf(ref, sizeof ref, "%.3s-%06" PRId64, demo_partner_datasets[which], ++o->n);
    fprintf(o->f, "%s,", ref);
    if (o->truth && pid)
        fprintf(o->truth, "%s,%" PRId64 "\n", ref, pid);
    field(o->f, given);
    fputc(',', o->f);
    field(o->f, fam);
    fprintf(o->f, ",%.2s/%.2s/%.4s,%s,%s,%s\n", day + 8, day + 5, day, sex ? sex : "", pc, attrs);
    st->rows[which]++;
}

/* Now and then, a person the council does not know, with the file's attributes. */
static void maybe_unknown(out_file *o, int which, int born_from, int born_to, const char *attrs,
                          demo_partner_stats *st)
{
    if (!demo_rng_chance(&o->errors, 40))
        return;
    demo_origin origin = demo_origin_pick(&o->errors);
    char sex = demo_rng_chance(&o->errors, 500) ? 'F' : 'M';
    char dob[11], pc[9];
    snprintf(dob, sizeof dob, "%04d-%02d-%02d", demo_rng_range(&o->errors, born_from, born_to),
             demo_rng_range(&o->errors, 1, 12), demo_rng_range(&o->errors, 1, 28));
    demo_postcode(&o->errors, pc);
    char s[2] = {sex, '\0'};
    row(o, which, 0, demo_given_name(&o->errors, origin, sex), demo_family_name(&o->errors, origin), dob, s, pc, attrs,
        st);
    st->unknown++;
}

static int age_on(const char *dob, core_date as_of)
{
    core_date d;
    if (core_date_parse(dob, strlen(dob), &d))
        return -1;
    int age = as_of.y - d.y;
    if (as_of.m < d.m || (as_of.m == d.m && as_of.d < d.d))
        age--;
    return age;
}

static int write_mappings(const char *dir, core_error *err)
{
    for (int i = 0; i < 4; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.json", dir, demo_partner_datasets[i]);
        FILE *f = fopen(path, "w");
        if (!f)
            return core_error_set(err, CORE_E_IO, "cannot write %s: %s", path, strerror(errno));
        fprintf(f,
                "{\"id\": \"ref\", \"given_name\": \"forename\", \"family_name\": \"surname\",\n"
                " \"date_of_birth\": \"dob\", \"date_format\": \"%%d/%%m/%%Y\", \"sex\": \"sex\", \"postcode\": "
                "\"postcode\",\n \"attributes\": {%s}}\n",
                MAPPINGS[i]);
        if (fclose(f) != 0)
            return core_error_set(err, CORE_E_IO, "cannot write %s", path);
    }
    return 0;
}

int demo_partner_write(store *s, const char *dir, uint64_t seed, core_date as_of, FILE *truth,
                       demo_partner_stats *st, core_error *err)
{
    memset(st, 0, sizeof *st);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return core_error_set(err, CORE_E_IO, "cannot create %s: %s", dir, strerror(errno));
    int rc = write_mappings(dir, err);
    if (rc)
        return rc;
    core_arena a = CORE_ARENA_INIT;
    int64_t max_id = 0;
    rc = store_query_int(s, &a, SQL_MAX_PERSON, NULL, 0, &max_id, err);
    if (rc || max_id <= 0) {
        core_arena_release(&a);
        return rc ? rc : core_error_set(err, CORE_E_INVALID_VALUE, "the database holds nobody to write about");
    }
    out_file out[4];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 4 && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.csv", dir, demo_partner_datasets[i]);
        if (!(out[i].f = fopen(path, "w")))
            rc = core_error_set(err, CORE_E_IO, "cannot write %s: %s", path, strerror(errno));
        else
            fprintf(out[i].f, "ref,forename,surname,dob,sex,postcode,%s\n", ATTRIBUTES[i]);
        demo_rng_init(&out[i].errors, seed * 31 + (uint64_t)i + 7);
        out[i].truth = truth;
    }
    if (truth)
        fputs("ref,person_id\n", truth);
    unsigned char *seen = rc == 0 ? calloc((size_t)max_id + 1, 1) : NULL;
    store_stmt *stmt;
    if (rc == 0)
        rc = store_query(s, &a, SQL_MEMBERS, NULL, 0, &stmt, err);
    int64_t family = 0, families = 0;
    int needy = 0;
    demo_rng fr;
    while (rc == 0 && (rc = store_next(stmt, err)) == 1) {
        rc = 0;
        int64_t pid = store_col_int(stmt, 0), fid = store_col_int(stmt, 6);
        if (fid != family) {
            family = fid;
            families++;
            demo_rng_init(&fr, seed * 1000003 + (uint64_t)fid);
            needy = demo_rng_chance(&fr, 85);
        }
        if (pid <= 0 || pid > max_id || seen[pid])
            continue;
        seen[pid] = 1;
        const char *given = store_col_text(stmt, 1, NULL), *fam = store_col_text(stmt, 2, NULL),
                   *dob = store_col_text(stmt, 3, NULL), *sex = store_col_text(stmt, 4, NULL),
                   *pc = store_col_text(stmt, 5, NULL);
        int age = age_on(dob, as_of);
        char attrs[64];
        if (age >= 5 && age <= 15 && demo_rng_chance(&fr, 970)) {
            int low = needy ? demo_rng_chance(&fr, 750) : demo_rng_chance(&fr, 40);
            double pct = low ? 70 + demo_rng_double(&fr) * 19.9 : 90 + demo_rng_double(&fr) * 10;
            snprintf(attrs, sizeof attrs, "%.1f,%s", pct, pct < 90 ? "Y" : "N");
            row(&out[0], 0, pid, given, fam, dob, sex, pc, attrs, st);
            maybe_unknown(&out[0], 0, as_of.y - 15, as_of.y - 6, "95.0,N", st);
        }
        if (age >= 14) {
            int da = age >= 18 && demo_rng_chance(&fr, needy ? 550 : 15);
            int off = demo_rng_chance(&fr, needy ? 200 : 10);
            if (da || off || demo_rng_chance(&fr, 10)) {
                snprintf(attrs, sizeof attrs, "%s,%s", da ? "Y" : "N", off ? "Y" : "N");
                row(&out[1], 1, pid, given, fam, dob, sex, pc, attrs, st);
                maybe_unknown(&out[1], 1, as_of.y - 60, as_of.y - 14, "N,Y", st);
            }
        }
        if (age >= 18 && demo_rng_chance(&fr, 800)) {
            row(&out[2], 2, pid, given, fam, dob, sex, pc, demo_rng_chance(&fr, needy ? 650 : 80) ? "yes" : "no", st);
            maybe_unknown(&out[2], 2, as_of.y - 70, as_of.y - 18, "yes", st);
        }
        if (age >= 18 && demo_rng_chance(&fr, needy ? 300 : 30)) {
            int risk = demo_rng_chance(&fr, needy ? 600 : 200);
            snprintf(attrs, sizeof attrs, "%s,%d", risk ? "yes" : "no", risk ? demo_rng_range(&fr, 100, 2500) : 0);
            row(&out[3], 3, pid, given, fam, dob, sex, pc, attrs, st);
            maybe_unknown(&out[3], 3, as_of.y - 70, as_of.y - 18, "no,0", st);
        }
    }
    if (rc == 0 && families == 0)
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "the database holds no families");
    for (int i = 0; i < 4; i++)
        if (out[i].f && fclose(out[i].f) != 0 && rc == 0)
            rc = core_error_set(err, CORE_E_IO, "cannot write the %s file", demo_partner_datasets[i]);
    free(seen);
    core_arena_release(&a);
    return rc;
}
