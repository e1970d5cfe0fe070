//go:build !unix

package loadgen

import "os/exec"

// detach has no process groups to use here; the server shares our console.
func detach(*exec.Cmd) {}
