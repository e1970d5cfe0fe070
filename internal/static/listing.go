package static

import (
	"cmp"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Entry is one directory entry to list.
type Entry struct {
	Name    string
	IsDir   bool
	Size    int64
	ModTime int64 // unix seconds
}

// AppendListing appends an HTML5 index page for urlPath (the decoded request
// path, ending in "/"). Entries are shown directories first, then by name in
// byte order; the caller's slice is left in its order (an index slice is
// sorted instead, one allocation on a path that is rare and already reads a
// directory).
//
// Names reach the page two ways, each escaped for its context: the href is
// percent-encoded down to RFC 3986 unreserved characters, so it is always a
// relative path (a name like "javascript:x" cannot become a scheme) and needs
// no HTML escaping; the link text is HTML-escaped. The caller decides which
// entries to show (hidden files are not filtered here).
func AppendListing(dst []byte, urlPath string, entries []Entry) []byte {
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ea, eb := &entries[a], &entries[b]
		if ea.IsDir != eb.IsDir {
			if ea.IsDir {
				return -1
			}
			return 1
		}
		return cmp.Compare(ea.Name, eb.Name)
	})

	dst = append(dst, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Index of "...)
	dst = appendHTMLEscaped(dst, urlPath)
	dst = append(dst, "</title>\n</head>\n<body>\n<h1>Index of "...)
	dst = appendHTMLEscaped(dst, urlPath)
	dst = append(dst, "</h1>\n<table>\n<thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>\n<tbody>\n"...)
	if urlPath != "/" {
		dst = append(dst, "<tr><td><a href=\"../\">../</a></td><td>-</td><td></td></tr>\n"...)
	}
	for _, i := range order {
		e := &entries[i]
		dst = append(dst, "<tr><td><a href=\""...)
		dst = appendPathEscaped(dst, e.Name)
		if e.IsDir {
			dst = append(dst, '/')
		}
		dst = append(dst, "\">"...)
		dst = appendHTMLEscaped(dst, e.Name)
		if e.IsDir {
			dst = append(dst, '/')
		}
		dst = append(dst, "</a></td><td>"...)
		if e.IsDir {
			dst = append(dst, '-')
		} else {
			dst = appendHumanSize(dst, e.Size)
		}
		dst = append(dst, "</td><td>"...)
		dst = appendListingTime(dst, e.ModTime)
		dst = append(dst, "</td></tr>\n"...)
	}
	return append(dst, "</tbody>\n</table>\n</body>\n</html>\n"...)
}

// appendHTMLEscaped escapes the five characters significant in HTML text and
// quoted attributes, and replaces invalid UTF-8 (file names are bytes) with
// U+FFFD so the page stays valid.
func appendHTMLEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, "\uFFFD"...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '"':
			dst = append(dst, "&#34;"...)
		case '\'':
			dst = append(dst, "&#39;"...)
		default:
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

// appendPathEscaped percent-encodes everything but unreserved characters
// (RFC 3986 §2.3). Stricter than needed, but the result is safe as a relative
// reference and inside a double-quoted attribute with no further escaping.
func appendPathEscaped(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := range len(s) {
		c := s[i]
		if isUnreserved(c) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hex[c>>4], hex[c&0xf])
	}
	return dst
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendHumanSize renders a size as "512 B" or with one decimal in binary
// units, "1.5 KiB", using integer arithmetic (rounded half up).
func appendHumanSize(dst []byte, n int64) []byte {
	const unit = 1024
	if n < unit {
		dst = strconv.AppendInt(dst, n, 10)
		return append(dst, " B"...)
	}
	suffixes := [...]string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	div, exp := int64(unit), 0
	for n/div >= unit && exp < len(suffixes)-1 {
		div *= unit
		exp++
	}
	whole, rem := n/div, n%div
	if div > (1<<63-1)/10 {
		// rem*10 would overflow in the EiB range; one unit less precision
		// does not change the first decimal.
		rem, div = rem/unit, div/unit
	}
	tenths := (rem*10 + div/2) / div
	if tenths == 10 {
		whole, tenths = whole+1, 0
	}
	dst = strconv.AppendInt(dst, whole, 10)
	dst = append(dst, '.', byte('0'+tenths), ' ')
	return append(dst, suffixes[exp]...)
}
