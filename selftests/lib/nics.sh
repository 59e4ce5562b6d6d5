# SPDX-License-Identifier: GPL-2.0
# The guest's emulated NICs (scripts/vm.sh with RBOND_VM_NICS=N): virtio-net devices wired in
# pairs (NIC 2k and 2k+1 are the two ports of QEMU hub k), and their links driven from QEMU.

# nic N: the name of the guest's NIC number N (found by its MAC, 52:54:00:00:00:<10+N>), in the
# initial namespace; empty if there is none
nic() {
  local mac d
  mac=$(printf '52:54:00:00:00:%02x' $((0x10 + $1)))
  for d in /sys/class/net/*; do
    [ "$(cat "$d/address" 2>/dev/null)" = "$mac" ] && { basename "$d"; return; }
  done
}

# nics_available N: the guest has at least N NICs of vm.sh's
nics_available() {
  local i
  for ((i = 0; i < $1; i++)); do [ -n "$(nic $i)" ] || return 1; done
}

# set_link N up|down: QEMU sets the link of NIC number N (set_link: the carrier the NIC's driver
# sees), through the host loop of vm.sh; fails after 10 s without an answer
set_link() {
  local want="vnic$1 $2" end
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
  echo "set_link: no answer from the host in 10 s (was the guest started with RBOND_VM_NICS?)" >&2
  return 1
}
