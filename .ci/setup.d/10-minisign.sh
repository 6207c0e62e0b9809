# Interop tests drive stock minisign (Debian) and sha256sum (coreutils).
need=()
command -v minisign >/dev/null 2>&1 || need+=(minisign)
command -v sha256sum >/dev/null 2>&1 || need+=(coreutils)
if [ "${#need[@]}" -gt 0 ]; then
  apt_install "${need[@]}"
fi
minisign -v
# sed reads to the end: `head -n 1` can exit first and SIGPIPE the pipeline (pipefail).
sha256sum --version | sed -n 1p
