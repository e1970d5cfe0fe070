// Package storedname turns the file name a client gave in a multipart upload into a name that is safe to create
// inside an upload directory, so the peer servers store uploads with the same care ferrous takes.
package storedname

import (
	"errors"
	"strings"
)

// maxNameBytes is NAME_MAX on Linux file systems.
const maxNameBytes = 255

// ErrUnsafe means nothing of the client's name can be stored as is.
var ErrUnsafe = errors.New("storedname: no safe file name")

// Clean keeps the last path element of name (clients on any OS may send a full path) and refuses what could
// escape the directory, hide the file or confuse a terminal: dot names, control characters and overlong names.
func Clean(name string) (string, error) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case name == "", name[0] == '.':
		return "", ErrUnsafe
	case len(name) > maxNameBytes:
		return "", ErrUnsafe
	case strings.ContainsFunc(name, isControl):
		return "", ErrUnsafe
	}
	return name, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
