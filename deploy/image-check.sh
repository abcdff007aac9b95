#!/bin/sh
# Builds deploy/Dockerfile without a Docker daemon and checks the image it
# makes. Run as root from the repository root:
#   apt-get install buildah debootstrap      # buildah brings crun
#   sh deploy/image-check.sh                 # or STANDIN_BASES=1 sh deploy/image-check.sh
#   SKIP_BUILD=1 sh deploy/image-check.sh    # check the image the last run built
#
# buildah builds with chroot isolation: no daemon, no user namespaces (set
# STORAGE_DRIVER=vfs where overlay mounts are not allowed). The checks, on
# the built image:
#   - its configured user is 65532:65532 and its entrypoint is the binary
#     in exec form;
#   - the binary is static (no ELF interpreter), was built with
#     CGO_ENABLED=0 and -trimpath (go version -m) and has neither symbol
#     table nor DWARF (-ldflags="-s -w");
#   - /data belongs to 65532;
#   - the image serves: run as its own user against a throwaway PostgreSQL
#     on 127.0.0.1, /healthz and /readyz answer 200 and the process runs
#     as uid 65532.
#
# STANDIN_BASES=1 is for machines that cannot reach the image registries:
# it first makes local images under the two base names the Dockerfile uses,
# so the Dockerfile's own steps run unchanged:
#   golang:1.26-bookworm              a debootstrapped Debian 12 (minbase, git)
#                                     with this machine's Go toolchain in
#                                     /usr/local/go and its CA certificates;
#   distroless/static-debian12:nonroot  scratch with passwd and group (root,
#                                     nobody, nonroot 65532), CA certificates,
#                                     zoneinfo, /tmp and /home/nonroot, user
#                                     65532 - what the real image holds.
# The image built on stand-ins proves the Dockerfile's steps, not the
# upstream base images.
set -eu
export BUILDAH_ISOLATION=chroot
IMAGE=localhost/switchboard:check
PG_PORT=${PG_PORT:-55432}
HTTP_PORT=${HTTP_PORT:-58080}
work=$(mktemp -d /tmp/image-check.XXXXXX)
say() { echo "image-check: $*"; }
fail() { echo "image-check: FAIL: $*" >&2; exit 1; }

if [ "${STANDIN_BASES:-}" = 1 ]; then
	say "making stand-in base images"
	c=$(buildah from scratch)
	m=$(buildah mount "$c")
	debootstrap --variant=minbase --include=ca-certificates,git bookworm "$m" >"$work/debootstrap.log" 2>&1 ||
		fail "debootstrap (see $work/debootstrap.log)"
	cp -a "$(go env GOROOT)" "$m/usr/local/go"
	# Trust what this machine trusts: behind a TLS-inspecting egress proxy
	# the module download needs its CA.
	cp /etc/ssl/certs/ca-certificates.crt "$m/etc/ssl/certs/ca-certificates.crt"
	mkdir -p "$m/go"
	buildah umount "$c" >/dev/null
	buildah config --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--env GOPATH=/go --env GOTOOLCHAIN=local --workingdir /go "$c"
	buildah commit -q "$c" docker.io/library/golang:1.26-bookworm >/dev/null
	buildah rm "$c" >/dev/null

	c=$(buildah from scratch)
	m=$(buildah mount "$c")
	mkdir -p "$m/etc/ssl/certs" "$m/tmp" "$m/home/nonroot" "$m/root" "$m/usr/share"
	chmod 1777 "$m/tmp"
	chmod 700 "$m/root" "$m/home/nonroot"
	chown 65532:65532 "$m/home/nonroot"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$m/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$m/etc/group"
	cp /etc/ssl/certs/ca-certificates.crt "$m/etc/ssl/certs/"
	cp -a /usr/share/zoneinfo "$m/usr/share/"
	buildah umount "$c" >/dev/null
	buildah config --user 65532:65532 --workingdir /home/nonroot "$c"
	buildah commit -q "$c" gcr.io/distroless/static-debian12:nonroot >/dev/null
	buildah rm "$c" >/dev/null
fi

if [ "${SKIP_BUILD:-}" = 1 ]; then
	say "checking the image built before (SKIP_BUILD=1)"
else
	say "building deploy/Dockerfile"
	start=$(date +%s)
	buildah bud --pull=never --layers=false -q -f deploy/Dockerfile -t "$IMAGE" . >"$work/build.log" 2>&1 ||
		{ tail -30 "$work/build.log" >&2; fail "build (see $work/build.log)"; }
	say "built $IMAGE in $(($(date +%s) - start)) s"
fi

user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
[ "$user" = 65532:65532 ] || fail "image user is '$user', want 65532:65532"
entry=$(buildah inspect --type image --format '{{.OCIv1.Config.Entrypoint}} {{.OCIv1.Config.Cmd}}' "$IMAGE")
[ "$entry" = '[/usr/local/bin/switchboard] [serve]' ] || fail "entrypoint and command are $entry"
say "user $user, entrypoint $entry"

c=$(buildah from "$IMAGE")
trap 'buildah rm "$c" >/dev/null 2>&1 || true' EXIT
m=$(buildah mount "$c")
bin="$m/usr/local/bin/switchboard"
if readelf -l "$bin" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	fail "the binary is dynamically linked"
fi
info=$(go version -m "$bin")
for want in 'CGO_ENABLED=0' '-trimpath=true'; do
	echo "$info" | grep -qF -- "$want" || fail "binary not built with $want"
done
# -trimpath keeps -ldflags out of the build info; -s -w show as no symbol
# table and no DWARF sections.
if readelf -S "$bin" | grep -qE '\.symtab|\.z?debug_'; then
	fail "binary has a symbol table or DWARF (not built with -ldflags=\"-s -w\")"
fi
owner=$(stat -c %u:%g "$m/data")
[ "$owner" = 65532:65532 ] || fail "/data belongs to $owner"
say "static binary ($(du -h "$bin" | cut -f1)), CGO_ENABLED=0 -trimpath -ldflags=\"-s -w\", /data owned by $owner"
buildah umount "$c" >/dev/null

# A throwaway PostgreSQL on loopback TCP: the container's user cannot open
# another user's unix socket.
pgbin=$(dirname "$(readlink -f "$(command -v postgres)")")
mkdir -p "$work/pg"
chown postgres "$work" "$work/pg"
su postgres -s /bin/sh -c "$pgbin/initdb -D $work/pg -U switchboard --auth=trust >$work/initdb.log 2>&1" ||
	fail "initdb (see $work/initdb.log)"
su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $work/pg -l $work/pg.log -w -o '-k $work/pg -p $PG_PORT -c listen_addresses=127.0.0.1' start >/dev/null"
stop_pg() { su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $work/pg -m fast -w stop >/dev/null" || true; }
trap 'stop_pg; buildah rm "$c" >/dev/null 2>&1 || true' EXIT

buildah run --env DATABASE_URL="postgres://switchboard@127.0.0.1:$PG_PORT/postgres?sslmode=disable" \
	--env SWITCHBOARD_HTTP_ADDR="127.0.0.1:$HTTP_PORT" --env SWITCHBOARD_SMTP_ADDR=off \
	--env SWITCHBOARD_SECRET_KEY=image-check-secret-key-0123456789abcdef \
	"$c" -- /usr/local/bin/switchboard serve >"$work/serve.log" 2>&1 &
runner=$!
# Every process under the runner (buildah's chroot helper, then the binary).
descendants() { for p in $(pgrep -P "$1" || true); do echo "$p"; descendants "$p"; done; }
stop_serve() {
	for p in $(descendants "$runner") $runner; do kill "$p" 2>/dev/null || true; done
	wait "$runner" 2>/dev/null || true
}
trap 'stop_serve; stop_pg; buildah rm "$c" >/dev/null 2>&1 || true' EXIT
ready=""
for _ in $(seq 1 180); do
	if curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1; then
		ready=1
		break
	fi
	kill -0 "$runner" 2>/dev/null || { cat "$work/serve.log" >&2; fail "serve exited"; }
	sleep 1
done
[ -n "$ready" ] || { tail -20 "$work/serve.log" >&2; fail "no /readyz 200 within 180 s"; }
curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null || fail "/healthz"
pid=""
for p in $(descendants "$runner"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = switchboard ] && pid=$p
done
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
say "serve answers /readyz and /healthz 200; process $pid runs as uid ${uid:-?}"
[ "$uid" = 65532 ] || fail "serve runs as uid '$uid', want 65532"
stop_serve
stop_pg
trap 'buildah rm "$c" >/dev/null 2>&1 || true' EXIT
rm -rf "$work"
say "OK"
