# SPDX-License-Identifier: GPL-2.0
# The guest's emulated NICs (scripts/vm.sh with RBOND_VM_NICS=N, RBOND_VM_E1000E=N): virtio-net and
# e1000e devices wired in pairs (NIC 2k and 2k+1 of a model are the two ports of one QEMU hub), and
# their links driven from QEMU.

# nic N: the name of the guest's virtio-net NIC number N (found by its MAC, 52:54:00:00:00:<10+N>),
# in the initial namespace; empty if there is none. enic N: the same for the e1000e NICs
# (RBOND_VM_E1000E, MACs 52:54:00:00:01:<10+N>).
nic_by_mac() {
  local d
  for d in /sys/class/net/*; do
    [ "$(cat "$d/address" 2>/dev/null)" = "$1" ] && { basename "$d"; return; }
  done
}
nic() { nic_by_mac "$(printf '52:54:00:00:00:%02x' $((0x10 + $1)))"; }
enic() { nic_by_mac "$(printf '52:54:00:00:01:%02x' $((0x10 + $1)))"; }

# nics_available N [nic|enic]: the guest has at least N NICs of vm.sh's (virtio-net, or e1000e)
nics_available() {
  local i
  for ((i = 0; i < $1; i++)); do [ -n "$("${2:-nic}" $i)" ] || return 1; done
}

# set_link N up|down: QEMU sets the link of virtio-net NIC number N (set_link: the carrier the NIC's
# driver sees), through the host loop of vm.sh; fails after 10 s without an answer.
# set_link eN up|down: the same for e1000e NIC number N.
set_link() {
  local want end
  case "$1" in e*) want="enic${1#e} $2";; *) want="vnic$1 $2";; esac
  rm -f /out/link-ack
  echo "$want" > /out/link-req.tmp && mv /out/link-req.tmp /out/link-req || return 1
  end=$(( $(date +%s) + 10 ))
  while [ "$(date +%s)" -le $end ]; do
    if [ -f /out/link-ack ]; then
      if [ "$(cat /out/link-ack)" = "$want ok" ]; then rm -f /out/link-ack; return 0; fi
      echo "set_link: $(cat /out/link-ack)" >&2; return 1
    fi
    sleep 0.1
  done
  echo "set_link: no answer from the host in 10 s (was the guest started with RBOND_VM_NICS or RBOND_VM_E1000E?)" >&2
  return 1
}
