#!/usr/bin/env bash
# Builds local stand-ins for the public base images, WITHOUT any container registry:
#
#   debian   - a minimal Debian bookworm rootfs (debootstrap --variant=minbase, from the Debian mirror apt
#              uses), `docker import`ed; stands in for debian:bookworm-slim (the app's RUNTIME_BASE)
#   jdk      - debian + the machine's Temurin JDK in /opt/java/openjdk (the eclipse-temurin layout)
#   maven    - jdk + Debian's Maven in /usr/share/maven; stands in for maven:3.9-eclipse-temurin-25 (MAVEN_IMAGE)
#   golang   - debian + the machine's Go in /usr/local/go (the golang image layout); stands in for golang:1.26
#              (GO_IMAGE: builds the app image's static health probe)
#   prometheus - debian + Debian's prometheus binary and web assets; stands in for prom/prometheus
#
# Every image tag carries a hash of its inputs, so a warm run only checks that the tags exist (instant).
# The rootfs tarball is also kept under ~/.cache/ecs-otel-sample/images/ so a wiped docker data root
# re-imports in seconds instead of re-running debootstrap.
#
# Progress goes to stderr, each line with its image's step (1/5 debian ... 5/5 prometheus). stdout is a set of shell assignments for the build args:
#   eval "$(compose/base-images.sh)"   # -> MAVEN_IMAGE, RUNTIME_BASE, JDK_IMAGE, GO_IMAGE, PROMETHEUS_IMAGE
#   compose/base-images.sh --print-jdk # only the JDK directory it would use (no Docker needed)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${ECS_OTEL_SAMPLE_CACHE:-$HOME/.cache/ecs-otel-sample}/images
SUITE=bookworm
# The JDK copied into the "jdk"/"maven" images: LOCAL_JDK_DIR, else a JDK in /usr/lib/jvm of exactly the major
# the real MAVEN_IMAGE has (the Dockerfile's default, ...-eclipse-temurin-NN): the stand-in must build and run what
# the public image does (compose/test_01 checks this pick against the pom, e2e/lib.sh and the benchmark).
JDK_MAJOR=$(sed -n 's/^ARG MAVEN_IMAGE=.*-temurin-\([0-9][0-9]*\).*/\1/p' "$HERE/../Dockerfile")
pick_jdk() {
  local d v
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [[ -x $d/bin/javac && -x $d/bin/jlink && -f $d/release ]] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release")
    [[ $v == "$JDK_MAJOR" ]] && { echo "$d"; return; }
  done
}
JDK_DIR=${LOCAL_JDK_DIR:-$(pick_jdk)}
if [[ ${1:-} == --print-jdk ]]; then echo "$JDK_DIR"; exit 0; fi
MAVEN_DIR=${LOCAL_MAVEN_DIR:-/usr/share/maven}
REPO_PREFIX=ecs-otel-sample-base
log() { echo "[base-images] $*" >&2; }
need() { command -v "$1" >/dev/null || { log "missing tool: $1"; exit 1; }; }
h() { sha256sum | cut -c1-12; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

need docker
mkdir -p "$CACHE"

# The mirror apt already uses (first deb.debian.org-style URI for the main archive).
mirror=$(grep -h -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -v -E 'security|updates' | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//; s/[[:space:]].*//' | head -1 || true)
mirror=${DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}

# ---- debian (rootfs) ---------------------------------------------------------------------------------
# Recipe version: bump when the trimming below changes.
debian_key=$(printf 'recipe=3 suite=%s variant=minbase arch=amd64\n' "$SUITE" | h)
DEBIAN_IMAGE=$REPO_PREFIX/debian:$SUITE-$debian_key
rootfs_tar=$CACHE/debian-$SUITE-minbase-$debian_key.tar
if ! have_image "$DEBIAN_IMAGE"; then
  if [[ ! -s $rootfs_tar ]]; then
    need debootstrap
    log "1/5 debian: debootstrap $SUITE (minbase) from $mirror - cold, takes a few minutes (its I: lines say how far)"
    t0=$SECONDS
    root=$(mktemp -d /tmp/ecs-otel-rootfs.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase --arch=amd64 "$SUITE" "$root" "$mirror" >&2
    # Trim like the official -slim images: no apt lists/caches, docs, man pages, locales.
    cat >"$root/etc/apt/sources.list" <<EOF
deb http://deb.debian.org/debian $SUITE main
deb http://deb.debian.org/debian $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
      "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log \
      "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true
    tar --numeric-owner -C "$root" -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$root"; trap - EXIT
    log "1/5 debian: rootfs built in $((SECONDS - t0)) s: $(du -h "$rootfs_tar" | cut -f1)"
  fi
  log "1/5 debian: docker import $rootfs_tar -> $DEBIAN_IMAGE"
  docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' "$rootfs_tar" "$DEBIAN_IMAGE" >/dev/null
fi
log "1/5 debian     $DEBIAN_IMAGE"

# ---- jdk ------------------------------------------------------------------------------------------------
[[ -n $JDK_DIR && -x $JDK_DIR/bin/javac ]] || { log "no JDK $JDK_MAJOR (the Dockerfile's MAVEN_IMAGE) in /usr/lib/jvm (set LOCAL_JDK_DIR)"; exit 1; }
jdk_key=$( { echo "recipe=2 base=$DEBIAN_IMAGE"; cat "$JDK_DIR/release"; } | h)
JDK_IMAGE=$REPO_PREFIX/jdk:$jdk_key
if ! have_image "$JDK_IMAGE"; then
  log "2/5 jdk: building $JDK_IMAGE from $JDK_DIR"
  ctx=$(mktemp -d /tmp/ecs-otel-jdk.XXXXXX)
  # -L: distro-packaged JDKs symlink lib/security/cacerts (and legal files) into /etc; the image needs files.
  cp -aL "$JDK_DIR" "$ctx/jdk"
  cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY jdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
  docker build -q -t "$JDK_IMAGE" "$ctx" >&2
  rm -rf "$ctx"
fi
log "2/5 jdk        $JDK_IMAGE"

# ---- maven ----------------------------------------------------------------------------------------------
[[ -x $MAVEN_DIR/bin/mvn ]] || { log "no Maven at $MAVEN_DIR (apt-get install maven)"; exit 1; }
mvn_version=$(dpkg-query -W -f '${Version}' maven 2>/dev/null || ls -l "$MAVEN_DIR/lib" | h)
maven_key=$(echo "recipe=1 base=$JDK_IMAGE maven=$mvn_version" | h)
MAVEN_IMAGE=$REPO_PREFIX/maven:$maven_key
if ! have_image "$MAVEN_IMAGE"; then
  log "3/5 maven: building $MAVEN_IMAGE from $MAVEN_DIR (Debian maven $mvn_version)"
  ctx=$(mktemp -d /tmp/ecs-otel-maven.XXXXXX)
  # Debian's /usr/share/maven is mostly symlinks into /usr/share/java and /etc/maven: dereference them.
  cp -rL "$MAVEN_DIR" "$ctx/maven"
  cat >"$ctx/Dockerfile" <<EOF
FROM $JDK_IMAGE
COPY maven /usr/share/maven
RUN ln -s /usr/share/maven/bin/mvn /usr/bin/mvn && mvn -v
ENV MAVEN_HOME=/usr/share/maven
EOF
  docker build -q -t "$MAVEN_IMAGE" "$ctx" >&2
  rm -rf "$ctx"
fi
log "3/5 maven      $MAVEN_IMAGE"

# ---- golang ---------------------------------------------------------------------------------------------
GO_ROOT=${LOCAL_GO_ROOT:-$(go env GOROOT 2>/dev/null || echo /usr/local/go)}   # sudo's PATH may lack Go
[[ -n $GO_ROOT && -x $GO_ROOT/bin/go ]] || { log "no Go toolchain (install Go, or set LOCAL_GO_ROOT)"; exit 1; }
go_key=$( { echo "recipe=1 base=$DEBIAN_IMAGE"; "$GO_ROOT/bin/go" version; } | h)
GO_IMAGE=$REPO_PREFIX/golang:$go_key
if ! have_image "$GO_IMAGE"; then
  log "4/5 golang: building $GO_IMAGE from $GO_ROOT ($("$GO_ROOT/bin/go" version))"
  ctx=$(mktemp -d /tmp/ecs-otel-go.XXXXXX)
  # The toolchain only (no tests, docs): what `go build` of a standard-library program needs.
  mkdir "$ctx/go"
  tar -C "$GO_ROOT" --exclude='./test' --exclude='./doc' --exclude='./api' -cf - . | tar -C "$ctx/go" -xf -
  cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY go /usr/local/go
ENV GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN go version
WORKDIR /go
EOF
  docker build -q -t "$GO_IMAGE" "$ctx" >&2
  rm -rf "$ctx"
fi
log "4/5 golang     $GO_IMAGE"

# ---- prometheus -----------------------------------------------------------------------------------------
PROMETHEUS_IMAGE=""
if [[ -x /usr/bin/prometheus ]] || { command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >&2; }; then
  prom_version=$(dpkg-query -W -f '${Version}' prometheus)
  prom_key=$(echo "recipe=1 base=$DEBIAN_IMAGE prometheus=$prom_version" | h)
  PROMETHEUS_IMAGE=$REPO_PREFIX/prometheus:$prom_key
  if ! have_image "$PROMETHEUS_IMAGE"; then
    log "5/5 prometheus: building $PROMETHEUS_IMAGE from Debian prometheus $prom_version"
    ctx=$(mktemp -d /tmp/ecs-otel-prom.XXXXXX)
    cp /usr/bin/prometheus "$ctx/"
    cp -a /usr/share/prometheus/web "$ctx/web"
    cp /etc/prometheus/prometheus.yml "$ctx/prometheus.yml"
    # Same layout and user as prom/prometheus: /bin/prometheus, /etc/prometheus, data in /prometheus, nobody.
    cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY prometheus /bin/prometheus
COPY web /usr/share/prometheus/web
COPY prometheus.yml /etc/prometheus/prometheus.yml
RUN mkdir /prometheus && chown 65534:65534 /prometheus
USER 65534
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
EOF
    docker build -q -t "$PROMETHEUS_IMAGE" "$ctx" >&2
    rm -rf "$ctx"
  fi
  log "5/5 prometheus $PROMETHEUS_IMAGE"
else
  log "5/5 prometheus: no Debian prometheus package available; PROMETHEUS_IMAGE left unset"
fi

cat <<EOF
MAVEN_IMAGE=$MAVEN_IMAGE
RUNTIME_BASE=$DEBIAN_IMAGE
JDK_IMAGE=$JDK_IMAGE
GO_IMAGE=$GO_IMAGE
PROMETHEUS_IMAGE=$PROMETHEUS_IMAGE
EOF
