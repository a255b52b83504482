/* link_compare.c — see link.h. (Being written.) */
#include "link/link.h"
