package spec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Response is one response read off the wire. The head is kept raw so that the sender rules can be checked
// on the exact octets ferrous sent.
type Response struct {
	ToHEAD     bool   // it answers a HEAD request
	RawHead    string // status line and field lines with their line ends, and the empty line
	StatusLine string
	Status     int
	Fields     [][2]string
	Body       []byte
	Chunked    bool
	Trailers   []string
}

// Get returns the first value of the named field.
func (r *Response) Get(name string) (string, bool) {
	for _, f := range r.Fields {
		if strings.EqualFold(f[0], name) {
			return f[1], true
		}
	}
	return "", false
}

// Closes reports whether the response carries the close connection option.
func (r *Response) Closes() bool {
	v, _ := r.Get("Connection")
	for _, opt := range listElements(v) {
		if strings.EqualFold(opt, "close") {
			return true
		}
	}
	return false
}

// Bounds on what the reader accepts from the server under test.
const (
	maxResponseHead = 64 << 10
	maxResponseBody = 4 << 20
)

var (
	errMalformedResponse = errors.New("malformed response")
	errResponseTooLarge  = errors.New("response too large")
)

// ReadResponse reads one response. toHEAD says it answers a HEAD request, so it has no body. Line ends are
// split on LF alone so that a sender error shows up in CheckResponse rather than as a read failure.
func ReadResponse(br *bufio.Reader, toHEAD bool) (*Response, error) {
	var raw strings.Builder
	var lines []string
	for {
		line, err := br.ReadString('\n')
		raw.WriteString(line)
		if err != nil {
			return nil, fmt.Errorf("reading the response head after %q: %w", raw.String(), err)
		}
		if raw.Len() > maxResponseHead {
			return nil, fmt.Errorf("response head: %w", errResponseTooLarge)
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			break
		}
		lines = append(lines, line)
	}
	resp := &Response{ToHEAD: toHEAD, RawHead: raw.String(), StatusLine: lines[0]}
	parts := strings.SplitN(lines[0], " ", 3)
	if len(parts) < 2 {
		return nil, fmt.Errorf("%w: status line %q", errMalformedResponse, lines[0])
	}
	status, err := strconv.Atoi(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: status line %q", errMalformedResponse, lines[0])
	}
	resp.Status = status
	for _, l := range lines[1:] {
		if OWSByte.Has(l[0]) && len(resp.Fields) > 0 {
			// obs-fold: read it as a continuation so that CheckResponse can name the violation.
			resp.Fields[len(resp.Fields)-1][1] += " " + strings.Trim(l, " \t")
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%w: field line %q", errMalformedResponse, l)
		}
		resp.Fields = append(resp.Fields, [2]string{name, strings.Trim(value, " \t")})
	}
	if toHEAD || status < 200 || status == 204 || status == 304 {
		return resp, nil
	}
	te, hasTE := resp.Get("Transfer-Encoding")
	cl, hasCL := resp.Get("Content-Length")
	switch {
	case hasTE && strings.EqualFold(te, "chunked"):
		resp.Chunked = true
		resp.Body, resp.Trailers, err = readChunkedBody(br)
	case hasTE:
		return nil, fmt.Errorf("%w: transfer coding %q", errMalformedResponse, te)
	case hasCL:
		n, perr := strconv.Atoi(cl)
		if perr != nil || n < 0 || n > maxResponseBody {
			return nil, fmt.Errorf("%w: Content-Length %q", errMalformedResponse, cl)
		}
		resp.Body = make([]byte, n)
		_, err = io.ReadFull(br, resp.Body)
	default:
		// Delimited by the close of the connection (RFC 9112 §6.3).
		resp.Body, err = io.ReadAll(io.LimitReader(br, maxResponseBody))
	}
	if err != nil {
		return nil, fmt.Errorf("reading the body of a %d response: %w", status, err)
	}
	return resp, nil
}

// readChunkedBody decodes a chunked response body strictly, on its own code, and returns the trailer lines.
func readChunkedBody(br *bufio.Reader) (body []byte, trailers []string, err error) {
	readLine := func() (string, error) {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("chunked response: %w", err)
		}
		if !strings.HasSuffix(line, "\r\n") {
			return "", fmt.Errorf("%w: chunk line %q without CRLF", errMalformedResponse, line)
		}
		return strings.TrimSuffix(line, "\r\n"), nil
	}
	for {
		line, err := readLine()
		if err != nil {
			return nil, nil, err
		}
		size, perr := strconv.ParseInt(line, 16, 64)
		if perr != nil || size < 0 || int64(len(body))+size > maxResponseBody {
			return nil, nil, fmt.Errorf("%w: chunk size line %q", errMalformedResponse, line)
		}
		if size == 0 {
			break
		}
		chunk := make([]byte, size+2)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return nil, nil, fmt.Errorf("chunked response data: %w", err)
		}
		if string(chunk[size:]) != "\r\n" {
			return nil, nil, fmt.Errorf("%w: chunk data not followed by CRLF", errMalformedResponse)
		}
		body = append(body, chunk[:size]...)
	}
	for {
		line, err := readLine()
		if err != nil {
			return nil, nil, err
		}
		if line == "" {
			return body, trailers, nil
		}
		trailers = append(trailers, line)
	}
}

// imfFixdate is the layout of IMF-fixdate (RFC 9110 §5.6.7).
const imfFixdate = "Mon, 02 Jan 2006 15:04:05 GMT"

// CheckResponse checks a response against the rules every response of an origin server must follow. Each
// violation names the requirement row it breaks. toHTTP10 says the request was HTTP/1.0.
func CheckResponse(resp *Response, toHTTP10 bool) []error {
	var errs []error
	fail := func(row, format string, args ...any) {
		errs = append(errs, fmt.Errorf("violates %s: %s", row, fmt.Sprintf(format, args...)))
	}
	if !strings.HasPrefix(resp.StatusLine, "HTTP/1.1 ") {
		fail("9110-6.2-no-unconformant-version", "status line %q is not HTTP/1.1", resp.StatusLine)
	}
	if len(resp.StatusLine) < len("HTTP/1.1 200 ") || resp.StatusLine[len("HTTP/1.1 200")] != ' ' ||
		!Digit.Has(resp.StatusLine[9]) || !Digit.Has(resp.StatusLine[10]) || !Digit.Has(resp.StatusLine[11]) {
		fail("9112-4-reason-sp", "status line %q is not HTTP-version SP 3DIGIT SP reason", resp.StatusLine)
	}
	for i := 0; i < len(resp.RawHead); i++ {
		c := resp.RawHead[i]
		if c == '\r' && (i+1 == len(resp.RawHead) || resp.RawHead[i+1] != '\n') || c == '\n' && (i == 0 || resp.RawHead[i-1] != '\r') {
			fail("9112-2.2-sender-bare-cr", "CR or LF outside a CRLF at offset %d of %q", i, resp.RawHead)
			break
		}
	}
	lines := strings.Split(strings.TrimSuffix(resp.RawHead, "\r\n\r\n"), "\r\n")
	seen := map[string]bool{}
	for i, line := range lines[1:] {
		if line != "" && OWSByte.Has(line[0]) {
			if i == 0 {
				fail("9112-2.2-sender-ws-after-start-line", "whitespace before the first field line %q", line)
			} else {
				fail("9112-5.2-sender-no-fold", "folded line %q", line)
			}
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		if !isTokenString(name) || !validFieldValueString(value) {
			errs = append(errs, fmt.Errorf("field line %q is not field-name \":\" OWS field-value OWS (RFC 9112 §5)", line))
		}
		lower := strings.ToLower(name)
		if seen[lower] && lower != "set-cookie" {
			fail("9110-5.3-sender-repeat-fields", "field %q sent twice", name)
		}
		seen[lower] = true
	}
	_, hasTE := resp.Get("Transfer-Encoding")
	_, hasCL := resp.Get("Content-Length")
	if hasTE && hasCL {
		fail("9112-6.2-no-cl-with-te", "both Content-Length and Transfer-Encoding")
	}
	if resp.Status < 200 || resp.Status == 204 {
		if hasTE {
			fail("9112-6.1-no-te-1xx-204", "Transfer-Encoding in a %d response", resp.Status)
		}
		if hasCL {
			fail("9110-8.6-no-cl-1xx-204", "Content-Length in a %d response", resp.Status)
		}
	}
	if hasTE && toHTTP10 {
		fail("9112-6.1-te-http11-only", "Transfer-Encoding in a response to HTTP/1.0")
	}
	if carriesContent := resp.Status >= 200 && resp.Status != 204 && resp.Status != 304 && !resp.ToHEAD; carriesContent && !hasTE && !hasCL && !toHTTP10 {
		fail("9112-6.3-length-delimited", "a %d response delimited by closing the connection", resp.Status)
	}
	if date, ok := resp.Get("Date"); !ok && resp.Status >= 200 {
		fail("9110-6.6.1-date", "%d response without Date", resp.Status)
	} else if ok {
		checkIMFFixdate(fail, "Date", date)
	}
	if lm, ok := resp.Get("Last-Modified"); ok {
		checkIMFFixdate(fail, "Last-Modified", lm)
	}
	if server, ok := resp.Get("Server"); ok && strings.ContainsAny(server, "/0123456789") {
		fail("9110-10.2.4-server-detail", "Server %q carries version detail", server)
	}
	for _, name := range []string{"Allow", "Connection"} {
		if v, ok := resp.Get(name); ok && (len(listElements(v)) != len(strings.Split(v, ",")) || v == "") {
			fail("9110-5.6.1-sender-empty-elements", "%s %q has an empty element", name, v)
		}
	}
	if len(resp.Trailers) > 0 {
		fail("9110-6.5.1-sender-trailers", "trailer fields %q", resp.Trailers)
	}
	return errs
}

func checkIMFFixdate(fail func(row, format string, args ...any), name, value string) {
	t, err := time.Parse(imfFixdate, value)
	if err != nil || t.UTC().Format(imfFixdate) != value {
		fail("9110-5.6.7-imf-fixdate", "%s %q is not an IMF-fixdate", name, value)
	}
}

func isTokenString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !TChar.Has(s[i]) {
			return false
		}
	}
	return true
}

func validFieldValueString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !FieldValueByte.Has(s[i]) {
			return false
		}
	}
	return true
}

// Timeouts of the live clients: generous, since the machine may be busy; a healthy exchange takes
// milliseconds.
const (
	dialTimeout     = 2 * time.Second
	exchangeTimeout = 10 * time.Second
	closeWait       = 5 * time.Second
)

// WireConn is a raw client connection to a live server.
type WireConn struct {
	net.Conn
	Reader *bufio.Reader
}

// Dial connects to addr with the exchange deadline set.
func Dial(addr string) (*WireConn, error) {
	c, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, fmt.Errorf("dialing %s: %w", addr, err)
	}
	if err := c.SetDeadline(time.Now().Add(exchangeTimeout)); err != nil {
		c.Close()
		return nil, fmt.Errorf("setting a deadline: %w", err)
	}
	return &WireConn{Conn: c, Reader: bufio.NewReader(c)}, nil
}

var (
	errStillOpen  = errors.New("the server kept the connection open")
	errExtraBytes = errors.New("the server sent more after the response it should have closed on")
)

// ExpectClosed waits for the server to close the connection, and fails if anything more arrives first: after
// a close, no further request may be answered (RFC 9112 §9.6).
func (c *WireConn) ExpectClosed() error {
	if err := c.SetReadDeadline(time.Now().Add(closeWait)); err != nil {
		return fmt.Errorf("setting a deadline: %w", err)
	}
	extra, err := io.ReadAll(c.Reader)
	var ne net.Error
	switch {
	case len(extra) > 0:
		return fmt.Errorf("%w: %q", errExtraBytes, truncate(extra))
	case errors.As(err, &ne) && ne.Timeout():
		return errStillOpen
	}
	// EOF, or a reset after the server's lingering close: either way the connection is gone.
	return nil
}
