#!/usr/bin/env bash
# Fetch the kernel source, rust-src for the host rustc, libclang and bindgen into $RBOND_CACHE.
# Idempotent: each step leaves a stamp and is skipped when its output is there.
. "$(dirname "$0")/common.sh"
lock_stage toolchain

# 1. kernel source (Debian linux-source, pinned in versions.env)
if [ ! -f "$KSRC/.rbond-extracted" ]; then
  apt_private
  log "fetch: $LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION (about 170 MB) and extracting it (about 20 s)"
  deb=$(apt_fetch "$LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION")
  tmp=$(mktemp -d "$SRC_DIR.tmp.XXXXXX")
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "./usr/src/$LINUX_SOURCE_PKG.tar.xz"
  rm -rf "$KSRC"; mkdir -p "$KSRC"
  tar -xf "$tmp/usr/src/$LINUX_SOURCE_PKG.tar.xz" -C "$KSRC" --strip-components=1
  rm -rf "$tmp"
  touch "$KSRC/.rbond-extracted"
fi

# 2. rust-src of exactly the host rustc's version (the kernel builds core/alloc from it)
if [ ! -f "$RUST_LIB_SRC/core/src/lib.rs" ]; then
  apt_private
  ver=$(apt-cache "${APT_OPTS[@]}" madison rust-src | awk -F'|' -v v="$RUSTC_VERSION" '
        { gsub(/ /,"",$2); if (index($2, v "+") == 1) { print $2; exit } }')
  [ -n "$ver" ] || die "no rust-src $RUSTC_VERSION in Debian (rustc is $RUSTC_VERSION); available: $(apt-cache "${APT_OPTS[@]}" madison rust-src | awk -F'|' '{printf "%s", $2}')"
  log "fetch: rust-src=$ver"
  deb=$(apt_fetch "rust-src=$ver")
  rm -rf "$SRC_DIR/rust-src-$RUSTC_VERSION"; mkdir -p "$SRC_DIR/rust-src-$RUSTC_VERSION"
  dpkg-deb -x "$deb" "$SRC_DIR/rust-src-$RUSTC_VERSION"
  [ -f "$RUST_LIB_SRC/core/src/lib.rs" ] || die "rust-src $ver has no library/ at $RUST_LIB_SRC"
fi

# 3. libclang >= 17 (self-contained PyPI wheel)
if [ ! -f "$LIBCLANG_PATH/libclang.so" ]; then
  log "fetch: libclang $LIBCLANG_VERSION (PyPI wheel)"
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps "libclang==$LIBCLANG_VERSION" --platform manylinux2014_x86_64 \
    --only-binary=:all: -d "$tmp"
  python3 -m zipfile -e "$tmp"/libclang-*.whl "$tmp/x"
  mkdir -p "$LIBCLANG_PATH"
  cp "$(find "$tmp/x" -name libclang.so | head -n1)" "$LIBCLANG_PATH/libclang.so"
  rm -rf "$tmp"
fi

# 4. bindgen-cli (crate registry), built once into the cache. RBOND_BINDGEN_TARGET: a cargo target
# folder to build in and keep (make check's first-run test keeps one in the real cache, so that
# its cargo install from an empty cache compiles only the first time)
if [ ! -x "$BINDGEN_ROOT/bin/bindgen" ]; then
  log "build: bindgen-cli $BINDGEN_VERSION (cargo install, about 2.5 min)"
  CARGO_TARGET_DIR=${RBOND_BINDGEN_TARGET:-$RBOND_CACHE/cargo-target} cargo install -q bindgen-cli \
    --version "$BINDGEN_VERSION" --locked --root "$BINDGEN_ROOT"
  [ -n "${RBOND_BINDGEN_TARGET:-}" ] || rm -rf "$RBOND_CACHE/cargo-target"
fi
