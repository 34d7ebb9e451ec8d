#!/usr/bin/env bash
# The README's walk-throughs, run as written against a fresh firmad: "A whole signature with curl", "Signing
# through the CSC API", "Certificates" and "Signing through the FIRe front" (firmad again, with TLS). Only the port changes (127.0.0.1:8080 becomes the port firmad took);
# build/bin is the build's.
# usage: walkthrough.sh FIRMAD FIRMACTL README
set -euo pipefail
firmad=$1 firmactl=$2 readme=$3

work=$(mktemp -d /tmp/firma-readme.XXXXXX)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  [ -n "${tls_port:-}" ] && pkill -f -- "--listen 127.0.0.1:$tls_port" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
mkdir -p build/bin
ln -s "$firmad" build/bin/firmad
ln -s "$firmactl" build/bin/firmactl

build/bin/firmad --data-dir var --listen 127.0.0.1:0 > firmad.out 2>&1 &
pid=$!
for _ in $(seq 600); do grep -q 'listening on' firmad.out && break; sleep 0.2; done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' firmad.out)
[ -n "$port" ] || { echo "firmad did not start:"; cat firmad.out; exit 1; }

# The indented lines of one section of the README, unindented, with the port firmad took.
section() {
  awk -v title="## $1" '$0 == title { on = 1; next } /^## / { on = 0 } on && /^    / { print substr($0, 5) }' "$readme" \
    | sed "s/127\.0\.0\.1:8080/127.0.0.1:$port/g"
}

expect() {  # expect FILE TEXT...: each TEXT appears in FILE
  local file=$1; shift
  for text in "$@"; do
    grep -qF -- "$text" "$file" || { echo "README walk-through: '$text' not found in:"; cat "$file"; exit 1; }
  done
}

section 'A whole signature with curl' > signature.sh
[ -s signature.sh ] || { echo "no walk-through found in $readme"; exit 1; }
# The CSC walk-through continues the signature's (same shell variables, same citizen and application).
section 'Signing through the CSC API' > csc.sh
[ -s csc.sh ] || { echo "no CSC walk-through found in $readme"; exit 1; }
cat signature.sh csc.sh > signature-and-csc.sh
bash -e -o pipefail signature-and-csc.sh > signature.out 2>&1 || { cat signature.out; exit 1; }
expect signature.out '"status":"active"' 'CAdES Verification successful' 'OK'
grep -q '^OK$' signature.out || { echo "xmlsec1 did not say OK:"; cat signature.out; exit 1; }
echo "signature walk-through: ok"
expect signature.out '"specs":"1.0.4.0"' '"SCAL":"2"' '204' 'Signature Verified Successfully' \
  '"error":"invalid_request"'
[ "$(grep -c '^OK$' signature.out)" -ge 2 ] || { echo "xmlsec1 did not say OK of signDoc's XAdES:"; cat signature.out; exit 1; }
echo "CSC walk-through: ok"

section 'Certificates' > certificates.sh
# Not -e: the README shows `openssl verify` refusing the revoked certificate, which exits 2.
bash certificates.sh > certificates.out 2>&1 || true
expect certificates.out 'cert.pem: OK' 'cert.pem: good' 'cert.pem: revoked' 'certificate revoked' 'Verification: OK'
[ "$(grep -c '^ok: .* signed checkpoints' certificates.out)" -ge 2 ] || { echo "audit verify did not say ok twice:"; cat certificates.out; exit 1; }
echo "certificates walk-through: ok"

# The FIRe walk-through starts firmad again with TLS on the same data directory (the README stops `make run`
# first); its port 8443 becomes a free one.
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=
tls_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
section 'Signing through the FIRe front' | sed "s/127\.0\.0\.1:8443/127.0.0.1:$tls_port/g" > fire.sh
[ -s fire.sh ] || { echo "no FIRe walk-through found in $readme"; exit 1; }
bash -e -o pipefail fire.sh > fire.out 2>&1 || { cat fire.out; cat firmad-tls.log 2>/dev/null | tail -20; exit 1; }
expect fire.out '"otp_sent_to"' '"status":"signed"' '{"result":{"cert":' 'CAdES Verification successful' '{"c":6,'
echo "FIRe walk-through: ok"
