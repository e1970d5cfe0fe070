package session

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

const (
	// idEntropyBytes is 128 bits: guessing a live id is hopeless even with
	// millions of sessions.
	idEntropyBytes = 16
	// IDLen is the length of an id: lowercase hex of idEntropyBytes.
	IDLen = 2 * idEntropyBytes
)

// NewID returns 128 bits from crypto/rand as 32 lowercase hex characters.
func NewID() (string, error) {
	var b [idEntropyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: reading random id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// ValidID reports whether s has the shape NewID produces:
//
//	id = 32( DIGIT / %x61-66 )   ; lowercase hex only
//
// Ids name files in FileStore, so this is also what keeps path syntax out.
func ValidID(s string) bool {
	if len(s) != IDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// hexValue decodes one lowercase hex digit of a valid id.
func hexValue(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}
