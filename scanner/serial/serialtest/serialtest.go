// Package serialtest stands a pseudo-terminal in for a serial scanner's
// port, for the tests of what reads one.
package serialtest

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// PTY opens a pseudo-terminal pair: the master, written to as the
// scanner, and the name of the slave, opened as the port (/dev/pts/N).
// The master closes when the test ends.
func PTY(tb testing.TB) (*os.File, string) {
	tb.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		tb.Fatalf("open /dev/ptmx: %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		tb.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		tb.Fatalf("ptsname: %v", err)
	}
	return m, "/dev/pts/" + strconv.Itoa(n)
}
