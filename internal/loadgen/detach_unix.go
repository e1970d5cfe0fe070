//go:build unix

package loadgen

import (
	"os/exec"
	"syscall"
)

// detach puts the server in its own process group, so that Ctrl-C on the
// terminal stops the attack but not the server under it; the server is then
// stopped in order, after the reports.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
