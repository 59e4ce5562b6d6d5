#!/usr/bin/env bash
# Build the clients' root: a Debian root file system (sid, made by mmdebstrap with its maintainer
# scripts run, as apt installs it on a real system) with the programs users configure bonds with,
# unchanged: systemd (networkd, networkctl, udevd), D-Bus, NetworkManager (nmcli), ifupdown2,
# libteam-utils (teamd, teamdctl) and lldpd. The guest mounts it read-only over 9p and runs them
# in a chroot (selftests/lib/clients.sh); scripts/vm.sh shares it when RBOND_VM_CLIENTS=1.
# Output: $RBOND_CACHE/clients/<key>/root (path printed on stdout), and beside it versions.txt
# (each client package and its version). The downloaded packages are kept in $DEB_DIR/clients.
. "$(dirname "$0")/common.sh"

CLIENT_PKGS=(systemd udev dbus network-manager ifupdown2 libteam-utils lldpd iproute2 ethtool)
key=$( { echo "$GUEST_SID_SUITE ${CLIENT_PKGS[*]}"; cat "$RBOND_TOP/scripts/build-clients.sh"; } | sha256sum | cut -c1-12)
OUT=$RBOND_CACHE/clients/$key
if [ -f "$OUT/.rbond-built" ]; then touch "$OUT"; echo "$OUT/root"; exit 0; fi
lock_stage clients
if [ -f "$OUT/.rbond-built" ]; then touch "$OUT"; echo "$OUT/root"; exit 0; fi
command -v mmdebstrap > /dev/null || die "mmdebstrap is missing (scripts/host-deps.sh installs it)"
uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || die "cannot find the Debian mirror in /etc/apt/sources.list*"
keep_newest 2 "$OUT" "$RBOND_CACHE"/clients/*
rm -rf "$OUT"; mkdir -p "$OUT" "$DEB_DIR/clients"
log "clients: mmdebstrap of Debian $GUEST_SID_SUITE with ${CLIENT_PKGS[*]} (log: $OUT/mmdebstrap.log)"
t0=$(date +%s)
# the mirror may be a dated snapshot: its Release files are past their Valid-Until
inc=$(IFS=,; echo "${CLIENT_PKGS[*]}")
if ! mmdebstrap --variant=apt --include="$inc" \
     --aptopt='APT::Install-Recommends "false"' --aptopt='Acquire::Check-Valid-Until "false"' \
     --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
     --setup-hook="sync-in $DEB_DIR/clients /var/cache/apt/archives/" \
     --customize-hook="sync-out /var/cache/apt/archives $DEB_DIR/clients" \
     --customize-hook='chroot "$1" dpkg-query -W -f="\${Package} \${Version}\n" > "$1/../versions.all.txt"' \
     "$GUEST_SID_SUITE" "$OUT/root.tmp" "$uri" > "$OUT/mmdebstrap.log" 2>&1; then
  tail -n 20 "$OUT/mmdebstrap.log" >&2
  die "clients: mmdebstrap failed (log: $OUT/mmdebstrap.log)"
fi
mv "$OUT/root.tmp" "$OUT/root"
# the versions of the clients themselves, for the tests' records and the documentation
for p in "${CLIENT_PKGS[@]}"; do awk -v p="$p" '$1 == p' "$OUT/versions.all.txt"; done > "$OUT/versions.txt"
[ "$(wc -l < "$OUT/versions.txt")" = "${#CLIENT_PKGS[@]}" ] || die "clients: a package is missing from the root: $(cat "$OUT/versions.txt")"
cp "$OUT/versions.txt" "$OUT/root/rbond-client-versions"
# what the guest copies into a tmpfs to write in (its /etc, /var, /root and the top-level links),
# as one archive: ~1200 small files read one by one over 9p took a TCG guest ~25 s
(cd "$OUT/root" && tar -cf rbond-rw.tar --exclude=./var/cache/apt --exclude=./var/lib/apt/lists \
   ./etc ./var ./root ./bin ./sbin ./lib ./lib64)
touch "$OUT/.rbond-built"
log "clients: built in $(( $(date +%s) - t0 )) s: $(tr '\n' ' ' < "$OUT/versions.txt")"
echo "$OUT/root"
