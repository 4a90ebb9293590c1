#!/usr/bin/env bash
# A throwaway OpenLDAP (Debian slapd) for tests: a private port, a data directory of its own, and a small schema that
# carries Active Directory's userAccountControl and sAMAccountName. Installs slapd/ldap-utils if missing (fresh CI).
#
#   scripts/services/ldap-test.sh start <dir>   → prints one JSON line {url, port, pid, baseDn, bindDn, bindPassword, usersDn}
#   scripts/services/ldap-test.sh stop <dir>
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop <dir>" >&2; exit 2; }

BASE_DN="dc=proticket,dc=test"
BIND_DN="cn=admin,$BASE_DN"
BIND_PW="ldap-test-admin-secret"

ensure_installed() {
  if [ -x /usr/sbin/slapd ] && command -v ldapadd >/dev/null 2>&1; then return; fi
  echo "installing slapd and ldap-utils (Debian)…" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # slapd's postinst would configure a system directory; we only need the binaries.
  echo "slapd slapd/no_configuration boolean true" | $sudo debconf-set-selections
  (flock /tmp/apt.lock $sudo apt-get install -y --no-install-recommends slapd ldap-utils >&2) ||
    (flock /tmp/apt.lock $sudo apt-get update >&2 && flock /tmp/apt.lock $sudo apt-get install -y --no-install-recommends slapd ldap-utils >&2)
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start() {
  ensure_installed
  mkdir -p "$dir/data"
  cat >"$dir/proticket-ad.schema" <<'SCHEMA'
# The two Active Directory attributes ProTicket reads, with AD's own OIDs, on an auxiliary class.
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'proticketAdAccount' SUP top AUXILIARY
  MAY ( userAccountControl $ sAMAccountName ) )
SCHEMA
  cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $dir/proticket-ad.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "$BASE_DN"
rootdn "$BIND_DN"
rootpw $BIND_PW
directory $dir/data
index objectClass eq
index sAMAccountName eq
CONF
  local port
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    if /usr/sbin/slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/" 2>"$dir/slapd.log"; then
      for _ in $(seq 1 50); do
        ldapsearch -x -H "ldap://127.0.0.1:$port/" -b "" -s base >/dev/null 2>&1 && break
        sleep 0.1
      done
      if ldapsearch -x -H "ldap://127.0.0.1:$port/" -b "" -s base >/dev/null 2>&1; then break; fi
    fi
    port=""
  done
  [ -n "$port" ] || { echo "slapd did not start: $(cat "$dir/slapd.log")" >&2; exit 1; }
  ldapadd -x -H "ldap://127.0.0.1:$port/" -D "$BIND_DN" -w "$BIND_PW" >/dev/null <<LDIF
dn: $BASE_DN
objectClass: dcObject
objectClass: organization
dc: proticket
o: ProTicket test directory

dn: ou=people,$BASE_DN
objectClass: organizationalUnit
ou: people
LDIF
  echo "{\"url\":\"ldap://127.0.0.1:$port\",\"port\":$port,\"pid\":$(cat "$dir/slapd.pid"),\"baseDn\":\"$BASE_DN\",\"usersDn\":\"ou=people,$BASE_DN\",\"bindDn\":\"$BIND_DN\",\"bindPassword\":\"$BIND_PW\"}"
}

stop() {
  if [ -f "$dir/slapd.pid" ]; then
    kill "$(cat "$dir/slapd.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do [ -f "$dir/slapd.pid" ] && kill -0 "$(cat "$dir/slapd.pid")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop <dir>" >&2; exit 2 ;;
esac
