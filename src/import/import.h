/*
 * import.h — importing a partner's CSV file into a named dataset (`hearth import`).
 *
 * What it is for: reading a file of any size through a mapping (link.h: Hearth person field -> column, plus
 * the dataset's own attributes), checking every row, keeping the good ones as partner_record rows of the
 * dataset (migration 0007) and reporting each bad one with its line and reason. Run again on the same or a
 * newer file, it adds the new rows, updates the changed ones and leaves the rest alone: a row is known by
 * (dataset, row key), the row key being the mapping's id column.
 * What it is not for: linking rows to people in the index (person_id stays NULL: linking comes later and a
 * person decides), deleting rows absent from a newer file, or deciding who may see a dataset (access/ does,
 * from its sharing label).
 *
 * Layering: import -> link (the mapping and the streaming CSV reader), model (identifier checks only:
 * model_ident.h), store, core. The command line (cli/cli_import.c) opens the database, records the import
 * in the audit trail and draws the progress bar.
 *
 * Invariants
 *   I1. All or nothing per batch: the import commits every batch_rows rows (default 10,000), so that a long
 *       import gives up the database's write lock between batches and a running server's writes are not
 *       held up for its whole length (finding 20 of issue 9). A file-level error found before the first row
 *       (unreadable file, a mapped column absent from the header, a header that is not UTF-8 or not CSV, the
 *       dataset's options) leaves the database exactly as before. One found later (a quoted field never
 *       closed, a field past 64 KiB, a database error, cancellation) rolls back the current batch only: the
 *       batches before it stay (out->committed rows), the run's partner_import row keeps finished_at NULL,
 *       and running the import again completes it (rows already committed count as unchanged: I3). A file
 *       of at most batch_rows rows is therefore still all or nothing. A refused row is not an error: it is
 *       reported and skipped, and the rest is imported.
 *   I2. Memory does not grow with the file: rows are streamed one at a time (link_csv_stream) and each row's
 *       allocations live in an arena reset after it. Finding a row key repeated within the file asks the
 *       database (the row's import_id and source_line), not an in-memory set.
 *   I3. A row's content (its canonical person fields and attributes) is compared with the stored one: equal
 *       is "unchanged" (only import_id and source_line move), different is "updated" (version + 1, the
 *       previous content kept in row_history). inserted + updated + unchanged + rejected = read.
 *   I4. Reasons name the column and the rule, and quote at most a short value the file itself holds for
 *       dates, sex and row keys (as link's reader does); identifier reasons never quote the identifier.
 */
#ifndef HEARTH_IMPORT_H
#define HEARTH_IMPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core_error.h"
#include "link/link.h"
#include "store/store.h"

#define IMPORT_DATASET_NAME_MAX 64   /* a dataset name: 1..64 of [A-Za-z0-9_.-] */
#define IMPORT_ROW_KEY_MAX 128       /* bytes in a row key */
#define IMPORT_TEXT_MAX 256          /* bytes in a name, town, email or identifier after cleaning */
#define IMPORT_ADDRESS_MAX 512       /* bytes in the joined address */
#define IMPORT_ATTRIBUTE_MAX 8192    /* bytes in one attribute value */
#define IMPORT_SECTION_DEFAULT "partner_data"
#define IMPORT_BATCH_ROWS_DEFAULT 10000 /* rows per transaction (I1) */
#define IMPORT_YIELD_MS 100 /* the pause after each batch, for other processes' writers (I1) */

/* What happened, for the summary, the partner_import row and the audit trail. */
typedef struct import_counts {
    uint64_t read;      /* data rows in the file (blank lines are not rows) */
    uint64_t inserted;  /* new row keys */
    uint64_t updated;   /* row keys already held whose content changed */
    uint64_t unchanged; /* row keys already held with the same content */
    uint64_t rejected;  /* refused rows (each reported with its line and reason) */
    uint64_t not_utf8;  /* of the rejected: "not valid UTF-8" (the summary suggests converting the file) */
    uint64_t bytes;     /* bytes of the file read */
    uint64_t committed;  /* rows read up to the last committed batch: on failure, what is kept (I1) */
    int64_t dataset_id, import_id;
    int dataset_created; /* 1 when this import created the dataset */
} import_counts;

typedef struct import_options {
    const char *dataset;  /* the dataset's name (required) */
    const char *file;     /* recorded in partner_import.file (the caller gives the base name); NULL: "-" */
    const char *section;  /* sharing label (ref list 'section') for a new dataset; NULL: "partner_data". For an
                             existing dataset it must be NULL or its label (relabelling is not an import) */
    int64_t agency_id;    /* whose data it is, for a new dataset (must exist); 0: not said. As section. */
    uint64_t batch_rows;  /* rows per transaction (I1); 0: IMPORT_BATCH_ROWS_DEFAULT */
    /* Each refused row, in file order (may be NULL). */
    void (*reject)(void *ctx, uint64_t line, const char *reason);
    /* Called every few hundred rows and at the end (may be NULL). */
    void (*progress)(void *ctx, const import_counts *c);
    void *ctx;
    /* When set and it becomes nonzero (e.g. from a SIGINT handler), the import stops and rolls back. */
    const volatile sig_atomic_t *cancel;
    /* Called after the last row, before COMMIT (may be NULL): a negative code (err filled) rolls the import
     * back. The command line makes sure the rejects file is written here. */
    int (*before_commit)(void *ctx, core_error *err);
    /* Called once inside the first batch's transaction, once the run's partner_import row exists (c->import_id,
     * c->dataset_id set), on s (may be NULL): what it writes commits with the first batch or not at all. A
     * negative code (err filled) stops the import with nothing imported. The command line puts the import's
     * audit event in the audit outbox here, so a crash part-way leaves no committed batch unaudited. */
    int (*in_first_batch)(void *ctx, store *s, const import_counts *c, core_error *err);
} import_options;

/* Import the CSV file at path through mapping m into o->dataset, on s (which must not be in a transaction:
 * the import opens and commits its own, one per batch, I1). *out gets the counts (also on failure: what was
 * seen before it, and out->committed the rows kept by earlier batches). Returns 0, or a negative code with
 * err filled and the database as it was after the last committed batch: CORE_E_USAGE (bad dataset
 * name), CORE_E_INVALID_CODE (unknown section), CORE_E_NOT_FOUND (unknown agency), CORE_E_CONFLICT (the
 * dataset exists with another section or agency), CORE_E_IO (the file cannot be read, or the import was
 * cancelled), CORE_E_INVALID_VALUE (the file, see link_csv_stream), CORE_E_STORE / CORE_E_BUSY. */
int import_csv_file(store *s, const char *path, const link_mapping *m, const import_options *o,
                    import_counts *out, core_error *err);
/* The same from memory (tests, fuzzing). */
int import_csv_mem(store *s, const char *data, size_t len, const link_mapping *m, const import_options *o,
                   import_counts *out, core_error *err);

/* 1 when name is a usable dataset name. */
int import_dataset_name_ok(const char *name);

#endif
