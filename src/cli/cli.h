/*
 * cli.h — the `hearth` command: one table of commands, each with its own --help.
 *
 * Exit status: 0 success; 1 the command ran and the answer is "no" or it failed (e.g. an invalid
 * identifier, a database error); 2 usage error (unknown command or option, missing argument).
 */
#ifndef HEARTH_CLI_H
#define HEARTH_CLI_H

#include "core/core_error.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli_command {
    const char *name;      /* "check", "user add" */
    const char *summary;   /* one line for `hearth --help` */
    const char *usage;     /* full --help text */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cli_main(int argc, char **argv);

/* Print an error in the house shape to stderr. */
void cli_print_error(const core_error *err);
/* Parse a command whose only option is --db PATH; returns the path, or NULL after printing a usage message
 * naming the command. */
const char *cli_db_only(int argc, char **argv, const char *command);
/* 1 when argv has -h or --help. */
int cli_wants_help(int argc, char **argv);

int cli_check(int argc, char **argv);
int cli_audit_verify(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_user_add(int argc, char **argv);
int cli_demo(int argc, char **argv);

#endif
