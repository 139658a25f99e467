#!/bin/sh
# Builds Weightbench for Linux under target/jpackage/:
#   weightbench/            an app image with its own Java runtime (jlink): weightbench/bin/weightbench
#                           opens the workbench with no arguments and runs the CLI with a command
#   weightbench_*.deb       where fakeroot and dpkg-deb are present: the same, installed under
#                           /opt/weightbench, with a desktop entry, the icon, and file associations
#                           for .pth .pt .bin .ckpt .safetensors
# Usage: packaging/build-linux.sh [--no-deb]      (builds the jar first if it is missing)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
version=0.1.0
out=target/jpackage
[ -f target/weightbench.jar ] || mvn -q -B -DskipTests package
rm -rf "$out"
mkdir -p "$out/input" "$out/assoc"
cp target/weightbench.jar "$out/input/"

# The modules the jar needs (jdeps --multi-release 17 --ignore-missing-deps --print-module-deps,
# plus java.desktop and java.logging, which JavaFX on the class path uses without jdeps seeing it).
modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.prefs,java.sql,java.xml,jdk.jfr,jdk.unsupported,jdk.unsupported.desktop
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/runtime"

jpackage --type app-image --name weightbench --app-version "$version" \
  --input "$out/input" --main-jar weightbench.jar --main-class io.weightbench.Launcher \
  --runtime-image "$out/runtime" --icon icons/weightbench-512.png --dest "$out" \
  --description "Weightbench: see why a checkpoint does not load, map its keys, fix and export it" \
  --vendor "Weightbench" --java-options "-Xshare:auto"
echo "app image: $out/weightbench ($(du -sh "$out/weightbench" | cut -f1))"

if [ "${1:-}" = "--no-deb" ] || ! command -v fakeroot >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
  exit 0
fi
set --
for ext in pth pt bin ckpt safetensors; do
  cat > "$out/assoc/$ext.properties" <<PROPS
extension=$ext
mime-type=application/x-weightbench-$ext
description=Neural-network checkpoint (.$ext)
icon=icons/weightbench-128.png
PROPS
  set -- "$@" --file-associations "$out/assoc/$ext.properties"
done
jpackage --type deb --name weightbench --app-version "$version" --app-image "$out/weightbench" --dest "$out" \
  --description "Weightbench: see why a checkpoint does not load, map its keys, fix and export it" \
  --vendor "Weightbench" --icon icons/weightbench-512.png \
  --linux-package-name weightbench --linux-deb-maintainer "weightbench@localhost" --linux-menu-group "Development;Science" \
  --linux-app-category devel --linux-shortcut --linux-package-deps "libgtk-3-0" "$@"
for f in "$out"/*.deb; do echo "deb: $f ($(du -h "$f" | cut -f1))"; done
