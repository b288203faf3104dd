#include <stdio.h>
#include <string.h>

#include "addon-errors.h"

napi_value throw_errno(napi_env env, const char *what, int error) {
  char message[256];
  snprintf(message, sizeof(message), "%s: %s", what, strerror(error));
  napi_value code_value, message_value, error_value, errno_value;
  char code[32];
  snprintf(code, sizeof(code), "%d", error);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value);
  napi_create_error(env, code_value, message_value, &error_value);
  napi_create_int32(env, -error, &errno_value);
  napi_set_named_property(env, error_value, "errno", errno_value);
  napi_throw(env, error_value);
  return NULL;
}

