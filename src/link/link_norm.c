/* link_norm.c — see link.h. (Being written.) */
#include "link/link.h"
