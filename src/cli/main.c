/* main.c — entry point of the `hearth` program: everything is in cli_main (cli/cli_main.c). */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
