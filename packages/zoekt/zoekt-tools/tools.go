//go:build tools

// Package tools pins the Zoekt commands that tools/services/zoekt.sh builds for the tests and
// benchmarks. go.mod names the Zoekt version and go.sum its checksums (and those of every
// dependency), so the build is reproducible without asking the checksum database.
package tools

import (
	_ "github.com/sourcegraph/zoekt/cmd/zoekt-git-index"
	_ "github.com/sourcegraph/zoekt/cmd/zoekt-index"
	_ "github.com/sourcegraph/zoekt/cmd/zoekt-webserver"
)
