#!/usr/bin/env bash
# Makes the collector's TLS files with openssl: a CA of your own (kept, reused on later runs)
# and a server certificate for the names the agents use to reach the collector.
#
#   deploy/make-collector-cert.sh DIR NAME [NAME...]
#   deploy/make-collector-cert.sh /etc/ictinfra/tls collector.tinh.gov.vn 10.160.1.5
#
# DIR gets ca.pem + ca-key.pem (the CA: keep ca-key.pem offline after use) and collector.pem +
# collector-key.pem (tls_cert_file / tls_key_file in collector.yaml). Give ca.pem to every agent
# as push.ca_file. A NAME that looks like an IPv4/IPv6 address goes in as an IP SAN, the others
# as DNS SANs. Run it again to renew the server certificate (825 days) with the same CA.
# With your agency's CA instead, take only the CSR step below and have it signed there.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR NAME [NAME...]" >&2; exit 2; }
dir=$1; shift
umask 077
mkdir -p "$dir"
san=""
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san+="${san:+,}IP:$name"; else san+="${san:+,}DNS:$name"; fi
done
if [ ! -f "$dir/ca.pem" ]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=ictinfra CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
fi
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
  -keyout "$dir/collector-key.pem" -out "$dir/collector.csr" 2>/dev/null
openssl x509 -req -in "$dir/collector.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
  -CAcreateserial -days 825 -sha256 -out "$dir/collector.pem" \
  -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san") 2>/dev/null
rm -f "$dir/collector.csr"
chmod 0644 "$dir/ca.pem" "$dir/collector.pem"
echo "$dir/collector.pem for $san, signed by $dir/ca.pem"
