package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// malformedCase is a request the server must refuse with status. closes marks refusals after which nothing on
// the connection can be trusted (framing errors): the server must close. The others leave the connection
// usable, which the client proves with a second, valid request on it.
type malformedCase struct {
	name   string
	raw    string
	status int
	closes bool
}

const multipartType = "Content-Type: multipart/form-data; boundary=xyz\r\n"

// malformedCases: framing that smuggling relies on, head limits, and paths that try to leave their route.
var malformedCases = []malformedCase{
	// Line and field syntax (RFC 9112 §2.2, §5).
	{"bare LF line ends", "GET / HTTP/1.1\nHost: localhost\n\n", 400, true},
	{"bare CR", "GET / HTTP/1.1\rHost: localhost\r\n\r\n", 400, true},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n", 400, true},
	{"space before colon", "GET / HTTP/1.1\r\nHost : localhost\r\n\r\n", 400, true},
	{"control byte in field", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\x01b\r\n\r\n", 400, true},
	{"NUL in field", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\n\r\n", 400, true},
	{"method not a token", "G(T / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, true},
	{"control byte in target", "GET /a\x0bb HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, true},
	{"asterisk-form with GET", "GET * HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, true},
	{"HTTP/0.9 request", "GET /\r\n\r\n", 400, true},
	{"malformed version", "GET / HTTP/1.10\r\nHost: localhost\r\n\r\n", 400, true},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: localhost\r\n\r\n", 505, true},
	{"too many empty lines first", strings.Repeat("\r\n", 9) + "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, true},
	// Host (RFC 9112 §3.2).
	{"missing Host", "GET / HTTP/1.1\r\n\r\n", 400, true},
	{"duplicate Host", "GET / HTTP/1.1\r\nHost: localhost\r\nHost: other\r\n\r\n", 400, true},
	{"Host with userinfo", "GET / HTTP/1.1\r\nHost: user@localhost\r\n\r\n", 400, true},
	{"Host with non-numeric port", "GET / HTTP/1.1\r\nHost: localhost:http\r\n\r\n", 400, true},
	// Message framing (RFC 9112 §6): the request smuggling vectors.
	{"Content-Length and Transfer-Encoding", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true},
	{"conflicting Content-Length", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, true},
	{"negative Content-Length", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Content-Length: -1\r\n\r\n", 400, true},
	{"signed Content-Length", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Content-Length: +5\r\n\r\nhello", 400, true},
	{"chunked twice", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true},
	{"chunked not last", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, true},
	{"Transfer-Encoding in HTTP/1.0", "POST /upload/ HTTP/1.0\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true},
	{"space before colon of Transfer-Encoding", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, true},
	// Without chunked last the body length is unknowable: 400 is a MUST (RFC 9112 §6.3), even for a coding the
	// server merely lacks. 501 is for an unknown coding under a final chunked (RFC 9112 §6.1).
	{"coding without chunked", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: gzip\r\n\r\n", 400, true},
	{"lookalike of chunked", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: xchunked\r\n\r\n", 400, true},
	{"unknown coding before chunked", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, true},
	{"chunk size not hex", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, true},
	{"chunk size overflow", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: chunked\r\n\r\n11111111111111111\r\n", 400, true},
	{"chunk line with bare LF", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\n" + multipartType + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400, true},
	{"body over the route limit", fmt.Sprintf("POST /upload/ HTTP/1.1\r\nHost: localhost\r\n"+multipartType+"Content-Length: %d\r\n\r\n", uploadMaxBody+1), 413, true},
	{"unsupported expectation", "GET / HTTP/1.1\r\nHost: localhost\r\nExpect: 200-ok\r\n\r\n", 417, true},
	// Head limits (h1.DefaultLimits).
	{"request line over 8 KiB", "GET /" + strings.Repeat("a", 8<<10) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, true},
	{"header block over 32 KiB", "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + strings.Repeat("a", 32<<10) + "\r\n\r\n", 431, true},
	{"over 100 fields", "GET / HTTP/1.1\r\nHost: localhost\r\n" + manyFields(101) + "\r\n", 431, true},
	// Paths and methods: refused, but the framing is sound, so the connection stays usable.
	{"encoded slash", "GET /static/a%2fb HTTP/1.1\r\nHost: localhost\r\n\r\n", 403, false},
	{"dot-segments above the root", "GET /static/../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n", 403, false},
	{"encoded dot-segments above the root", "GET /static/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n", 403, false},
	{"encoded NUL in path", "GET /static/f-612.bin%00.txt HTTP/1.1\r\nHost: localhost\r\n\r\n", 403, false},
	{"backslash in path", "GET /static/..\\..\\etc\\passwd HTTP/1.1\r\nHost: localhost\r\n\r\n", 403, false},
	{"malformed percent-escape", "GET /static/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, false},
	{"hidden file", "GET /static/" + hiddenFile + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, false},
	{"unknown method", "BREW / HTTP/1.1\r\nHost: localhost\r\n\r\n", 501, false},
	{"method not allowed", "PUT /static/f-612.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", 405, false},
	{"CONNECT", "CONNECT localhost:80 HTTP/1.1\r\nHost: localhost:80\r\n\r\n", 405, false},
	{"DELETE escaping the upload route", "DELETE /upload/%2e%2e/static/f-612.bin HTTP/1.1\r\nHost: localhost\r\n\r\n", 405, false},
	{"DELETE the upload directory", "DELETE /upload/ HTTP/1.1\r\nHost: localhost\r\n\r\n", 403, false},
	{"upload that is not a form", "POST /upload/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 415, false},
	{"script without execute permission", "GET /cgi/" + scriptForbidden + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 403, false},
}

func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "X-F%d: v\r\n", i)
	}
	return b.String()
}

// followUp is the valid request sent after a refusal that must leave the connection usable.
const followUp = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

// judgeRejection reads the answer to c from br: the status must be c.status and, when c.closes, the answer must
// say Connection: close and be followed by the end of the connection. The caller bounds the reads with a
// deadline.
func judgeRejection(br *bufio.Reader, c malformedCase) error {
	method := http.MethodGet
	if strings.HasPrefix(c.raw, "HEAD ") {
		method = http.MethodHead
	}
	resp, _, err := readResponse(br, method)
	if err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	if resp.StatusCode != c.status {
		return fmt.Errorf("%w: %s: status %d, want %d", errWrongAnswer, c.name, resp.StatusCode, c.status)
	}
	if resp.Close != c.closes {
		return fmt.Errorf("%w: %s: Connection: close is %v, want %v", errWrongAnswer, c.name, resp.Close, c.closes)
	}
	if !c.closes {
		return nil
	}
	n, err := br.Read(make([]byte, 1))
	switch {
	case n > 0:
		return fmt.Errorf("%w: %s: bytes after the refusal", errWrongAnswer, c.name)
	case isClosed(err):
		return nil
	}
	return fmt.Errorf("%w: %s: connection not closed after the refusal: %w", errWrongAnswer, c.name, err)
}

// malformed sends every case in turn, each on its own connection.
func (h *hostile) malformed(id int) {
	const kind = "hostile malformed"
	for i := id; h.pause(hostilePause); i++ {
		c := malformedCases[i%len(malformedCases)]
		start := time.Now()
		err := h.sendMalformed(c)
		if h.stopped() {
			return
		}
		h.judge(kind, start, "", err)
	}
}

func (h *hostile) sendMalformed(c malformedCase) error {
	conn, done, err := h.dialHostile(0)
	if err != nil {
		return err
	}
	defer done()
	// A refusal is sent at once, and the lingering close that follows it is short.
	if err := conn.SetDeadline(time.Now().Add(rejectionTimeout + serverLingerSecs*time.Second)); err != nil {
		return fmt.Errorf("setting deadline: %w", err)
	}
	if _, err := conn.Write([]byte(c.raw)); err != nil && !isReset(err) {
		return fmt.Errorf("%s: writing: %w", c.name, err)
	}
	br := bufio.NewReader(conn)
	if err := judgeRejection(br, c); err != nil || c.closes {
		return err
	}
	if _, err := conn.Write([]byte(followUp)); err != nil {
		return fmt.Errorf("%s: writing the follow-up request: %w", c.name, err)
	}
	resp, body, err := readResponse(br, http.MethodGet)
	if err != nil {
		return fmt.Errorf("%s: follow-up request: %w", c.name, err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, []byte(indexBody)) {
		return fmt.Errorf("%w: %s: follow-up GET / answered %d %q", errWrongAnswer, c.name, resp.StatusCode, truncateForMessage(body))
	}
	return nil
}
