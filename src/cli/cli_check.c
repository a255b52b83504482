/*
 * cli_check.c — `hearth check {nhs|upn|nino|postcode} VALUE`.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "model/model_ident.h"

int cli_check(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "hearth check: expected a kind and a value\n");
        return CLI_USAGE;
    }
    model_ident_kind kind;
    if (model_ident_kind_parse(argv[1], &kind)) {
        fprintf(stderr, "hearth check: unknown kind '%s' (nhs, upn, nino or postcode)\n", argv[1]);
        return CLI_USAGE;
    }
    char canon[MODEL_IDENT_MAX];
    const char *reason = NULL;
    if (model_ident_check(kind, argv[2], strlen(argv[2]), canon, &reason)) {
        printf("invalid: %s\n", reason ? reason : "not valid");
        return CLI_FAIL;
    }
    printf("%s\n", canon);
    return CLI_OK;
}
