#!/usr/bin/env bash
# Static checks of the repository's harness, in one go (no Docker engine needed):
#   * pre-commit on every tracked file: ruff check + format, file hygiene, shellcheck,
#     the GitHub workflows against their schema (and a timeout on every job), and
#     docker/docker-compose.yml against the Compose specification;
#   * the compose file as Docker Compose itself reads it (`docker compose config`, or
#     Debian's `docker-compose config`), with the `test` profile;
#   * the tool pins of .pre-commit-config.yaml equal those of requirements-tools.txt.
# Tools come from $TOOLS_BIN (default .venv-tools/bin, see the Makefile), else from PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_BIN=${TOOLS_BIN:-.venv-tools/bin}
tool() {
    if [[ -x "$TOOLS_BIN/$1" ]]; then
        echo "$TOOLS_BIN/$1"
    elif command -v "$1" >/dev/null; then
        command -v "$1"
    else
        echo "check_harness: '$1' not found in $TOOLS_BIN nor on PATH (make tools-venv installs it)" >&2
        return 1
    fi
}

echo "== tool pins: .pre-commit-config.yaml vs requirements-tools.txt"
for package in ruff check-jsonschema; do
    wanted=$(grep -E "^${package}==" requirements-tools.txt | cut -d= -f3)
    used=$(grep -oE "\"${package}==[^\"]+\"" .pre-commit-config.yaml | sort -u | tr -d '"' | cut -d= -f3)
    if [[ -z "$wanted" || "$used" != "$wanted" ]]; then
        echo "FAIL: $package is pinned to '$wanted' in requirements-tools.txt but '$used' in .pre-commit-config.yaml" >&2
        exit 1
    fi
    echo "$package $wanted"
done

echo "== pre-commit run --all-files"
"$(tool pre-commit)" run --all-files --show-diff-on-failure

echo "== docker compose config"
compose_file=docker/docker-compose.yml
if docker compose version >/dev/null 2>&1; then
    docker compose -f "$compose_file" --profile test config --quiet
elif command -v docker-compose >/dev/null; then
    docker-compose -f "$compose_file" --profile test config --quiet
else
    echo "check_harness: neither 'docker compose' nor 'docker-compose' is installed (apt-get install docker-compose)" >&2
    exit 1
fi
echo "$compose_file: ok"

echo "check_harness: all checks passed"
