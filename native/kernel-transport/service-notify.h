#ifndef NESTJS_FUSE_SERVICE_NOTIFY_H
#define NESTJS_FUSE_SERVICE_NOTIFY_H

#include <node_api.h>

napi_value service_notify(napi_env env, napi_callback_info info);

#endif
