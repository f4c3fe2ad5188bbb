# Sourced by bench/nolost/run on the host: builds ublksrv, the reference C server (github.com/ublk-org/ublksrv),
# into ${JUBLK_CACHE:-~/.cache/jublk}/ublksrv/<commit> once, and sets UBLKSRV_BIN to its "ublk" CLI (ublk.null and
# ublk.loop beside it, as ublksrv wants them). The source is UBLKSRV_SRC: a bare git repository or a checkout
# (default: the mirror /work/.mirror/ublk-org+ublksrv/repo). It is only run as the reference: nothing of it goes
# into jublk. Needs autoconf automake libtool g++ pkg-config, and liburing >= 2.4 (ublksrv's configure asks for
# 2.2 but its BATCH_IO code calls io_uring_setup_buf_ring, new in 2.4): with an older host liburing-dev (bookworm
# has 2.3), trixie's liburing-dev is fetched with the private apt lists of vm/kernels and linked statically, with
# trixie's linux-libc-dev for the kernel headers it includes that bookworm's lack (searched after the host's).
# The binaries are static in libublksrv and liburing, so the guest (the host root, read-only) runs them as they are.

ublksrv_apt() { # apt-get with vm/kernels' private lists (trixie, sid), as vm/kernels calls it
    local a="${JUBLK_CACHE:-$HOME/.cache/jublk}/apt"
    [[ -f $a/sources.list ]] || { echo "bench/nolost: no $a/sources.list (run vm/kernels once)" >&2; return 2; }
    apt-get -q -o "Dir::Etc::sourcelist=$a/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$a/lists" \
        -o "Dir::Cache=$a/cache" -o APT::Architecture=amd64 -o APT::Sandbox::User=root "$@"
}

build_ublksrv() {
    local src="${UBLKSRV_SRC:-/work/.mirror/ublk-org+ublksrv/repo}" gitdir commit out log uring="" have
    if [[ -d $src/.git ]]; then gitdir=$src/.git; elif [[ -f $src/HEAD && -d $src/objects ]]; then gitdir=$src; else
        echo "bench/nolost: no ublksrv source at $src: set UBLKSRV_SRC to a clone of https://github.com/ublk-org/ublksrv" >&2
        return 2
    fi
    commit=$(git --git-dir="$gitdir" rev-parse HEAD) || return 2
    out="${JUBLK_CACHE:-$HOME/.cache/jublk}/ublksrv/${commit:0:12}"
    UBLKSRV_BIN="$out/build/ublk"
    UBLKSRV_COMMIT=${commit:0:12}
    export UBLKSRV_BIN UBLKSRV_COMMIT
    [[ -x $UBLKSRV_BIN && -x $UBLKSRV_BIN.null && -x $UBLKSRV_BIN.loop ]] && return 0
    echo "== building ublksrv ${commit:0:12} into $out"
    rm -rf "$out" && mkdir -p "$out/build" || return 2
    log="$out/build.log"
    have=$(pkg-config --modversion liburing 2>/dev/null || echo 0)
    if [[ $(printf '%s\n' 2.4 "$have" | sort -V | head -n 1) != 2.4 ]]; then
        echo "   the host's liburing is ${have/#0/missing}: trixie's liburing-dev, statically"
        mkdir -p "$out/liburing" && (cd "$out/liburing" && ublksrv_apt download liburing-dev/trixie linux-libc-dev/trixie \
            && for deb in ./*.deb; do dpkg-deb -x "$deb" .; done) > "$log" 2>&1 \
            || { echo "bench/nolost: could not fetch liburing-dev from trixie; $log:" >&2; tail -n 5 "$log" >&2; return 2; }
        # liburing's headers first, trixie's kernel headers only where the host has none
        mkdir -p "$out/liburing/only" && ln -sf ../usr/include/liburing.h ../usr/include/liburing "$out/liburing/only/"
        uring="$out/liburing/usr"
    fi
    # configure takes LIBURING_CFLAGS/LIBURING_LIBS instead of asking pkg-config; only the programs the bench runs
    # are built (with --disable-shared the C demo programs do not link: libublksrv.a holds C++ code)
    if ! (git --git-dir="$gitdir" archive "$commit" | tar -x -C "$out/build" && cd "$out/build" && autoreconf -i \
        && if [[ -n $uring ]]; then
            ./configure --disable-shared LIBURING_CFLAGS="-I$out/liburing/only" \
                CPPFLAGS="-idirafter $uring/include -idirafter $uring/include/x86_64-linux-gnu" \
                LIBURING_LIBS="$uring/lib/x86_64-linux-gnu/liburing.a"
        else ./configure --disable-shared; fi \
        && make -j"$(nproc)" -C include && make -j"$(nproc)" -C lib && make -j"$(nproc)" ublk ublk.null ublk.loop) >> "$log" 2>&1; then
        echo "bench/nolost: building ublksrv failed (apt-get install autoconf automake libtool g++ pkg-config); $log:" >&2
        tail -n 15 "$log" >&2
        return 2
    fi
    [[ -x $UBLKSRV_BIN && -x $UBLKSRV_BIN.null && -x $UBLKSRV_BIN.loop ]] \
        || { echo "bench/nolost: ublksrv built, but no ublk, ublk.null, ublk.loop in $out/build" >&2; return 2; }
}
