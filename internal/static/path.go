// Package static holds the request-independent core of static file serving:
// mapping a request path onto a file beneath a document root, Range and
// conditional request evaluation, HTTP dates, MIME types and directory
// listings. Everything except open_linux.go is pure so that the event loop can
// call it per request without blocking and with few or no allocations.
package static

import "strings"

// PathError is a request path rejected before any file system access. Status
// is the HTTP status the server should answer with; Reason is for logs only and
// never echoes the input.
type PathError struct {
	Status int
	Reason string
}

func (e *PathError) Error() string { return "static: " + e.Reason }

// The sentinels are returned as-is so callers can compare with == or errors.Is.
//
// Everything that smells of an attempt to smuggle a separator or a terminator
// past the path cleaner (encoded '/', any '\', NUL or other control bytes) is
// answered 403 like a climb above the root: a legitimate client never sends
// them, and 403 tells an operator reading logs that the request was refused
// on purpose rather than mis-routed.
var (
	// ErrBadPath: the path is not a syntactically valid origin-form path
	// (malformed %-escape, empty, missing leading '/'). 400.
	ErrBadPath = &PathError{Status: 400, Reason: "malformed request path"}
	// ErrForbiddenPath: the path tries to leave the route root or carries
	// bytes that have no business in a file name. 403.
	ErrForbiddenPath = &PathError{Status: 403, Reason: "forbidden request path"}
	// ErrHidden: a path segment names a dot-file. 404, so that the existence
	// of ".git" or ".env" is not disclosed.
	ErrHidden = &PathError{Status: 404, Reason: "hidden path segment"}
	// ErrOutsideRoute: the raw path does not start with the route prefix. The
	// router matches on the raw path; anything else reaching Resolve is a
	// routing mismatch and must fail closed. 404.
	ErrOutsideRoute = &PathError{Status: 404, Reason: "path outside route prefix"}
)

// wellKnown is served even when dot-files are hidden (RFC 8615). It is only
// special as the first segment below the route root, where RFC 8615 puts it.
const wellKnown = ".well-known"

// stackPathLen is the longest path resolveSlow cleans without a scratch
// allocation.
const stackPathLen = 256

// Resolve maps the raw (still percent-encoded) request path onto a path
// relative to the root of the route whose prefix is routePrefix.
//
// The prefix is matched byte-for-byte against the raw path, so the router must
// also match on the raw path. A prefix with or without its trailing slash is
// accepted ("/static/" and "/static" are the same route); the raw path equal to
// the prefix without its slash yields rel "" and trailingSlash false so the
// caller can redirect to the slash form.
//
// rel never starts with '/', never has empty, "." or ".." segments and is ""
// for the route root. trailingSlash is true when the path ended in '/' or in a
// "." or ".." segment, which RFC 3986 §5.2.4 turns into a trailing '/'.
//
// The common case (no escapes, no dot segments, no "//") returns a substring
// of rawPath and does not allocate.
func Resolve(rawPath, routePrefix string, allowHidden bool) (rel string, trailingSlash bool, err error) {
	if rawPath == "" || rawPath[0] != '/' {
		return "", false, ErrBadPath
	}
	base := strings.TrimSuffix(routePrefix, "/")
	if !strings.HasPrefix(rawPath, base) {
		return "", false, ErrOutsideRoute
	}
	rest := rawPath[len(base):]
	if rest == "" {
		return "", false, nil
	}
	if rest[0] != '/' {
		// "/staticfoo" must not match the route "/static/".
		return "", false, ErrOutsideRoute
	}
	if rel, trailing, ok := resolveClean(rest); ok {
		return rel, trailing, nil
	}
	return resolveSlow(rest, allowHidden)
}

// resolveClean handles a path that needs no rewriting: no escapes, no
// separators to collapse, no segment starting with '.', no forbidden bytes.
// ok=false sends the path to resolveSlow, which produces the precise verdict.
func resolveClean(rest string) (rel string, trailingSlash bool, ok bool) {
	prev := byte('/') // rest[0] is '/'
	for i := 1; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == '%', c == '\\', isCTL(c):
			return "", false, false
		case prev == '/' && (c == '/' || c == '.'):
			return "", false, false
		}
		prev = c
	}
	if prev == '/' {
		// rest is at least "/", so the slice bounds hold even for the root.
		return rest[1:max(1, len(rest)-1)], true, true
	}
	return rest[1:], false, true
}

// resolveSlow decodes each segment once and applies RFC 3986 §5.2.4 dot-segment
// removal, refusing any ".." that would pop past the route root.
func resolveSlow(rest string, allowHidden bool) (string, bool, error) {
	// The result is never longer than the input; typical paths are built on
	// the stack so the only allocation is the returned string.
	var stack [stackPathLen]byte
	out := stack[:0]
	if len(rest) > len(stack) {
		out = make([]byte, 0, len(rest))
	}
	trailing := false
	i := 0
	for i < len(rest) {
		if rest[i] == '/' {
			trailing = true
			i++
			continue
		}
		mark := len(out)
		if mark > 0 {
			out = append(out, '/')
		}
		segStart := len(out)
		for i < len(rest) && rest[i] != '/' {
			c := rest[i]
			switch {
			case c == '%':
				if i+2 >= len(rest) {
					return "", false, ErrBadPath
				}
				hi, ok1 := unhex(rest[i+1])
				lo, ok2 := unhex(rest[i+2])
				if !ok1 || !ok2 {
					return "", false, ErrBadPath
				}
				c = hi<<4 | lo
				if c == '/' || c == '\\' || isCTL(c) {
					return "", false, ErrForbiddenPath
				}
				i += 3
			case c == '\\', isCTL(c):
				return "", false, ErrForbiddenPath
			default:
				i++
			}
			out = append(out, c)
		}
		switch seg := out[segStart:]; {
		case len(seg) == 1 && seg[0] == '.':
			out = out[:mark]
			trailing = true
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			if mark == 0 {
				return "", false, ErrForbiddenPath
			}
			out = out[:lastSlash(out[:mark])]
			trailing = true
		default:
			trailing = false
		}
	}
	if !allowHidden && hasHiddenSegment(out) {
		return "", false, ErrHidden
	}
	return string(out), trailing, nil
}

// lastSlash returns the length to truncate p to in order to drop its last
// segment together with the separator before it.
func lastSlash(p []byte) int {
	for j := len(p) - 1; j >= 0; j-- {
		if p[j] == '/' {
			return j
		}
	}
	return 0
}

// hasHiddenSegment reports whether a cleaned relative path has a segment
// starting with '.', other than a leading ".well-known".
func hasHiddenSegment(rel []byte) bool {
	start := 0
	for start < len(rel) {
		end := start
		for end < len(rel) && rel[end] != '/' {
			end++
		}
		if rel[start] == '.' && (start != 0 || string(rel[start:end]) != wellKnown) {
			return true
		}
		start = end + 1
	}
	return false
}

// isCTL reports the ASCII control characters (RFC 5234 CTL).
func isCTL(c byte) bool { return c < 0x20 || c == 0x7f }

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
