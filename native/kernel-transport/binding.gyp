{
  "targets": [
    {
      "target_name": "fuse_device",
      "sources": ["fuse-device.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
