/* link_input.c — see link.h. (Being written.) */
#include "link/link.h"
