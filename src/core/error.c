/* error.c - text for ringk's error codes (see include/ringk/error.h). */
#include "ringk/error.h"

const char *rk_strerror(int err) {
  switch (err) {
  case RK_OK: return "success";
#define RK_ERRNO_TEXT(name, code, text) case code: return text;
  RK_ERRNO_MAP(RK_ERRNO_TEXT)
#undef RK_ERRNO_TEXT
  default: return "unknown error";
  }
}

const char *rk_err_name(int err) {
  switch (err) {
  case RK_OK: return "RK_OK";
#define RK_ERRNO_NAME(name, code, text) case code: return "RK_E_" #name;
  RK_ERRNO_MAP(RK_ERRNO_NAME)
#undef RK_ERRNO_NAME
  default: return "RK_E_UNKNOWN";
  }
}
