#!/usr/bin/env bash
# package-lambda.sh [BINARY]
# Builds dist/snapkeep-lambda-<arch>.zip (or into $SNAPKEEP_DIST), a Lambda
# package for the provided.al2023 runtime that starts whatever glibc the
# Lambda image has:
#   bootstrap          static launcher (deploy/lambda/bootstrap.c): runs
#                      lib/<loader> --library-path lib bin/snapkeep lambda
#   bin/snapkeep       the binary (default build/snapkeep), stripped
#   lib/               every shared library ldd finds, glibc and the loader included
#   certs/ca-certificates.crt  the build machine's CA bundle, used only when
#                      the image has none at the usual paths
#   zoneinfo/          the build machine's time zone database (without the
#                      leap-second "right/" copies), which the Lambda image
#                      lacks; lib/libdate-tz is pointed at it (below)
# Put snapkeep.yaml beside bootstrap (or set SNAPKEEP_CONFIG). docs/deploy.md
# says why the libraries are bundled rather than linked statically.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${1:-$here/build/snapkeep}
dist=${SNAPKEEP_DIST:-$here/dist}
[[ -x "$binary" ]] || { echo "package-lambda: no binary at $binary (build it first)" >&2; exit 2; }
for tool in zip readelf strip ldd cc perl; do
  command -v "$tool" >/dev/null || { echo "package-lambda: $tool is missing (scripts/install-deps.sh)" >&2; exit 2; }
done

case "$(uname -m)" in
  x86_64) arch=x86_64 ;;
  aarch64) arch=arm64 ;;
  *) echo "package-lambda: Lambda runs x86_64 or arm64, not $(uname -m)" >&2; exit 2 ;;
esac

stage=$(mktemp -d -t snapkeep-lambda.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/certs" "$stage/zoneinfo"

install -m 0755 "$binary" "$stage/bin/snapkeep"
strip --strip-unneeded "$stage/bin/snapkeep"

interp=$(readelf -l "$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[[ -n "$interp" ]] || { echo "package-lambda: $binary has no program interpreter" >&2; exit 2; }
loader=$(basename "$interp")
cp -L "$interp" "$stage/lib/$loader"
# "name => /path (addr)" lines; the loader and vdso lines have no "=>".
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
  cp -L "$path" "$stage/lib/$name"
done
chmod 0755 "$stage/lib/"*

# The time zones. The date library (libdate-tz, built with USE_OS_TZDB=1)
# reads the database from a directory compiled into it: the first of
# /usr/share/zoneinfo/uclibc and /usr/share/zoneinfo that exists. It reads
# no variable (no TZDIR) and has no setter in that mode, and the Lambda
# image has no /usr/share/zoneinfo. So the bundled copy of the library gets
# its first path, which nothing else uses, replaced by one of the same
# length naming the bundle's copy, /var/task/zoneinfo (Lambda unpacks every
# function at /var/task); where that does not exist (the bundle used
# elsewhere) it still falls back to /usr/share/zoneinfo. The path is in two
# forms: the NUL-terminated string stat() is given, and the two overlapping
# 16-byte constants (bytes 0-15 and 10-25) the compiler made to copy it into
# a std::string. Anything else (another build of the library) stops here
# rather than make a bundle whose time zones silently fail.
tzdir=/usr/share/zoneinfo
[[ -d "$tzdir" ]] || { echo "package-lambda: no $tzdir on this machine to bundle" >&2; exit 2; }
(cd "$tzdir" && find . \( -path ./right -o -path ./posix \) -prune -o \( -type f -o -type l \) -print) |
  while read -r zone; do
    case "$zone" in
      ./*.tab | ./tzdata.zi | ./leapseconds | ./leap-seconds.list | ./localtime) continue ;;
    esac
    mkdir -p "$stage/zoneinfo/$(dirname "$zone")"
    cp -L "$tzdir/$zone" "$stage/zoneinfo/$zone"
  done
for patched in "$stage"/lib/libdate-tz.so*; do
  [[ -f "$patched" ]] || continue
  old_path=/usr/share/zoneinfo/uclibc
  new_path=/var/task/////////zoneinfo
  [[ ${#old_path} == "${#new_path}" ]] || { echo "package-lambda: path lengths differ" >&2; exit 2; }
  OLD="$old_path" NEW="$new_path" perl -0777 -i -pe '
    BEGIN { ($o, $n) = ($ENV{OLD}, $ENV{NEW}); }
    $literal = () = /\Q$o\E\0/g;
    $pieces = () = /\Q${\substr($o, 0, 16)}${\substr($o, 10, 16)}\E/g;
    die "package-lambda: $ARGV: found the zoneinfo path $literal and its string constants $pieces times, expected once each (another build of libdate-tz?)\n"
      unless $literal == 1 && $pieces == 1;
    s/\Q$o\E\0/$n\0/;
    s/\Q${\substr($o, 0, 16)}${\substr($o, 10, 16)}\E/substr($n, 0, 16) . substr($n, 10, 16)/e;
  ' "$patched"
  if grep -q -a "$old_path" "$patched"; then
    echo "package-lambda: $patched still names $old_path" >&2
    exit 2
  fi
done

cc -static -Os -s -DSNAPKEEP_LOADER="\"$loader\"" -o "$stage/bootstrap" "$here/deploy/lambda/bootstrap.c"
chmod 0755 "$stage/bootstrap"

for ca in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
  if [[ -f "$ca" ]]; then cp -L "$ca" "$stage/certs/ca-certificates.crt"; break; fi
done

mkdir -p "$dist"
zip_path="$dist/snapkeep-lambda-$arch.zip"
rm -f "$zip_path"
(cd "$stage" && zip -q -X -r "$zip_path" bootstrap bin lib certs zoneinfo)
unpacked=$(du -sb "$stage" | cut -f1)
zones=$(du -sb "$stage/zoneinfo" | cut -f1)
echo "package-lambda: $zip_path: $(stat -c %s "$zip_path") bytes zipped, $unpacked unpacked," \
  "$(ls "$stage/lib" | wc -l) libraries ($loader), $(find "$stage/zoneinfo" -type f | wc -l) time zones" \
  "($zones bytes unpacked)"
