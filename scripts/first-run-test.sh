#!/usr/bin/env bash
# make check's first-run test: the cached stages run as on a new machine, each with an empty cache
# folder of its own, so that what is cached on this machine cannot hide a first-run failure
# (a guest-image step that failed only when no earlier image existed did, for weeks).
#   guest   scripts/build-guest.sh with no guest folder and no downloaded packages: sid's iproute2,
#           glibc, ifupdown and ifenslave are downloaded and extracted, the image is built and a
#           guest boots from it and loads rbond; then the second run reuses it
#   toolchain  scripts/fetch-toolchain.sh with nothing fetched (the 170 MB linux-source package
#           alone is taken from this machine's cache): the apt index, the kernel source, rust-src,
#           libclang, bindgen-cli (cargo install into an empty root; what it compiles is kept in
#           this machine's cache); then the kernel is configured from the fresh tree
#           (build-kernel.sh --configure-only), which proves the toolchain works for CONFIG_RUST
#   clients scripts/build-clients.sh with no root and no downloaded packages: mmdebstrap downloads
#           Debian sid's packages and makes the clients' root; then the second run reuses it
# Not fresh here: scripts/host-deps.sh (it would uninstall the machine's packages) and the kernel
# build itself (7 min on both cores); the README says how to run the whole first run on a scratch
# RBOND_CACHE. Records go to $OUT (see rec in common.sh).
# usage: first-run-test.sh [guest] [toolchain] [clients]   (default all three)
. "$(dirname "$0")/common.sh"
set +e
cd "$RBOND_TOP"
: "${OUT:?OUT must name the records file}"
stages=${*:-guest toolchain clients}
base=$(mktemp -d "$RBOND_CACHE/first-run.XXXXXX")
log_of() { echo "$base/$1.log"; }

# --- the guest image from nothing ---------------------------------------------------------------
if [[ " $stages " == *" guest "* ]]; then
# A scratch cache with this machine's kernel build, kernel source and tools, and nothing else.
S=$base/guest-cache
mkdir -p "$S/kernel" "$S/src"
ln -s "$KOUT" "$S/kernel/$(basename "$KOUT")"
ln -s "$KSRC" "$S/src/$(basename "$KSRC")"
ln -s "$TOOLS_DIR" "$S/tools"
L=$(log_of guest)
t=$(date +%s)
img=$(RBOND_CACHE=$S scripts/build-guest.sh 2> "$L"); rc=$?
if [ $rc = 0 ] && [ "${img#"$S"/guest/}" != "$img" ] && [ -s "$img" ] && ls "$S/debs"/iproute2_*.deb > /dev/null 2>&1; then
  rec ok "first run: the guest image is built with an empty cache (sid's packages downloaded, $(( $(date +%s) - t )) s)"
else
  echo "exit $rc, image '$img'" >> "$L"; rec fail "first run: the guest image is built with an empty cache" "$L"
fi
# a guest boots from it, with the fresh sid iproute2, and loads rbond
cat > "$base/boot.sh" <<'G'
ip -V && modprobe rbond && ip link add fr0 type rbond && ip -d link show fr0 | grep -q 'rbond' && echo guest-ok
G
RBOND_CACHE=$S scripts/vm.sh "$base/boot.sh" > "$(log_of boot)" 2>&1; rc=$?
if [ $rc = 0 ] && grep -qx 'guest-ok' "$(log_of boot)"; then rec ok "first run: a guest boots from the fresh image and creates a rbond bond"
else echo "exit $rc" >> "$(log_of boot)"; rec fail "first run: a guest boots from the fresh image and creates a rbond bond" "$(log_of boot)"; fi
# the second run takes the image from the cache
img2=$(RBOND_CACHE=$S scripts/build-guest.sh 2> "$(log_of guest2)"); rc=$?
if [ $rc = 0 ] && [ "$img2" = "$img" ] && ! grep -q 'building the initramfs' "$(log_of guest2)"; then rec ok "first run: the second build-guest.sh reuses the image"
else echo "exit $rc, image '$img2' (first '$img')" >> "$(log_of guest2)"; rec fail "first run: the second build-guest.sh reuses the image" "$(log_of guest2)"; fi
rm -rf "$S"
fi

# --- the toolchain from nothing -----------------------------------------------------------------
if [[ " $stages " == *" toolchain "* ]]; then
S=$base/toolchain-cache
deb=$(ls "$DEB_DIR/${LINUX_SOURCE_PKG}_${LINUX_SOURCE_VERSION//:/%3a}_"*.deb 2>/dev/null | head -n1)
mkdir -p "$S/debs"
[ -n "$deb" ] && { ln "$deb" "$S/debs/" 2>/dev/null || cp "$deb" "$S/debs/"; }
L=$(log_of toolchain)
t=$(date +%s)
# (bindgen-cli is compiled in a cargo target folder kept in this machine's cache: cargo install
# runs as on a new machine, but compiles only on the first make check, ~4 min of both cores)
RBOND_BINDGEN_TARGET=$RBOND_CACHE/first-run-bindgen-target RBOND_CACHE=$S scripts/fetch-toolchain.sh > "$L" 2>&1; rc=$?
ok=$([ $rc = 0 ] && echo 1 || echo 0)
for f in "src/linux-$LINUX_SOURCE_VERSION/Makefile" "src/linux-$LINUX_SOURCE_VERSION/.rbond-extracted" \
         "src/rust-src-$RUSTC_VERSION/usr/src/rustc-$RUSTC_VERSION/library/core/src/lib.rs" \
         "tools/libclang-$LIBCLANG_VERSION/libclang.so" "tools/bindgen-$BINDGEN_VERSION/bin/bindgen"; do
  [ -e "$S/$f" ] || { ok=0; echo "missing after the fetch: $f" >> "$L"; }
done
"$S/tools/bindgen-$BINDGEN_VERSION/bin/bindgen" --version >> "$L" 2>&1 || ok=0
if [ $ok = 1 ]; then rec ok "first run: the toolchain is fetched and built with an empty cache ($(( $(date +%s) - t )) s)"
else echo "exit $rc" >> "$L"; rec fail "first run: the toolchain is fetched and built with an empty cache" "$L"; fi
L=$(log_of configure)
RBOND_CACHE=$S scripts/build-kernel.sh --configure-only > "$L" 2>&1; rc=$?
cfg=$(ls -d "$S/kernel/$KERNEL"-*/.config 2>/dev/null | head -n1)
if [ $rc = 0 ] && [ -n "$cfg" ] && grep -qx 'CONFIG_RUST=y' "$cfg" && grep -qx 'CONFIG_BONDING=m' "$cfg"; then
  rec ok "first run: the kernel is configured from the fresh source and toolchain (CONFIG_RUST=y)"
else echo "exit $rc, config '$cfg'" >> "$L"; rec fail "first run: the kernel is configured from the fresh source and toolchain" "$L"; fi
rec skip "first run: the kernel build with an empty cache" "9 to 14 min on both cores: not in make check (README: the whole first run on a scratch RBOND_CACHE)"
fi

# --- the clients' root from nothing --------------------------------------------------------------
if [[ " $stages " == *" clients "* ]]; then
S=$base/clients-cache
mkdir -p "$S"
L=$(log_of clients)
t=$(date +%s)
root=$(RBOND_CACHE=$S scripts/build-clients.sh 2> "$L"); rc=$?
if [ $rc = 0 ] && [ "${root#"$S"/clients/}" != "$root" ] && [ -x "$root/usr/lib/systemd/systemd-networkd" ] &&
   [ -x "$root/usr/sbin/NetworkManager" ] && [ -x "$root/usr/sbin/ifreload" ] && [ -x "$root/usr/bin/teamd" ] &&
   [ -x "$root/usr/sbin/lldpd" ] && [ -s "$root/rbond-client-versions" ] && ls "$S/debs/clients"/systemd_*.deb > /dev/null 2>&1; then
  rec ok "first run: the clients' root is built with an empty cache (sid's packages downloaded, $(( $(date +%s) - t )) s)"
else
  echo "exit $rc, root '$root'" >> "$L"; rec fail "first run: the clients' root is built with an empty cache" "$L"
fi
root2=$(RBOND_CACHE=$S scripts/build-clients.sh 2> "$(log_of clients2)"); rc=$?
if [ $rc = 0 ] && [ "$root2" = "$root" ] && ! grep -q 'mmdebstrap of' "$(log_of clients2)"; then rec ok "first run: the second build-clients.sh reuses the root"
else echo "exit $rc, root '$root2' (first '$root')" >> "$(log_of clients2)"; rec fail "first run: the second build-clients.sh reuses the root" "$(log_of clients2)"; fi
rm -rf "$S"
fi
rm -rf "$base"
exit 0
