#!/usr/bin/env bash
# Installs what `npm run test:backups` runs against: PostgreSQL, redis-server and age from
# Debian's packages; an S3-compatible server (moto) and Barman Cloud (what CloudNativePG archives
# with) from PyPI, pinned, outside the clone, in $TOOLBOXAI_CACHE/backup-test-tools (default
# ~/.cache/toolboxai), so a fresh clone on the same machine reuses them. Skips what is already there; prints how long it took.
set -euo pipefail
MOTO_VERSION=5.2.5
# Barman Cloud as the cnpg-postgresql image has it (scripts/images.sh), with psycopg2 from a
# wheel, which needs no compiler. In a folder of its own (pip --target): the tests run it as the
# unprivileged user, from a linked copy.
BARMAN_REQUIREMENTS=(barman==3.19.1 boto3==1.44.18 botocore==1.44.18 s3transfer==0.19.3
  jmespath==1.1.0 python-dateutil==2.9.0.post0 six==1.17.0 urllib3==2.8.0 psycopg2-binary==2.9.11)
TOOLS="${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}/backup-test-tools"
start=$SECONDS

missing=()
command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v age >/dev/null 2>&1 || missing+=(age)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The tests start their own servers on free loopback ports; packaged ones are left alone.

venv="$TOOLS/venv"
if [ "$("$venv/bin/pip" freeze 2>/dev/null | grep -E '^moto==' || true)" != "moto==$MOTO_VERSION" ]; then
  echo "installing moto $MOTO_VERSION (an S3-compatible server) from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
else
  echo "moto $MOTO_VERSION already installed"
fi
barman="$TOOLS/barman-cloud"
if [ ! -f "$barman/.requirements" ] || [ "$(cat "$barman/.requirements")" != "${BARMAN_REQUIREMENTS[*]}" ]; then
  echo "installing ${BARMAN_REQUIREMENTS[0]} (Barman Cloud) from PyPI into $barman"
  rm -rf "$barman"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --target "$barman" "${BARMAN_REQUIREMENTS[@]}"
  echo "${BARMAN_REQUIREMENTS[*]}" >"$barman/.requirements"
else
  echo "${BARMAN_REQUIREMENTS[0]} already installed"
fi
echo "backup test tools ready in $((SECONDS - start)) s"
