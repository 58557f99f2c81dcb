// Our stand-in for monis.app/mlog v0.0.4, the logging library upstream's webhook and proxy
// import: the Go module proxy refuses that module (403), so the oracle's go.mod replaces it with
// this one. Written by us against the API upstream calls; only the levels matter to the
// mutation (the proxy sidecar is given the webhook's own --log-level).
module monis.app/mlog

go 1.26
