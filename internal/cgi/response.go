package cgi

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

const (
	// DefaultMaxHeaderBytes caps the script's header block, line endings
	// included, when HeadParser.MaxBytes is zero.
	DefaultMaxHeaderBytes = 32 << 10
	// MaxHeaderFields caps the number of header lines a script may print.
	MaxHeaderFields = 100
	// maxQuotedLine keeps error messages short when they quote bad output.
	maxQuotedLine = 64
)

var (
	// ErrBadOutput means the script's header block is malformed (the server
	// answers 502). Nothing of it reaches the client.
	ErrBadOutput = errors.New("cgi: malformed script output")
	// ErrTimeout means the script ran past its time limit (504 if no header
	// was sent yet).
	ErrTimeout = errors.New("cgi: script timed out")
	// ErrNoHeader means the script's output ended before a complete header
	// block (502).
	ErrNoHeader = errors.New("cgi: script output ended before its header")
)

// Response is the script's header block, ready for the server to send.
type Response struct {
	Status int
	// Header holds the script's fields in order, as printed, without Status
	// and without the fields that belong to the server's framing of the
	// message (see droppedFields).
	Header [][2]string
}

// droppedFields are fields a script may print but the server must not copy:
// the server frames the response itself, and a script-chosen Content-Length
// or Transfer-Encoding would let the script desynchronise the connection.
var droppedFields = []string{
	"Connection", "Content-Length", "Keep-Alive", "Proxy-Connection",
	"TE", "Trailer", "Transfer-Encoding", "Upgrade",
}

// HeadParser parses the header block of a script's output incrementally
// (RFC 3875 §6): lines end in LF or CRLF, and an empty line ends the block.
// The zero value is ready to use.
type HeadParser struct {
	// MaxBytes caps the block; zero means DefaultMaxHeaderBytes.
	MaxBytes int

	partial []byte // a line begun in an earlier Feed
	total   int    // bytes of complete lines so far
	fields  int
	err     error
	done    bool
	resp    Response

	sawStatus, sawType, sawLocation bool
	location                        string
}

// Feed consumes header bytes from b. It returns how many bytes of b belong
// to the header block; when done is true, b[n:] is the start of the body.
// Errors wrap ErrBadOutput and are sticky.
func (p *HeadParser) Feed(b []byte) (n int, done bool, err error) {
	if p.err != nil {
		return 0, false, p.err
	}
	if p.done {
		return 0, true, nil
	}
	limit := p.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxHeaderBytes
	}
	for n < len(b) {
		eol := bytes.IndexByte(b[n:], '\n')
		if eol < 0 {
			if p.total+len(p.partial)+len(b)-n > limit {
				return n, false, p.fail("header block exceeds %d bytes", limit)
			}
			p.partial = append(p.partial, b[n:]...)
			return len(b), false, nil
		}
		end := n + eol + 1
		line := b[n:end]
		if len(p.partial) > 0 {
			p.partial = append(p.partial, line...)
			line = p.partial
		}
		p.total += len(line)
		if p.total > limit {
			return n, false, p.fail("header block exceeds %d bytes", limit)
		}
		n = end
		if err := p.line(line); err != nil {
			return n, false, err
		}
		p.partial = p.partial[:0]
		if p.done {
			p.partial = nil
			return n, true, nil
		}
	}
	return n, false, nil
}

// Response returns the parsed header block, or nil until Feed reports done.
func (p *HeadParser) Response() *Response {
	if !p.done {
		return nil
	}
	return &p.resp
}

func (p *HeadParser) fail(format string, args ...any) error {
	p.err = fmt.Errorf("%w: %s", ErrBadOutput, fmt.Sprintf(format, args...))
	return p.err
}

// line handles one line including its LF.
func (p *HeadParser) line(line []byte) error {
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) == 0 {
		return p.finish()
	}
	p.fields++
	if p.fields > MaxHeaderFields {
		return p.fail("more than %d header fields", MaxHeaderFields)
	}
	// CGI-field = field-name ":" [ field-value ] NL  (RFC 3875 §6.3)
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return p.fail("header line without colon: %s", quote(line))
	}
	name, rawValue := line[:colon], line[colon+1:]
	if !isToken(name) {
		return p.fail("invalid header name: %s", quote(name))
	}
	value := bytes.Trim(rawValue, " \t")
	if i := indexCTL(value); i >= 0 {
		return p.fail("control byte %#02x in %s value", value[i], quote(name))
	}
	return p.field(string(name), string(value))
}

func (p *HeadParser) field(name, value string) error {
	switch {
	case strings.EqualFold(name, "Status"):
		if p.sawStatus {
			return p.fail("repeated Status")
		}
		p.sawStatus = true
		code, ok := parseStatus(value)
		if !ok {
			return p.fail("invalid Status %q", truncate(value))
		}
		p.resp.Status = code
		return nil
	case strings.EqualFold(name, "Content-Type"):
		if p.sawType {
			return p.fail("repeated Content-Type")
		}
		if value == "" {
			return p.fail("empty Content-Type")
		}
		p.sawType = true
	case strings.EqualFold(name, "Location"):
		if p.sawLocation {
			return p.fail("repeated Location")
		}
		if value == "" {
			return p.fail("empty Location")
		}
		p.sawLocation = true
		p.location = value
	default:
		for _, dropped := range droppedFields {
			if strings.EqualFold(name, dropped) {
				return nil
			}
		}
	}
	p.resp.Header = append(p.resp.Header, [2]string{name, value})
	return nil
}

// finish checks the complete block: RFC 3875 §6.2 requires at least one of
// Content-Type, Location and Status.
func (p *HeadParser) finish() error {
	if !p.sawType && !p.sawLocation && !p.sawStatus {
		return p.fail("no Content-Type, Location or Status")
	}
	if !p.sawStatus {
		p.resp.Status = 200
		if p.sawLocation && isAbsoluteURL(p.location) {
			p.resp.Status = 302
		}
	}
	p.done = true
	return nil
}

// parseStatus reads a Status value (RFC 3875 §6.3.3):
//
//	Status = status-code SP reason-phrase
//
// The reason phrase is optional here, as many scripts print the code alone;
// the server writes its own. Informational codes cannot end a CGI response.
func parseStatus(v string) (int, bool) {
	if len(v) < 3 || (len(v) > 3 && v[3] != ' ' && v[3] != '\t') {
		return 0, false
	}
	code := 0
	for i := range 3 {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		code = code*10 + int(c-'0')
	}
	return code, code >= 200 && code <= 599
}

// isAbsoluteURL reports whether v begins with a URI scheme (RFC 3986 §3.1):
//
//	scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
func isAbsoluteURL(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// tcharMask marks the token characters (RFC 9110 §5.6.2):
//
//	tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//	        "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
var tcharMask = func() (m [256]bool) {
	for c := '0'; c <= '9'; c++ {
		m[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		m[c] = true
		m[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		m[c] = true
	}
	return m
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tcharMask[c] {
			return false
		}
	}
	return true
}

// indexCTL finds a control byte in a field value. HTAB is allowed
// (field-vchar / SP / HTAB); every other CTL, CR and NUL included, could
// split or truncate the header the server writes.
func indexCTL(b []byte) int {
	for i, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return i
		}
	}
	return -1
}

func quote(b []byte) string {
	return fmt.Sprintf("%q", truncate(string(b)))
}

func truncate(s string) string {
	if len(s) > maxQuotedLine {
		return s[:maxQuotedLine] + "..."
	}
	return s
}
