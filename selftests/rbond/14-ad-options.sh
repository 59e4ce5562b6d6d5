#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The 802.3ad options (lacp_rate, lacp_active, ad_select, min_links, ad_actor_sys_prio,
# ad_actor_system, ad_user_port_key, coupled_control, lacp_strict): sysfs text, errnos and netlink
# as the C driver's, side by side in one guest. Values are read back through sysfs (rbond has no
# netlink dump yet). If rbond refused mode 802.3ad, the 802.3ad-mode parts fail (they are not skipped).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
S=/sys/class/net
FILES="lacp_active lacp_rate ad_select min_links ad_actor_sys_prio ad_actor_system ad_user_port_key"

# the 802.3ad option files of bond $1, name=value (the file's lines joined by "|"), one a line;
# with bash's own read: a command started costs ~0.1 s in the TCG guest, and this runs ~200 times
adump() {
  local f l v
  for f in $FILES; do
    v=""
    while IFS= read -r l; do v+="$l|"; done < $S/$1/bonding/$f
    printf '%s=%s\n' "$f" "$v"
  done
}
# errno text of a write ("" when accepted)
errno_of() { local e; e=$( { echo "$2" > "$1"; } 2>&1 ); printf '%s' "${e##*: }"; }
# same_result ERRNO-RBOND ERRNO-C RBOND C: the same outcome, and every file reads as C's
same_result() {
  [ "$1" = "$2" ] || { echo "rbond: ${1:-accepted}, C: ${2:-accepted}"; return 1; }
  local r c
  r=$(adump "$3"); c=$(adump "$4")
  [ "$r" = "$c" ] || diff -u <(echo "$c") <(echo "$r")
}
# both FILE VALUE: write to r-b and c-b, compare
both() {
  local er ec
  er=$(errno_of $S/r-b/bonding/$1 "$2"); ec=$(errno_of $S/c-b/bonding/$1 "$2")
  check "$(cat $S/c-b/bonding/mode | cut -d' ' -f1): echo '$2' > $1: ${ec:-accepted}, as with C" same_result "$er" "$ec" r-b c-b
}
updown() { ip link set r-b "$1"; ip link set c-b "$1"; }

ip link add r-b type rbond; ip link add c-b type bond
check "a new bond's 802.3ad files read as C's" diff -u <(adump c-b) <(adump r-b)
check "defaults: lacp_rate slow 0, lacp_active on 1, ad_select stable 0, min_links 0" equals \
  "slow 0|on 1|stable 0|0" "$(cat $S/r-b/bonding/{lacp_rate,lacp_active,ad_select,min_links} | paste -sd'|')"

# --- balance-rr: ad_select and min_links exist in every mode, the others only in 802.3ad
for v in bandwidth count actor_port_prio 0 4 foo default; do both ad_select "$v"; done
for v in 2 0 off 2147483647 2147483648 -1 foo; do both min_links "$v"; done
for f in lacp_rate:fast lacp_rate:foo lacp_active:off ad_actor_sys_prio:100 \
         ad_actor_system:02:11:22:33:44:55 ad_user_port_key:5; do
  both "${f%%:*}" "${f#*:}"
done
dmesg -C
errno_of $S/r-b/bonding/lacp_rate fast >/dev/null; errno_of $S/c-b/bonding/lacp_rate fast >/dev/null
check "the log says why, in C's words" bash -c \
  'dmesg | grep -q "r-b: option lacp_rate: mode dependency failed, not supported in mode balance-rr(0)" &&
   dmesg | grep -q "c-b: option lacp_rate: mode dependency failed, not supported in mode balance-rr(0)"'
errno_of $S/r-b/bonding/min_links -1 >/dev/null
check "a bad min_links is logged with the allowed range, as by C" bash -c \
  'dmesg | grep -q "r-b: option min_links: invalid value (-1)" && dmesg | grep -q "r-b: option min_links: allowed values 0 - 2147483647"'
updown up
both ad_select count      # IFDOWN: EBUSY
both min_links 3          # no dependency
updown down

# --- 802.3ad: every option, values good and bad, and what needs the bond down
if [ -z "$(errno_of $S/r-b/bonding/mode 802.3ad)" ]; then
  echo 802.3ad > $S/c-b/bonding/mode
  check "802.3ad: the files read as C's (the actor settings shown to root)" diff -u <(adump c-b) <(adump r-b)
  for v in fast slow 1 0 2 medium default; do both lacp_rate "$v"; done
  for v in off on 0 1 2 maybe default; do both lacp_active "$v"; done
  for v in stable bandwidth count actor_port_prio 3 4; do both ad_select "$v"; done
  for v in 5 0 2147483648; do both min_links "$v"; done
  for v in 1 100 65535 0 65536 default foo; do both ad_actor_sys_prio "$v"; done
  for v in 02:11:22:33:44:55 00:00:00:00:00:00 01:80:c2:00:00:02 ff:ff:ff:ff:ff:ff 02:11:22:33:44 \
           02-11-22-33-44-55 02:AA:bb:CC:dd:EE 02:11:22:33:44:66:77 nonsense; do
    both ad_actor_system "$v"
  done
  for v in 0 5 1023 1024 -1 default; do both ad_user_port_key "$v"; done
  updown up
  for f in lacp_rate:fast lacp_active:off ad_user_port_key:7 ad_select:count ad_actor_sys_prio:200 \
           ad_actor_system:02:00:00:00:00:01 min_links:1; do
    both "${f%%:*}" "${f#*:}"
  done
  updown down
  dmesg -C
  errno_of $S/r-b/bonding/ad_actor_system 01:00:5e:00:00:01 >/dev/null
  check "a multicast ad_actor_system is logged as by C" bash -c \
    'dmesg | grep -q "r-b: Invalid ad_actor_system MAC address." && dmesg | grep -q "r-b: option ad_actor_system: invalid value (01:00:5e:00:00:01)"'
  # read the files with CAP_NET_ADMIN dropped from the effective set
  read_without_net_admin() {
    python3 -c 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
hdr, data = (ctypes.c_uint32 * 2)(0x20080522, 0), (ctypes.c_uint32 * 6)()
libc.capget(hdr, data); data[0] &= ~(1 << 12)
sys.exit(1) if libc.capset(hdr, data) else [print(f + "=" + open(f).read().strip()) for f in sys.argv[1:]]' "$@"
  }
  check "ad_actor_* files read empty without CAP_NET_ADMIN, as C's" diff -u \
    <(read_without_net_admin $S/c-b/bonding/ad_actor_{sys_prio,system} $S/c-b/bonding/ad_user_port_key | sed 's/c-b/B/') \
    <(read_without_net_admin $S/r-b/bonding/ad_actor_{sys_prio,system} $S/r-b/bonding/ad_user_port_key | sed 's/r-b/B/')
  check "... and C's are indeed empty then" equals "" \
    "$(read_without_net_admin $S/c-b/bonding/ad_actor_system | sed 's/.*=//')"
else
  check "802.3ad: rbond accepts mode 802.3ad by sysfs (the option files are compared after it)" false
fi
ip link del r-b; ip link del c-b

# --- netlink: the same attributes to both drivers (rtnl.py, kinds rbond and bond)
nl() { rtnl "$@" 2>&1 | sed 's/ msg=.*//'; }
r=$(nl newlink r-n rbond ad_select bandwidth min_links 2); c=$(nl newlink c-n bond ad_select bandwidth min_links 2)
check "netlink newlink ad_select bandwidth min_links 2: $c, as with C" same_result "$r" "$c" r-n c-n
check "... and the files say bandwidth 1, 2" equals "bandwidth 1|2" "$(cat $S/r-n/bonding/{ad_select,min_links} | paste -sd'|')"
for words in "lacp_rate fast" "lacp_active off" "ad_actor_sys_prio 100" "ad_user_port_key 5" \
             "ad_actor_system 02:11:22:33:44:55" "coupled_control off" "lacp_strict on" "ad_select 4" \
             "min_links 2147483648"; do
  r=$(nl newlink r-x rbond $words); c=$(nl newlink c-x bond $words)
  check "balance-rr: newlink $words: $c, as with C" equals "$c" "$r"
  ip link del r-x 2>/dev/null; ip link del c-x 2>/dev/null
done
check "no bond was left by refused newlinks" bash -c '! ip link show r-x && ! ip link show c-x' 
out=$(rtnl changelink r-n rbond ad_select count min_links 3 lacp_rate fast 2>&1)
check "changelink is all or nothing: lacp_rate in balance-rr refuses ad_select and min_links too ($out)" \
  bash -c "grep -q 'errno=13 .*msg=lacp_rate: option not supported in mode balance-rr(0)' <<< '$out' &&
           [ \"\$(cat $S/r-n/bonding/ad_select $S/r-n/bonding/min_links | paste -sd'|')\" = 'bandwidth 1|2' ]"
ip link set r-n up; ip link set c-n up
r=$(nl changelink r-n rbond ad_select count); c=$(nl changelink c-n bond ad_select count)
check "ad_select on an up bond: $c, as with C" same_result "$r" "$c" r-n c-n
ip link del r-n; ip link del c-n

ALL="lacp_rate fast ad_select bandwidth min_links 2 ad_actor_sys_prio 100 ad_actor_system 02:11:22:33:44:55 ad_user_port_key 5 lacp_active off coupled_control off"
if nl newlink r-n rbond mode 802.3ad | grep -q 'errno=0'; then
  ip link del r-n
  check "ip link add type bond mode 802.3ad $ALL" ip link add c-n type bond mode 802.3ad $ALL
  check "rtnl.py newlink type rbond mode 802.3ad $ALL" rtnl newlink r-n rbond mode 802.3ad $ALL lacp_strict on
  check "... the files read as C's" diff -u <(adump c-n) <(adump r-n)
  check "... and hold the values" equals "off 0|fast 1|bandwidth 1|2|100|02:11:22:33:44:55|5" \
    "$(for f in $FILES; do cat $S/r-n/bonding/$f; done | paste -sd'|')"
  for words in "ad_actor_sys_prio 0" "ad_user_port_key 1024" "ad_actor_system 01:80:c2:00:00:02" \
               "26=hex:0211223344" "26=hex:02112233445566" "lacp_rate 2" "lacp_active 2" "coupled_control 2" \
               "lacp_strict 2" "ad_select 4" "ad_actor_system 00:00:00:00:00:00" "ad_actor_sys_prio 7 ad_user_port_key 9"; do
    r=$(nl changelink r-n rbond $words); c=$(nl changelink c-n bond $words)
    check "802.3ad: changelink $words: $c, as with C" same_result "$r" "$c" r-n c-n
  done
  ip link set r-n up; ip link set c-n up
  for words in "lacp_rate slow" "lacp_active on" "ad_user_port_key 1" "coupled_control on" "lacp_strict off" "ad_actor_sys_prio 9"; do
    r=$(nl changelink r-n rbond $words); c=$(nl changelink c-n bond $words)
    check "802.3ad, up: changelink $words: $c, as with C" same_result "$r" "$c" r-n c-n
  done
  ip link del r-n; ip link del c-n
else
  check "802.3ad: rbond accepts a netlink newlink in mode 802.3ad with every 802.3ad option" false
fi
rmmod rbond; rmmod bonding
