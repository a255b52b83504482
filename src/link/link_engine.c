/* link_engine.c — see link.h. (Being written.) */
#include "link/link.h"
