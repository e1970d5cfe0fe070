package session

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Limits on one update set by a CGI response.
const (
	maxUpdateKeyLen     = 64
	maxUpdateValueBytes = 1024
	// maxEscapedFactor bounds the encoded form before decoding it: every
	// decoded byte takes at most three encoded ones ("%XX").
	maxEscapedFactor = 3
)

// ErrBadUpdate means a session update header is malformed or over a limit.
var ErrBadUpdate = errors.New("session: bad update")

// EncodeValues renders v as "k1=v1&k2=v2", keys sorted, each side escaped
// like url.QueryEscape. It is what CGI scripts see in FERROUS_SESSION_VALUES,
// so the output depends on the values alone.
func EncodeValues(v Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v[k]))
	}
	return b.String()
}

// decodeValues reverses EncodeValues; unlike ApplyUpdate it accepts any key,
// since EncodeValues does.
func decodeValues(s string) (Values, error) {
	v := make(Values)
	if s == "" {
		return v, nil
	}
	for pair := range strings.SplitSeq(s, "&") {
		rawKey, rawValue, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, errors.New("pair without \"=\"")
		}
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		if _, dup := v[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		v[key] = value
	}
	return v, nil
}

// ApplyUpdate applies one "X-Session-Set" style header value to v (which
// must be non-nil):
//
//	update = key "=" [ value ]     ; an empty value deletes key
//
// Both sides are percent-decoded like url.QueryUnescape ("+" is a space).
// The decoded key must be 1..64 characters of [A-Za-z0-9_.-] and the
// decoded value at most 1024 bytes. On error v is unchanged.
func ApplyUpdate(v Values, headerValue string) error {
	update := strings.Trim(headerValue, " \t")
	rawKey, rawValue, ok := strings.Cut(update, "=")
	if !ok {
		return fmt.Errorf("%w: missing \"=\"", ErrBadUpdate)
	}
	if len(rawKey) > maxEscapedFactor*maxUpdateKeyLen {
		return fmt.Errorf("%w: key longer than %d bytes", ErrBadUpdate, maxUpdateKeyLen)
	}
	if len(rawValue) > maxEscapedFactor*maxUpdateValueBytes {
		return fmt.Errorf("%w: value longer than %d bytes", ErrBadUpdate, maxUpdateValueBytes)
	}
	key, err := url.QueryUnescape(rawKey)
	if err != nil {
		return fmt.Errorf("%w: key: %w", ErrBadUpdate, err)
	}
	if !validUpdateKey(key) {
		return fmt.Errorf("%w: key must be 1..%d of [A-Za-z0-9_.-]", ErrBadUpdate, maxUpdateKeyLen)
	}
	value, err := url.QueryUnescape(rawValue)
	if err != nil {
		return fmt.Errorf("%w: value: %w", ErrBadUpdate, err)
	}
	if len(value) > maxUpdateValueBytes {
		return fmt.Errorf("%w: value longer than %d bytes", ErrBadUpdate, maxUpdateValueBytes)
	}
	if value == "" {
		delete(v, key)
		return nil
	}
	v[key] = value
	return nil
}

// validUpdateKey checks
//
//	key = 1*64( ALPHA / DIGIT / "_" / "." / "-" )
func validUpdateKey(k string) bool {
	if k == "" || len(k) > maxUpdateKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
