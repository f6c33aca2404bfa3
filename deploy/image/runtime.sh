#!/usr/bin/env bash
# Assembles the worker image's runtime into DIR, for Jib to lay on an empty (scratch) base when no registry
# with eclipse-temurin is at hand (-Dimage.base=… picks one; deploy/README.md): a jlink'd Java runtime of the
# build's JDK with the modules the worker uses (jdeps on the worker jar, plus the TLS and DNS providers it loads
# by name), the shared libraries that runtime links to, copied from the build host's Debian packages (listed with
# their versions in DIR/usr/share/precache/runtime-packages.txt), Debian's CA bundle in Java form, and
# /etc/passwd and /etc/group naming the non-root user 65532. Reused while the JDK and this script are unchanged
# (the build keeps DIR in ~/.cache/precache, so CI's fresh clones reuse it); made aside and moved into place, so a
# concurrent build never reads half of one.
#   usage: runtime.sh DIR
set -euo pipefail

readonly MODULES=java.base,java.compiler,java.desktop,java.naming,java.net.http,java.security.jgss,java.sql,jdk.management,jdk.net,jdk.unsupported,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs
readonly USER_ID=65532

out=$1
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
key="$("$java_home/bin/java" -version 2>&1 | sha256sum | cut -c1-16)-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
if [[ -f $out/.assembled ]] && [[ "$(cat "$out/.assembled")" == "$key" ]]; then
  exit 0
fi
final=$out
out="$final.partial.$$"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/opt" "$out/etc" "$out/tmp" "$out/usr/share/precache"

"$java_home/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$out/opt/java"

# Debian's JDK links its CA store to /etc/ssl/certs/java/cacerts (made by ca-certificates-java): copy the file.
cacerts="$out/opt/java/lib/security/cacerts"
if [[ -L $cacerts || ! -s $cacerts ]]; then
  rm -f "$cacerts"
  cp "$(readlink -f "$java_home/lib/security/cacerts")" "$cacerts"
fi
# Other links into /etc/java-17-openjdk (Debian): their targets.
find "$out/opt/java" -type l | while read -r link; do
  target="$(readlink -f "$link")"
  rm "$link"
  cp "$target" "$link"
done

# AWT's native parts link X11, ALSA, freetype: a headless worker never loads them (java.desktop is there for
# java.beans), so they and what they link stay out.
rm -f "$out"/opt/java/lib/{libawt_xawt,libjawt,libsplashscreen,libjsound,libfontmanager,liblcms}.so

# Every shared library the runtime's executables and libraries load, and the dynamic loader.
libraries="$(find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} + 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)"
for library in $libraries; do
  [[ $library == "$out"* ]] && continue
  mkdir -p "$out$(dirname "$library")"
  cp -L "$library" "$out$library"
done
for library in $libraries; do
  [[ $library == "$out"* ]] && continue
  real="$(readlink -f "$library")"
  dpkg-query -S "$real" 2>/dev/null || dpkg-query -S "$library" 2>/dev/null || echo "unpackaged: $library"
done | awk -F': ' '{print $1}' | tr ',' '\n' | sed 's/^ *//' | sort -u | while read -r package; do
  [[ $package == unpackaged* ]] && { echo "$package"; continue; }
  dpkg-query -W -f='${Package} ${Version}\n' "$package"
done >"$out/usr/share/precache/runtime-packages.txt"
echo "java $("$java_home/bin/java" -version 2>&1 | awk -F'"' 'NR == 1 {print $2}') (jlink: $MODULES)" \
  >>"$out/usr/share/precache/runtime-packages.txt"

printf 'root:x:0:0:root:/root:/sbin/nologin\nprecache:x:%s:%s:precache:/tmp:/sbin/nologin\n' "$USER_ID" "$USER_ID" \
  >"$out/etc/passwd"
printf 'root:x:0:\nprecache:x:%s:\n' "$USER_ID" >"$out/etc/group"
echo "$key" >"$out/.assembled"
rm -rf "$final"
mkdir -p "$(dirname "$final")"
mv "$out" "$final"
