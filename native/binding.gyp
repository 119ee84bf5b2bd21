{
  "targets": [
    {
      "target_name": "cowshare_native",
      "sources": ["src/map_file.cc"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra", "-Wno-cast-function-type"]
    }
  ]
}
