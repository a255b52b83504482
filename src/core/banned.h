/*
 * banned.h — functions Hearth's code must not call.
 *
 * Included into every translation unit by the build (meson.build adds `-include src/core/banned.h`), so a
 * call to any of these is a compile error that names the safer choice. The reasons:
 *   sprintf, vsprintf     no bound on the output: use core_buf (core/core_buf.h) or snprintf with a checked result
 *   strcpy, strcat        no bound: use core_buf, or memcpy with a length already checked
 *   strncpy, strncat      silently truncate and may not terminate: use core_buf
 *   strtok                hidden global state: use strtok_r or walk the string
 *   atoi, atol, atoll     no error and no range check: use core_parse_int64 (core/core_parse.h)
 *   gets                  cannot be used safely at all
 * The macros expand to an undeclared identifier, so the compiler names the banned function in its error.
 * System headers that use these names internally are included before this file takes effect only for
 * code that includes them first; this header therefore includes the common ones itself.
 */
#ifndef HEARTH_BANNED_H
#define HEARTH_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEARTH_BANNED(func) sorry_##func##_is_banned_in_hearth

#undef sprintf
#define sprintf(...) HEARTH_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) HEARTH_BANNED(vsprintf)
#undef strcpy
#define strcpy(...) HEARTH_BANNED(strcpy)
#undef strcat
#define strcat(...) HEARTH_BANNED(strcat)
#undef strncpy
#define strncpy(...) HEARTH_BANNED(strncpy)
#undef strncat
#define strncat(...) HEARTH_BANNED(strncat)
#undef strtok
#define strtok(...) HEARTH_BANNED(strtok)
#undef atoi
#define atoi(...) HEARTH_BANNED(atoi)
#undef atol
#define atol(...) HEARTH_BANNED(atol)
#undef atoll
#define atoll(...) HEARTH_BANNED(atoll)
#undef gets
#define gets(...) HEARTH_BANNED(gets)

#endif
