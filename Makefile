# SPDX-License-Identifier: GPL-2.0
# rbond: user entry points. The kernel build itself reads Kbuild.
#   make            build rbond.ko (the first run fetches and builds toolchain and kernel)
#   make run        boot a guest, load rbond, show a working bond
#   make check      all tests: host, module build, guest selftests; ends with "N passed, N failed"
#   make bench      transmit, receive and XDP speed of rbond, bonding.ko and a bare veth (ratios)
#   make vm SCRIPT=path [ARGS="..."]   run a bash script as root in the guest
#   make clients    the clients users configure bonds with (networkd, NetworkManager, ifupdown2,
#                   teamd, lldpd) against rbond and bonding.ko (selftests with "# vm-clients: 1")
#   make upstream [DRIVER=rbond|bonding] [TESTS="script.sh ..."]   the kernel's bonding selftests
#   make fuzz [SEED=N] [MINUTES=N] [EPISODE=K]   netlink/sysfs fuzzer, rbond beside bonding.ko
#   make stress [MINUTES=N] [SEED=N] [KERNEL=debug]   everything at once under traffic, rmmod included
#   make clean
# Variables: KERNEL=release|debug (debug: lockdep, kmemleak, KFENCE, SLUB debug), RBOND_CACHE (default ~/.cache/rbond).
SHELL := /bin/bash
KERNEL ?= release
export KERNEL
DRIVER ?= rbond

.PHONY: all modules run check bench vm clients upstream fuzz stress clippy clean distclean
all modules:
	@scripts/build.sh

clippy:
	@scripts/build.sh CLIPPY=1

run: all
	@scripts/vm.sh scripts/demo.sh

check:
	@scripts/check.sh

bench: all
	@scripts/bench-run.sh

vm: all
	@test -n "$(SCRIPT)" || { echo "usage: make vm SCRIPT=path/to/script.sh [ARGS='...']" >&2; exit 2; }
	@scripts/vm.sh $(SCRIPT) $(ARGS)

clients: all
	@RBOND_VM_CLIENTS=1 scripts/vm.sh selftests/run.sh $$(cd selftests && grep -l '^# vm-clients: 1$$' rbond/*.sh)

upstream: all
	@scripts/upstream.sh $(DRIVER) $(TESTS)

# the fuzzer (selftests/rbond/25-fuzz.sh, selftests/lib/fuzz.py) for MINUTES (default 10) with SEED
# (default: the time), or one episode of a seed again (EPISODE=K, as a difference's report says)
SEED ?= $(shell date +%s)
MINUTES ?= 10
fuzz: all
	@QEMU_TIMEOUT=$$(( $(MINUTES) * 60 + 900 )) scripts/vm.sh selftests/rbond/25-fuzz.sh --seed $(SEED) \
	  $(if $(EPISODE),--episode $(EPISODE),--seconds $$(( $(MINUTES) * 60 )))

# the stress test (selftests/rbond/27-stress.sh) for MINUTES (default 10): make check runs 60 s
stress: all
	@QEMU_TIMEOUT=$$(( $(MINUTES) * 60 * $(if $(filter debug,$(KERNEL)),3,1) + 1800 )) \
	  scripts/vm.sh selftests/rbond/27-stress.sh --seed $(SEED) --seconds $$(( $(MINUTES) * 60 ))

clean:
	@if [ -f scripts/common.sh ]; then . scripts/common.sh && \
	  if [ -d "$$KOUT" ]; then $(MAKE) -s -C "$$KOUT" M=$(CURDIR) clean; fi; fi
	@rm -rf rust/logic/target
