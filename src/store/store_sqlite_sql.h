/*
 * store_sqlite_sql.h — standard SQL functions that SQLite lacks, for the SQLite back end only (see the .c).
 */
#ifndef HEARTH_STORE_SQLITE_SQL_H
#define HEARTH_STORE_SQLITE_SQL_H

#include <sqlite3.h>

/* Register them on db. Returns an SQLite result code. */
int store_sqlite_sql_register(sqlite3 *db);

#endif
