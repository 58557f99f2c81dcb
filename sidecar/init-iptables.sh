#!/bin/sh
# Sends the pod's traffic for the instance metadata endpoint to the wi-proxy sidecar.
# Runs once per pod, as root with NET_ADMIN, in the pod's network namespace (the
# proxy-init container); running it again leaves the same rules.
#
# Unlike upstream's script this one stops at the first failed rule (set -e): a pod whose
# IMDS traffic is not redirected must not start as if it were.
set -eu

PROXY_PORT="${PROXY_PORT:-8000}"
PROXY_UID="${PROXY_UID:-1501}"
METADATA_IP="${METADATA_IP:-169.254.169.254}"
METADATA_PORT="${METADATA_PORT:-80}"
IPTABLES="${IPTABLES:-iptables}"

die() {
    echo "init-iptables: $*" >&2
    exit 1
}

for setting in "PROXY_PORT=$PROXY_PORT" "PROXY_UID=$PROXY_UID" "METADATA_PORT=$METADATA_PORT"; do
    case "${setting#*=}" in
        '' | *[!0-9]*) die "$setting is not a number" ;;
    esac
done
case "$METADATA_IP" in
    '' | *[!0-9.]*) die "METADATA_IP=$METADATA_IP is not an IPv4 address" ;;
esac

nat() {
    "$IPTABLES" -w -t nat "$@"
}

# Our chains are created if missing and emptied, so a second run rebuilds them.
fresh_chain() {
    nat -n -L "$1" >/dev/null 2>&1 || nat -N "$1"
    nat -F "$1"
}

fresh_chain AZWI_PROXY_REDIRECT
fresh_chain AZWI_PROXY_OUTPUT

nat -A AZWI_PROXY_REDIRECT -p tcp -j REDIRECT --to-ports "$PROXY_PORT"
# The proxy's own requests (it forwards other metadata paths) must reach the real endpoint.
nat -A AZWI_PROXY_OUTPUT -m owner --uid-owner "$PROXY_UID" -j ACCEPT
nat -A AZWI_PROXY_OUTPUT -j AZWI_PROXY_REDIRECT

set -- -p tcp -d "$METADATA_IP" --dport "$METADATA_PORT" -j AZWI_PROXY_OUTPUT
nat -C OUTPUT "$@" 2>/dev/null || nat -A OUTPUT "$@"

nat -S OUTPUT
nat -S AZWI_PROXY_OUTPUT
nat -S AZWI_PROXY_REDIRECT
