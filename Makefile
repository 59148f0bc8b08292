# netgraph for Linux.  Plain make: `make`, `make check`, `make demo`,
# `make install` (PREFIX, DESTDIR).  Sources are found by wildcard, so a new
# node type or ngctl command needs no edit here.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
SBINDIR  = $(PREFIX)/sbin
LIBDIR   = $(PREFIX)/lib
INCDIR   = $(PREFIX)/include
MANDIR   = $(PREFIX)/share/man
PCDIR    = $(LIBDIR)/pkgconfig
# The service side (systemd/, completion/): units, the helper jail.service
# runs, bash completion, docs and examples; /etc files only if missing.
SYSCONFDIR = $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
LIBEXECDIR = $(PREFIX)/libexec
UNITDIR  = $(PREFIX)/lib/systemd/system
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
DOCDIR   = $(PREFIX)/share/doc/netgraph

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Werror=implicit-function-declaration
CPPFLAGS += -D_GNU_SOURCE -Iinclude -Isrc/core -Isrc/nodes -Isrc/proto
# -fPIC alone would let every call a file makes to its own exported
# functions be interposed, so none is inlined (ng_node_valid in each
# ng_send_data); nothing here is meant to be interposed.
ALL_CFLAGS = $(CFLAGS) $(WARN) -std=gnu11 -fPIC -fno-semantic-interposition \
             -pthread $(CPPFLAGS)
LDFLAGS += -pthread

B = build

CORE_SRC  = $(wildcard src/core/*.c)
NODES_SRC = $(wildcard src/nodes/*.c)
NGD_SRC   = $(wildcard src/ngd/*.c)
LIB_SRC   = $(wildcard src/lib/*.c)
NGCTL_SRC = $(wildcard src/ngctl/*.c)
UNIT_SRC  = $(wildcard tests/unit/*.c)
NGHOOK_SRC = $(wildcard src/nghook/*.c)
JAIL_MAINS = src/jail/jail_main.c src/jail/jexec_main.c src/jail/jls_main.c
JAIL_SRC  = $(filter-out $(JAIL_MAINS),$(wildcard src/jail/*.c))

CORE_OBJ  = $(CORE_SRC:%.c=$(B)/%.o)
NODES_OBJ = $(NODES_SRC:%.c=$(B)/%.o)
NGD_OBJ   = $(NGD_SRC:%.c=$(B)/%.o)
LIB_OBJ   = $(LIB_SRC:%.c=$(B)/%.o)
NGCTL_OBJ = $(NGCTL_SRC:%.c=$(B)/%.o)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
NGHOOK_OBJ = $(NGHOOK_SRC:%.c=$(B)/%.o)
JAIL_OBJ  = $(JAIL_SRC:%.c=$(B)/%.o)

LIBNG_SO  = $(B)/libnetgraph.so.1
LIBNG_A   = $(B)/libnetgraph.a
# The engine and the node types are two archives, so the linker keeps the
# boundary: libngcore.a may reference nothing libngnodes.a defines (checked
# by tests/layers in make check).  ENGINE_A is both, in link order.
CORE_A    = $(B)/libngcore.a
NODES_A   = $(B)/libngnodes.a
ENGINE_A  = $(NODES_A) $(CORE_A)
JAIL_A    = $(B)/libjail.a

PROGS = $(B)/ngd $(B)/ngctl $(B)/jng
ifneq ($(NGHOOK_SRC),)
PROGS += $(B)/nghook
endif
ifneq ($(wildcard src/jail/jail_main.c),)
PROGS += $(B)/jail $(B)/jexec $(B)/jls
endif

all: $(PROGS) $(LIBNG_SO) $(LIBNG_A) $(B)/completion/ngctl

$(B)/%.o: %.c | $(B)/.devheaders
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Each library's header and the Debian package that has it: on a machine
# without one the build stops first, naming the packages, not at the
# compiler's "No such file or directory" for one of them.
DEV_HEADERS = histedit.h:libedit-dev pcap/pcap.h:libpcap-dev \
    libmnl/libmnl.h:libmnl-dev bpf/libbpf.h:libbpf-dev \
    systemd/sd-daemon.h:libsystemd-dev json-c/json.h:libjson-c-dev
$(B)/.devheaders:
	@missing=; for hp in $(DEV_HEADERS); do \
	    echo "#include <$${hp%%:*}>" | $(CC) $(CPPFLAGS) -E -x c - \
	    >/dev/null 2>&1 || missing="$$missing $${hp#*:}"; done; \
	if [ -n "$$missing" ]; then echo "missing build dependencies:$$missing;" \
	    "sudo scripts/deps installs them (with what the" \
	    "tests need), or: sudo apt-get install$$missing" >&2; exit 1; fi
	@mkdir -p $(dir $@)
	@touch $@

$(CORE_A): $(CORE_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(NODES_A): $(NODES_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBNG_A): $(LIB_OBJ)
	$(AR) rcs $@ $^

# Only the netgraph(3) API is exported (src/lib/libnetgraph.map).
$(LIBNG_SO): $(LIB_OBJ) src/lib/libnetgraph.map
	$(CC) -shared -pthread -Wl,-soname,libnetgraph.so.1 \
	    -Wl,--version-script=src/lib/libnetgraph.map -o $@ $(LIB_OBJ)

# The node types use libpcap (bpf node: BPF interpreter and tcpdump
# filter compiler); add its link flag wherever the node archive goes.
CORE_LIBS = -lpcap

# The kernel's programs (src/bpf/*.bpf.c), compiled for the kernel with
# clang; `bpftool gen skeleton` turns each object into a header,
# $(B)/bpf/NAME.skel.h, that embeds it and declares struct NAME_bpf with
# its maps and programs as members, and NAME_bpf__open, __load and
# __destroy.  ngd (ether.c: the ether node's tc programs; fastpath*.c:
# the eifaces') and the jail tools (jail_ipalias.c) include their
# skeleton, load through it with libbpf, and follow links with libmnl.
# bpftool is needed at build time only.  Its headers are included as
# system headers (-isystem): bpftool's code is not held to our warnings
# (a file that reads only the maps leaves __destroy unused), and -MMD
# does not list them, so each user names its skeleton below.
BPF_CC  ?= clang
BPFTOOL ?= $(or $(shell PATH="$$PATH:/usr/sbin:/sbin" command -v bpftool),bpftool)
BPF_OBJ  = $(B)/bpf/ng_ether.bpf.o
BPF_CFLAGS = -O2 -g -Wall -target bpf \
             -I/usr/include/$(shell $(CC) -dumpmachine) -Isrc/bpf
BPF_SKEL_CPPFLAGS = -Isrc/bpf -isystem $(B)/bpf
NGD_LIBS = -lbpf -lmnl -lsystemd

$(B)/bpf/%.bpf.o: src/bpf/%.bpf.c
	@mkdir -p $(dir $@)
	$(BPF_CC) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	@$(BPFTOOL) version >/dev/null 2>&1 || { echo "$(BPFTOOL): not found;" \
	    "the BPF programs' skeletons are made with it at build time:" \
	    "install Debian's package bpftool (scripts/deps does)" >&2; \
	    exit 1; }
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp
	mv $@.tmp $@

$(BPF_OBJ): src/bpf/ng_ether_bpf.h
$(B)/src/ngd/ether.o: $(B)/bpf/ng_ether.skel.h
$(B)/src/ngd/ether.o: CPPFLAGS += $(BPF_SKEL_CPPFLAGS)

$(B)/ngd: $(NGD_OBJ) $(ENGINE_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) $(NGD_LIBS)

# Bash completion (completion/ngctl.bash), with each node type's message
# names written out from the types' own tables by completion/msgnames.c.
$(B)/completion/msgnames: completion/msgnames.c $(ENGINE_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ENGINE_A) $(CORE_LIBS) $(NGD_LIBS)

$(B)/completion/ngctl: completion/ngctl.bash $(B)/completion/msgnames
	{ $(B)/completion/msgnames && cat completion/ngctl.bash; } > $@.tmp
	mv $@.tmp $@

# Tests that need root to run, started by a tests/system script.
ROOT_TEST_SRC = $(wildcard tests/bpf/*.c)
ROOT_TEST_BIN = $(ROOT_TEST_SRC:tests/bpf/%.c=$(B)/tests-root/%)
# (and tests/fuzz/diff_fast.c, its rule below: here, before check's
# prerequisites are read)
ROOT_TEST_BIN += $(B)/tests-root/diff_fast $(B)/tests-root/diff_fast_ngd
$(B)/tests-root/%: tests/bpf/%.c $(BPF_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc/bpf -o $@ $< -lbpf

# jng (jails on the LAN) is a shell script; a copy here puts it on the
# tests' PATH with the rest.
$(B)/jng: src/jng/jng
	@mkdir -p $(dir $@)
	cp $< $@
	chmod 755 $@

$(B)/ngctl: $(NGCTL_OBJ) $(LIBNG_A)
	$(CC) $(LDFLAGS) -o $@ $^ -ledit -lpcap

$(B)/nghook: $(NGHOOK_OBJ) $(LIBNG_A)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

$(JAIL_A): $(JAIL_OBJ)
	$(AR) rcs $@ $^

# The jail tools speak route netlink through libmnl, to ngd through
# libnetgraph (vnet.interface of ngd's interfaces: src/jail/jail_ng.c),
# and load the IP-alias jails' socket programs with libbpf.
JAIL_LIBS = -lmnl -lbpf

$(B)/jail: $(B)/src/jail/jail_main.o $(JAIL_A) $(LIBNG_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(JAIL_LIBS)

$(B)/jexec: $(B)/src/jail/jexec_main.o $(JAIL_A) $(LIBNG_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(JAIL_LIBS)

$(B)/jls: $(B)/src/jail/jls_main.o $(JAIL_A) $(LIBNG_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(JAIL_LIBS)

# Unit tests link the engine, the node types and, when it exists, the jail
# library; each takes only the node types it names.
$(B)/tests/%: tests/unit/%.c tests/unit/ngtest.h tests/unit/ngfake.h $(ENGINE_A) $(if $(JAIL_SRC),$(JAIL_A) $(LIBNG_A))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -Isrc/jail -MMD -MP -o $@ $< $(ENGINE_A) $(if $(JAIL_SRC),$(JAIL_A) $(LIBNG_A) $(JAIL_LIBS)) $(CORE_LIBS) $(NGD_LIBS)

# The same unit tests built with AddressSanitizer and UBSan; make check
# runs both builds.
SAN       = $(B)/san
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
SAN_CORE_A = $(SAN)/libngcore.a
SAN_NODES_A = $(SAN)/libngnodes.a
SAN_ENGINE_A = $(SAN_NODES_A) $(SAN_CORE_A)
SAN_JAIL_A = $(SAN)/libjail.a
SAN_UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(SAN)/tests/%)

$(SAN)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) $(WARN) -std=gnu11 -pthread $(CPPFLAGS) -MMD -MP -c -o $@ $<

$(SAN_CORE_A): $(CORE_SRC:%.c=$(SAN)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(SAN_NODES_A): $(NODES_SRC:%.c=$(SAN)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(SAN_JAIL_A): $(JAIL_SRC:%.c=$(SAN)/%.o)
	$(AR) rcs $@ $^

$(SAN)/tests/%: tests/unit/%.c tests/unit/ngtest.h tests/unit/ngfake.h $(SAN_ENGINE_A) $(if $(JAIL_SRC),$(SAN_JAIL_A) $(LIBNG_A))
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) $(WARN) -std=gnu11 -pthread $(CPPFLAGS) -Itests/unit -Isrc/jail -MMD -MP -o $@ $< $(SAN_ENGINE_A) $(if $(JAIL_SRC),$(SAN_JAIL_A) $(LIBNG_A) $(JAIL_LIBS)) $(CORE_LIBS) $(NGD_LIBS)

# The fuzz replay includes the fuzz targets and ngd's sources whole.
FUZZ_REPLAY_SRC = $(wildcard tests/fuzz/*.c tests/fuzz/*.h) $(NGD_SRC) src/ngd/ngd.h
$(B)/tests/test_fuzz_regress $(SAN)/tests/test_fuzz_regress: $(FUZZ_REPLAY_SRC) \
    $(wildcard src/cni/*.c src/cni/*.h) src/lib/netgraph.c src/jail/jail_main.c
$(B)/tests/test_fuzz_regress $(SAN)/tests/test_fuzz_regress: NGD_LIBS += -ljson-c

unit: $(UNIT_BIN) $(SAN_UNIT_BIN)

# Fuzzing with libFuzzer (clang; not part of check): `make fuzz` builds
# tests/fuzz/fuzz_*.c against the engine, ngd's control server, ngctl,
# libnetgraph and the jail tools' library, all with ASan and UBSan, and
# runs each target for
# FUZZ_SECONDS (default 60) from its corpus in tests/fuzz/corpus/.
FUZZ      = $(B)/fuzz
FUZZ_CC  ?= clang
FUZZ_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/%)
FUZZ_LIBS = $(FUZZ)/libngctl.a $(FUZZ)/libnetgraph.a $(FUZZ)/libngd.a \
            $(FUZZ)/libjail.a $(FUZZ)/libngnodes.a $(FUZZ)/libngcore.a
# Per target link flags: the jail.conf target keeps .include inside its
# scratch directory by wrapping fopen and glob (see fuzz_jailconf.c).
FUZZ_LD_jailconf = -Wl,--wrap=fopen,--wrap=glob

$(FUZZ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) -std=gnu11 \
	    -pthread $(CPPFLAGS) -MMD -MP -c -o $@ $<

# ngctl's main() would clash with libFuzzer's (and, renamed, has no
# prototype).
$(FUZZ)/src/ngctl/main.o: src/ngctl/main.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) -std=gnu11 \
	    -pthread $(CPPFLAGS) -Dmain=ngctl_main -Wno-missing-prototypes \
	    -MMD -MP -c -o $@ $<

$(FUZZ)/libngcore.a: $(CORE_SRC:%.c=$(FUZZ)/%.o)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ)/libngnodes.a: $(NODES_SRC:%.c=$(FUZZ)/%.o)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ)/libngd.a: $(FUZZ)/src/ngd/ctl.o $(FUZZ)/src/ngd/loop.o $(FUZZ)/src/ngd/jailed.o \
    $(FUZZ)/src/ngd/netdev.o $(FUZZ)/src/ngd/sockdev.o
	$(AR) rcs $@ $^
$(FUZZ)/libngctl.a: $(NGCTL_SRC:%.c=$(FUZZ)/%.o)
	$(AR) rcs $@ $^
$(FUZZ)/libnetgraph.a: $(LIB_SRC:%.c=$(FUZZ)/%.o)
	$(AR) rcs $@ $^
$(FUZZ)/libjail.a: $(JAIL_SRC:%.c=$(FUZZ)/%.o)
	$(AR) rcs $@ $^
# The CNI target includes cni.c (its main renamed) and links the rest.
$(FUZZ)/libcni.a: $(FUZZ)/src/cni/cni_graph.o $(FUZZ)/src/cni/cni_nl.o
	$(AR) rcs $@ $^
$(FUZZ)/fuzz_cni: $(FUZZ)/libcni.a
FUZZ_LD_cni = $(FUZZ)/libcni.a $(FUZZ)/libnetgraph.a -ljson-c -lmnl

$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) -std=gnu11 -pthread \
	    $(CPPFLAGS) -Itests/fuzz -Isrc/jail -MMD -MP -o $@ $< $(FUZZ_LIBS) \
	    $(FUZZ)/libnetgraph.a $(CORE_LIBS) $(NGD_LIBS) $(JAIL_LIBS) -ledit $(FUZZ_LD_$*)

fuzz: $(FUZZ_BIN)
	tests/fuzz/run

# The long bounds tests (root): a million MACs, 10,000 node cycles,
# valgrind over a scripted session, the adversarial probes for two minutes
# (tests/system/adversarial.sh; make check runs them for 12 s); prints fds
# and RSS before and after.
soak: all
	scripts/soak

check: all unit $(ROOT_TEST_BIN) $(B)/brtime
	tests/run

# The walkthrough runs the tools of this build (ngctl starts the ngd
# beside it), in namespaces of its own: nothing of ours is installed.
demo:
	@if [ "$$(id -u)" != 0 ]; then echo "make demo needs root (sudo make demo)"; exit 1; fi
	./scripts/deps
	$(MAKE) all
	PATH="$(abspath $(B)):$$PATH" examples/seed-walkthrough

$(B)/graph_bench: bench/graph_bench.c $(ENGINE_A)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ENGINE_A) $(CORE_LIBS)

$(B)/ipjail_rate: bench/ipjail_rate.c
	$(CC) $(ALL_CFLAGS) -o $@ $<

# bench/brmsg: a message's round trip, and ngd's CPU meanwhile
$(B)/msgtime: bench/msgtime.c $(LIBNG_A)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBNG_A)

# bench/pinglat: ICMP round trips over several paths in turn (not in `make bench`)
$(B)/pinglat: bench/pinglat.c
	$(CC) $(ALL_CFLAGS) -o $@ $<

# bench/progtime_lan: what each tc program costs a run (not in `make bench`)
$(B)/progtime: bench/progtime.c
	$(CC) $(ALL_CFLAGS) -o $@ $< -lbpf

# bench/flat's kernel-bridge baseline: the bridge's receive-to-transmit
# time a frame (tracepoint programs, bench/brtime.bpf.c)
$(B)/bpf/brtime.bpf.o: bench/brtime.bpf.c
	@mkdir -p $(dir $@)
	$(BPF_CC) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/brtime: bench/brtime.c $(B)/bpf/brtime.skel.h
	$(CC) $(ALL_CFLAGS) $(BPF_SKEL_CPPFLAGS) -o $@ $< -lbpf

# Benchmarks that kill ngd keep its journals in the build tree, never in
# the machine's /run/netgraph.
bench bench-cni: export NGD_JOURNAL_DIR = $(abspath $(B))/bench-journal
bench: all $(B)/graph_bench $(B)/ipjail_rate $(B)/progtime $(B)/brtime $(B)/pinglat
	$(B)/graph_bench
	bench/run
	bench/flat
	bench/ether_edge
	bench/scale
	bench/nat
	bench/ipjail
	bench/watch
	bench/restart
	bench/jails

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCDIR)/netgraph $(DESTDIR)$(PCDIR) \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(B)/ngd $(DESTDIR)$(SBINDIR)/ngd
	install -m 755 $(B)/ngctl $(DESTDIR)$(SBINDIR)/ngctl
	install -m 755 $(B)/jng $(DESTDIR)$(SBINDIR)/jng
	for p in nghook jail jexec jls; do [ -x $(B)/$$p ] || continue; \
	    install -m 755 $(B)/$$p $(DESTDIR)$(SBINDIR)/$$p; done
	install -m 755 $(LIBNG_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libnetgraph.so.1 $(DESTDIR)$(LIBDIR)/libnetgraph.so
	install -m 644 $(LIBNG_A) $(DESTDIR)$(LIBDIR)/
	install -m 644 include/netgraph.h $(DESTDIR)$(INCDIR)/
	install -m 644 include/netgraph/*.h $(DESTDIR)$(INCDIR)/netgraph/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCDIR@|$(INCDIR)|g' netgraph.pc.in > $(DESTDIR)$(PCDIR)/netgraph.pc
	for m in man/*.[3458]; do [ -e "$$m" ] || continue; \
	    s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	$(MAKE) install-service
	if [ -z "$(DESTDIR)" ]; then ldconfig; fi

# The units name the programs where this install puts them.
install-service: $(B)/completion/ngctl
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LIBEXECDIR)/netgraph \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(SYSCONFDIR)/netgraph $(DESTDIR)$(SYSCONFDIR)/default
	for u in ngd jail; do sed -e 's|/usr/sbin/|$(SBINDIR)/|g' \
	    -e 's|/usr/libexec/|$(LIBEXECDIR)/|g' \
	    -e 's|/etc/netgraph/|$(SYSCONFDIR)/netgraph/|g' \
	    -e 's|/etc/default/|$(SYSCONFDIR)/default/|g' systemd/$$u.service \
	    > $(DESTDIR)$(UNITDIR)/$$u.service; \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$$u.service; done
	install -m 755 systemd/jail-rc $(DESTDIR)$(LIBEXECDIR)/netgraph/
	install -m 644 $(B)/completion/ngctl $(DESTDIR)$(BASHCOMPDIR)/ngctl
	for c in nghook jail jexec jls jng; do \
	    ln -sf ngctl $(DESTDIR)$(BASHCOMPDIR)/$$c; done
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 examples/* $(DESTDIR)$(DOCDIR)/examples/
	[ -e $(DESTDIR)$(SYSCONFDIR)/netgraph/ngd.conf ] || install -m 644 \
	    systemd/ngd.conf $(DESTDIR)$(SYSCONFDIR)/netgraph/ngd.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/ngd ] || install -m 644 \
	    systemd/ngd.default $(DESTDIR)$(SYSCONFDIR)/default/ngd
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/jail ] || install -m 644 \
	    systemd/jail.default $(DESTDIR)$(SYSCONFDIR)/default/jail

# A Debian binary package, build/netgraph_VERSION_ARCH.deb (debian/mkdeb:
# make install into a staging tree, Depends from dpkg-shlibdeps).
deb: all
	debian/mkdeb

# Debian's own checks of that package (lintian is slow: a minute here).
# lintian is not in scripts/deps (no test or CI step runs it): said at
# once when it is missing, before the package is built.
lintian:
	@command -v lintian >/dev/null || { echo "make lintian: lintian" \
	    "is not installed (apt-get install lintian)" >&2; exit 1; }
	$(MAKE) deb
	lintian --fail-on error,warning build/netgraph_*.deb

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ngd $(DESTDIR)$(SBINDIR)/ngctl \
	    $(DESTDIR)$(SBINDIR)/nghook $(DESTDIR)$(SBINDIR)/jail \
	    $(DESTDIR)$(SBINDIR)/jexec $(DESTDIR)$(SBINDIR)/jls \
	    $(DESTDIR)$(SBINDIR)/jng \
	    $(DESTDIR)$(LIBDIR)/libnetgraph.* $(DESTDIR)$(PCDIR)/netgraph.pc \
	    $(DESTDIR)$(INCDIR)/netgraph.h
	rm -rf $(DESTDIR)$(INCDIR)/netgraph
	rm -f $(DESTDIR)$(UNITDIR)/ngd.service $(DESTDIR)$(UNITDIR)/jail.service \
	    $(DESTDIR)$(LIBEXECDIR)/netgraph/jail-rc
	for c in ngctl nghook jail jexec jls jng; do \
	    rm -f $(DESTDIR)$(BASHCOMPDIR)/$$c; done
	rm -rf $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(LIBEXECDIR)/netgraph

# Rewrite the C sources with .clang-format (scripts/format-check only
# reports; .ci/run runs it before the build).
format:
	scripts/format

clean:
	rm -rf $(B)

# IP-alias jails: the socket programs (src/bpf/jail_sock.bpf.c), compiled
# with clang like the ether node's, their skeleton included by the jail
# library (src/jail/jail_ipalias.c, in every build of it).
JAIL_IPALIAS_OBJS = $(B)/src/jail/jail_ipalias.o \
    $(SAN)/src/jail/jail_ipalias.o $(FUZZ)/src/jail/jail_ipalias.o
$(B)/bpf/jail_sock.bpf.o: src/bpf/jail_sock_bpf.h
$(JAIL_IPALIAS_OBJS): $(B)/bpf/jail_sock.skel.h
$(JAIL_IPALIAS_OBJS): CPPFLAGS += $(BPF_SKEL_CPPFLAGS)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

.PHONY: all unit check demo bench install uninstall format clean fuzz soak \
	install-service deb lintian

# The CNI plugin (src/cni): a binary named netgraph, as runtimes find
# plugins by type; built under $(B)/cni so that directory can be a
# CNI_PATH entry.  json-c parses the configs.
CNI_SRC = $(wildcard src/cni/*.c)
CNI_OBJ = $(CNI_SRC:%.c=$(B)/%.o)
CNI_BIN = $(B)/cni/netgraph
# $(PREFIX)/lib/cni, not LIBDIR: runtimes look in /usr/lib/cni (Podman's
# cni_plugin_dirs, Debian's containernetworking-plugins), never in a
# multiarch directory, which the package's LIBDIR is.
CNIDIR  = $(PREFIX)/lib/cni
$(CNI_BIN): $(CNI_OBJ) $(LIBNG_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -ljson-c -lmnl
all: $(CNI_BIN)
install: install-cni
install-cni: $(CNI_BIN)
	install -d $(DESTDIR)$(CNIDIR)
	install -m 755 $(CNI_BIN) $(DESTDIR)$(CNIDIR)/netgraph
uninstall: uninstall-cni
uninstall-cni:
	rm -f $(DESTDIR)$(CNIDIR)/netgraph
.PHONY: install-cni uninstall-cni
# make bench: the CNI plugin against the reference bridge plugin.
bench: bench-cni
bench-cni: all
	bench/cni
.PHONY: bench-cni

# The eiface fast path's tc programs (src/bpf/ng_fast.bpf.c), loaded by
# ngd through their skeleton like the ether node's (src/ngd/fastpath.c;
# fastpath_bridge.c and fastpath_vlan.c take their maps from it).
FAST_BPF_OBJ = $(B)/bpf/ng_fast.bpf.o
$(FAST_BPF_OBJ): src/bpf/ng_fast_bpf.h
FAST_SKEL_USERS = $(B)/src/ngd/fastpath.o $(B)/src/ngd/fastpath_bridge.o \
    $(B)/src/ngd/fastpath_vlan.o
$(FAST_SKEL_USERS): $(B)/bpf/ng_fast.skel.h
$(FAST_SKEL_USERS): CPPFLAGS += $(BPF_SKEL_CPPFLAGS)
$(B)/tests-root/test_fast_bpf: $(FAST_BPF_OBJ) src/bpf/ng_fast_bpf.h

# The fast path against the node code (tests/fuzz/diff_fast.c, root):
# ng_fast.bpf.c built with its redirects recorded (diff_fast.bpf.c) and
# the engine in-process; tests/system/fast_diff.sh runs it.
$(B)/bpf/diff_fast.bpf.o: tests/fuzz/diff_fast.bpf.c src/bpf/ng_fast.bpf.c \
    src/bpf/ng_fast_bpf.h tests/fuzz/diff_fast.h
	@mkdir -p $(dir $@)
	$(BPF_CC) $(BPF_CFLAGS) -Itests/fuzz -MMD -MP -c -o $@ $<
$(B)/tests-root/diff_fast: tests/fuzz/diff_fast.c tests/fuzz/diff_fast.h \
    tests/fuzz/diff_common.h tests/fuzz/fuzz.h $(ENGINE_A) \
    $(B)/bpf/diff_fast.bpf.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -Isrc/bpf -o $@ $< $(ENGINE_A) \
	    $(CORE_LIBS) -lbpf
# The same against ngd's own map writer (tests/fuzz/diff_fast_ngd.c):
# ngd's objects but main.o linked in.
DIFF_NGD_OBJ = $(filter-out $(B)/src/ngd/main.o,$(NGD_OBJ))
$(B)/tests-root/diff_fast_ngd: tests/fuzz/diff_fast_ngd.c \
    tests/fuzz/diff_fast.h tests/fuzz/diff_common.h tests/fuzz/fuzz.h \
    $(DIFF_NGD_OBJ) $(ENGINE_A) $(B)/bpf/diff_fast.bpf.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -Isrc/bpf -Isrc/ngd -o $@ $< \
	    $(DIFF_NGD_OBJ) $(ENGINE_A) $(CORE_LIBS) $(NGD_LIBS)

# ngd and the tools built with AddressSanitizer and UBSan, for the golden
# and system tests (not part of check): `make asan` builds the same
# programs as `all` into $(ASAN_B) (a second build tree, BPF programs
# and their skeletons included, so the kernel fast path works as in
# build/); `NGD_ASAN=1 tests/run PATTERN`, or `make check-asan
# PATTERN=...`, runs the tests matching PATTERN with those programs first
# on PATH (tests/lib.sh) and fails any test after which a sanitizer
# wrote a report ($(ASAN_B)/reports/TEST/).  UBSan findings are reported
# and ngd carries on, so one run shows them all; an ASan finding stops it.
ASAN_B      ?= build-asan
ASAN_CFLAGS  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fsanitize-recover=undefined
asan:
	$(MAKE) B=$(ASAN_B) CFLAGS="$(ASAN_CFLAGS)" \
	    LDFLAGS="-pthread -fsanitize=address,undefined" all

check-asan: all asan $(ROOT_TEST_BIN)
	NGD_ASAN=1 ASAN_B=$(ASAN_B) tests/run $(PATTERN)
.PHONY: asan check-asan
