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
# Put snapkeep.yaml beside bootstrap (or set SNAPKEEP_CONFIG). docs/deploy.md
# says why the libraries are bundled rather than linked statically.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${1:-$here/build/snapkeep}
dist=${SNAPKEEP_DIST:-$here/dist}
[[ -x "$binary" ]] || { echo "package-lambda: no binary at $binary (build it first)" >&2; exit 2; }
for tool in zip readelf strip ldd cc; do
  command -v "$tool" >/dev/null || { echo "package-lambda: $tool is missing (scripts/install-deps.sh)" >&2; exit 2; }
done

case "$(uname -m)" in
  x86_64) arch=x86_64 ;;
  aarch64) arch=arm64 ;;
  *) echo "package-lambda: Lambda runs x86_64 or arm64, not $(uname -m)" >&2; exit 2 ;;
esac

stage=$(mktemp -d -t snapkeep-lambda.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/certs"

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

cc -static -Os -s -DSNAPKEEP_LOADER="\"$loader\"" -o "$stage/bootstrap" "$here/deploy/lambda/bootstrap.c"
chmod 0755 "$stage/bootstrap"

for ca in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
  if [[ -f "$ca" ]]; then cp -L "$ca" "$stage/certs/ca-certificates.crt"; break; fi
done

mkdir -p "$dist"
zip_path="$dist/snapkeep-lambda-$arch.zip"
rm -f "$zip_path"
(cd "$stage" && zip -q -X -r "$zip_path" bootstrap bin lib certs)
unpacked=$(du -sb "$stage" | cut -f1)
echo "package-lambda: $zip_path: $(stat -c %s "$zip_path") bytes zipped, $unpacked unpacked," \
  "$(ls "$stage/lib" | wc -l) libraries ($loader)"
