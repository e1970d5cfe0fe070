package fuzz

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ferrous/internal/chunked"
	"ferrous/internal/h1"
)

// stdConn is a connection's bytes as net/http reads them, with the offset of the next unread byte.
type stdConn struct {
	size int
	src  *bytes.Reader
	br   *bufio.Reader
}

func newStdConn(wire []byte) *stdConn {
	src := bytes.NewReader(wire)
	return &stdConn{size: len(wire), src: src, br: bufio.NewReader(src)}
}

func (c *stdConn) offset() int { return c.size - c.src.Len() - c.br.Buffered() }

// exchange is one request of a connection as both parsers see it: the head, and once both accepted the head,
// the body.
type exchange struct {
	wire []byte // from the first byte of this request to the end of the input

	ours         headOutcome
	oursVerdict  verdict
	theirs       *http.Request
	theirErr     error
	theirVerdict verdict
	theirHeadEnd int // offset in wire where net/http's head ended, once accepted

	// mismatch names what differs between two accepted heads, or is "" when they agree.
	mismatch string
}

// stdVerdict sorts a net/http error: ReadRequest turns an input that ends inside the head into
// io.ErrUnexpectedEOF, and the body reader does the same, except for a trailer that stops early.
func stdVerdict(err error) verdict {
	switch {
	case err == nil:
		return accepted
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), err.Error() == "http: unexpected EOF reading trailer":
		return truncated
	}
	return rejected
}

// requestDifference is a documented, deliberate way in which ferrous's request parser and net/http.ReadRequest
// may judge the same head differently. example must show it; TestRequestDifferences replays every example.
type requestDifference struct {
	name    string
	why     string
	example string
	applies func(x *exchange) bool
}

// oursRejects returns a predicate for a rule that ferrous enforces and ReadRequest does not: ferrous answered
// with one of errs and cause finds the reason in the head as net/http read it. Checking the cause independently
// keeps a difference from hiding a bug behind the same error (a valid Host refused as invalid, say).
func oursRejects(cause func(h stdHead) bool, errs ...*h1.Error) func(x *exchange) bool {
	return func(x *exchange) bool {
		return x.oursVerdict == rejected && x.theirVerdict == accepted && slices.Contains(errs, x.ours.err) &&
			cause(newStdHead(x))
	}
}

// theirsRejects returns a predicate for a head ferrous accepts and ReadRequest refuses, where the refusal is
// caused by what cause finds in the head ferrous parsed.
func theirsRejects(cause func(h headSnapshot, x *exchange) bool) func(x *exchange) bool {
	return func(x *exchange) bool {
		return x.oursVerdict == accepted && x.theirVerdict == rejected && cause(x.ours.head, x)
	}
}

// stdHead is a head that ReadRequest accepted, as raw lines: how the differences find their causes without
// trusting ferrous's verdict.
type stdHead struct {
	req *http.Request
	raw string // the head's bytes, final empty line included
	// lines are the request line and the field lines as textproto split them: at each LF, with any CR before
	// it still attached, leading empty lines excluded, the final empty line excluded.
	lines []string
}

func newStdHead(x *exchange) stdHead {
	h := stdHead{req: x.theirs, raw: string(x.wire[:x.theirHeadEnd])}
	for line := range strings.SplitSeq(h.raw, "\n") {
		if strings.TrimSuffix(line, "\r") == "" {
			if len(h.lines) > 0 {
				break
			}
			continue
		}
		h.lines = append(h.lines, line)
	}
	return h
}

// fieldLines returns the field lines, without the request line.
func (h stdHead) fieldLines() []string {
	if len(h.lines) == 0 {
		return nil
	}
	return h.lines[1:]
}

// values returns the values of the field lines named name (ASCII case-insensitive, no whitespace around the
// name), OWS trimmed.
func (h stdHead) values(name string) []string {
	var values []string
	for _, line := range h.fieldLines() {
		if n, v, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":"); ok && strings.EqualFold(n, name) {
			values = append(values, strings.Trim(v, " \t"))
		}
	}
	return values
}

// elements splits a comma-separated list (RFC 9110 §5.6.1) into its non-empty, OWS-trimmed elements.
func elements(values []string) []string {
	var elems []string
	for _, v := range values {
		for e := range strings.SplitSeq(v, ",") {
			if e = strings.Trim(e, " \t"); e != "" {
				elems = append(elems, e)
			}
		}
	}
	return elems
}

// tokenRe is token = 1*tchar (RFC 9110 §5.6.2).
var tokenRe = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")

var (
	// regNameRe is reg-name (RFC 3986 §3.2.2); an IPv4 address is a reg-name too.
	regNameRe = regexp.MustCompile(`^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$`)
	// ipvFutureRe is IPvFuture (RFC 3986 §3.2.2).
	ipvFutureRe = regexp.MustCompile(`^[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$`)
	portRe      = regexp.MustCompile(`^[0-9]{1,5}$`)
)

// rfcAuthority checks uri-host [":" port] the way RFC 3986 §3.2.2 and §3.2.3 define it, with net/netip judging
// IPv6 literals: an independent implementation of the rule ferrous applies to Host, absolute-form and
// authority-form. It agrees with ferrous's documented tightenings: no userinfo, no zone identifier, no empty
// port, and a port no greater than 65535.
func rfcAuthority(a string, needHost, needPort bool) bool {
	host, port, hasPort := a, "", false
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return false
		}
		literal := a[1:end]
		if ip, err := netip.ParseAddr(literal); (err != nil || !ip.Is6() || ip.Zone() != "") && !ipvFutureRe.MatchString(literal) {
			return false
		}
		host = a[:end+1]
		if rest := a[end+1:]; rest != "" {
			if rest[0] != ':' {
				return false
			}
			port, hasPort = rest[1:], true
		}
	} else {
		host, port, hasPort = strings.Cut(a, ":")
		if !regNameRe.MatchString(host) {
			return false
		}
	}
	if hasPort {
		if n, err := strconv.Atoi(port); !portRe.MatchString(port) || err != nil || n > 65535 {
			return false
		}
	}
	if host == "" && (needHost || hasPort) {
		return false
	}
	return hasPort || !needPort
}

// visibleASCII reports whether s holds only 0x21-0x7E, the bytes a request-target may contain.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// absoluteAuthority returns the authority of an http or https absolute-form target.
func absoluteAuthority(target string) (string, bool) {
	lower := strings.ToLower(target)
	for _, scheme := range []string{"http://", "https://"} {
		if strings.HasPrefix(lower, scheme) {
			rest := target[len(scheme):]
			if end := strings.IndexAny(rest, "/?"); end >= 0 {
				rest = rest[:end]
			}
			return rest, true
		}
	}
	return "", false
}

// requestDifferences is the complete list of allowed differences between ferrous's request parser and
// net/http.ReadRequest. FuzzRequestDifferential fails on any disagreement none of them explains.
var requestDifferences = append(requestVerdictDifferences, requestMismatches...)

// requestVerdictDifferences are the heads one side accepts and the other refuses.
var requestVerdictDifferences = []requestDifference{
	// Rules ferrous enforces while parsing and ReadRequest does not.
	{
		name:    "bare LF line ending",
		why:     "RFC 9112 §2.2 lets a recipient accept a bare LF, and textproto does; ferrous refuses it, since a hop that does not would see different lines",
		example: "GET / HTTP/1.1\nHost: h\n\n",
		applies: oursRejects(func(h stdHead) bool {
			return strings.Count(h.raw, "\n") != strings.Count(h.raw, "\r\n")
		}, h1.ErrBareLF),
	},
	{
		name:    "obs-fold",
		why:     "textproto unfolds continuation lines; RFC 9112 §5.2 lets a server reject them with 400, which ferrous does",
		example: "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return slices.ContainsFunc(h.fieldLines(), func(l string) bool { return l[0] == ' ' || l[0] == '\t' })
		}, h1.ErrObsFold),
	},
	{
		name:    "Content-Length with Transfer-Encoding",
		why:     "net/http drops Content-Length and frames by chunked (RFC 9112 §6.3 rule 3); ferrous rejects the message outright, as §6.1 allows, because it is the CL.TE/TE.CL smuggling vector",
		example: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return len(h.values("Content-Length")) > 0 && slices.Equal(h.req.TransferEncoding, []string{"chunked"})
		}, h1.ErrCLAndTE),
	},
	{
		name:    "Transfer-Encoding in HTTP/1.0",
		why:     "net/http ignores Transfer-Encoding in an HTTP/1.0 request, however malformed, and frames by Content-Length; RFC 9112 §6.1 says such a message has faulty framing, so ferrous rejects it (as malformed first, if it is)",
		example: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello",
		applies: oursRejects(func(h stdHead) bool {
			return h.req.ProtoMajor == 1 && h.req.ProtoMinor == 0 && len(h.values("Transfer-Encoding")) > 0
		}, h1.ErrTEInHTTP10, h1.ErrBadTE),
	},
	{
		name:    "invalid Host",
		why:     "ReadRequest does not look at the Host value (net/http's server checks it afterwards, more leniently); ferrous requires uri-host [\":\" port] (RFC 9112 §3.2), which rules out userinfo, whitespace and non-numeric ports",
		example: "GET / HTTP/1.1\r\nHost: user@evil.example\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			hosts := h.values("Host")
			return len(hosts) == 1 && !rfcAuthority(hosts[0], false, false)
		}, h1.ErrBadHost),
	},
	{
		name:    "missing Host",
		why:     "ReadRequest accepts an HTTP/1.1 request without Host (net/http's server rejects it afterwards); ferrous rejects it while parsing (RFC 9112 §3.2)",
		example: "GET / HTTP/1.1\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return h.req.ProtoAtLeast(1, 1) && len(h.values("Host")) == 0
		}, h1.ErrMissingHost),
	},
	{
		name:    "whitespace in a field name",
		why:     "textproto accepts a field name containing spaces, before the colon or inside, and keeps it uncanonicalised (so \"Transfer-Encoding : chunked\" is not a Transfer-Encoding); RFC 9112 §5.1 requires 400, which ferrous sends",
		example: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return slices.ContainsFunc(h.fieldLines(), func(l string) bool {
				name, _, _ := strings.Cut(l, ":")
				return strings.Contains(name, " ")
			})
		}, h1.ErrSpaceBeforeColon, h1.ErrBadFieldName),
	},
	{
		name:    "unsupported expectation",
		why:     "ReadRequest leaves Expect to the server, which answers 417 later; ferrous answers 417 when parsing (RFC 9110 §10.1.1)",
		example: "GET / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return slices.ContainsFunc(elements(h.values("Expect")), func(e string) bool { return !strings.EqualFold(e, "100-continue") })
		}, h1.ErrExpectation),
	},
	{
		name:    "Connection option not a token",
		why:     "ReadRequest only searches Connection for close and keep-alive; ferrous requires every option to be a token (RFC 9110 §7.6.1)",
		example: "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, \"x\"\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return slices.ContainsFunc(elements(h.values("Connection")), func(e string) bool { return !tokenRe.MatchString(e) })
		}, h1.ErrBadConnection),
	},
	{
		name:    "HTTP version other than 1.x",
		why:     "ReadRequest parses any HTTP/d.d and leaves the version to its caller; ferrous answers 505 to a major version other than 1",
		example: "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool { return h.req.ProtoMajor != 1 }, h1.ErrVersionNotSupported),
	},
	{
		name:    "head size limits",
		why:     "ReadRequest has no limits of its own (net/http's server wraps it in a 1 MB reader); ferrous answers 414 above 8 KiB of request line and 431 above 32 KiB or 100 fields",
		example: "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X: y\r\n", 100) + "\r\n",
		applies: oursRejects(func(h stdHead) bool {
			limits := h1.DefaultLimits()
			fieldBytes := 0
			for _, l := range h.fieldLines() {
				fieldBytes += len(l) + len("\n")
			}
			return len(strings.TrimSuffix(h.lines[0], "\r")) > limits.MaxRequestLine ||
				len(h.fieldLines()) > limits.MaxHeaderFields || fieldBytes > limits.MaxHeaderBytes
		}, h1.ErrURITooLong, h1.ErrHeaderTooLarge, h1.ErrTooManyFields),
	},
	{
		name:    "request-target form",
		why:     "net/url accepts any URI reference shape for any method; ferrous accepts only the four forms of RFC 9112 §3.2, each only where allowed (origin-form, http(s) absolute-form, authority-form for CONNECT, asterisk-form for OPTIONS), and only visible ASCII",
		example: "GET * HTTP/1.1\r\nHost: h\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			target, method := h.req.RequestURI, h.req.Method
			_, absolute := absoluteAuthority(target)
			switch {
			case !visibleASCII(target), method == "CONNECT":
				return !visibleASCII(target) || !rfcAuthority(target, true, true)
			case target == "*":
				return method != "OPTIONS"
			}
			return !strings.HasPrefix(target, "/") && !absolute
		}, h1.ErrBadTarget, h1.ErrAsteriskForm, h1.ErrAuthorityForm),
	},
	{
		name:    "invalid absolute-form authority",
		why:     "net/url is lenient about the authority of an absolute URI (it takes userinfo, an empty port, a zone identifier); ferrous requires uri-host [\":\" port] with a host (RFC 9110 §4.2.1), as for Host",
		example: "GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			authority, ok := absoluteAuthority(h.req.RequestURI)
			return ok && !rfcAuthority(authority, true, false)
		}, h1.ErrBadTargetAuthority),
	},
	{
		name:    "CONNECT with an empty request-target",
		why:     "net/http reads a CONNECT target as \"http://\" + target, which net/url accepts when empty; ferrous requires host \":\" port (RFC 9112 §3.2.3) and exactly one SP on each side of the target",
		example: "CONNECT  HTTP/1.1\r\nHost: h\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return h.req.Method == "CONNECT" && h.req.RequestURI == ""
		}, h1.ErrBadRequestLine),
	},
	{
		name:    "Content-Length above 18 digits",
		why:     "net/http accepts any value that fits int64; ferrous caps the digits at 18 so the value cannot overflow (no body that large can be sent anyway)",
		example: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n",
		applies: oursRejects(func(h stdHead) bool {
			return slices.ContainsFunc(h.values("Content-Length"), func(v string) bool { return len(v) > 18 })
		}, h1.ErrBadContentLength),
	},

	// Heads ferrous accepts and ReadRequest refuses.
	{
		name:    "leading empty lines",
		why:     "RFC 9112 §2.2 lets a server ignore empty lines before a request line (some clients send a CRLF after a POST body); ferrous skips up to 8, ReadRequest takes the empty line for a malformed request line",
		example: "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
		applies: theirsRejects(func(_ headSnapshot, x *exchange) bool { return bytes.HasPrefix(x.wire, []byte("\r\n")) }),
	},
	{
		name:    "equal Content-Length values spelled differently",
		why:     "RFC 9112 §6.3 lets a recipient accept a list or repetition of one value; ferrous compares the numbers (\"5, 5\", \"5\" and \"05\"), net/http compares the strings and rejects a list",
		example: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc",
		applies: theirsRejects(func(h headSnapshot, _ *exchange) bool {
			values := fieldValues(h, "Content-Length")
			return len(values) > 1 || strings.Contains(strings.Join(values, ""), ",")
		}),
	},
	{
		name:    "request-target not a valid URL for net/url",
		why:     "the parser only checks the target's bytes and form; percent-decoding and path validation belong to routing (a malformed escape is 400 there), while ReadRequest parses the target with net/url at once, which also refuses IPvFuture literals and ASCII percent-escapes in a host",
		example: "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",
		applies: theirsRejects(func(h headSnapshot, _ *exchange) bool {
			target := h.Target
			if h.Method == "CONNECT" {
				target = "http://" + target
			}
			_, err := url.ParseRequestURI(target)
			return err != nil
		}),
	},
	{
		name:    "list elements in Transfer-Encoding",
		why:     "RFC 9110 §5.6.1 makes recipients skip empty list elements, so ferrous frames \"chunked, \" and a second, empty Transfer-Encoding line as chunked; net/http accepts only a single field that is exactly \"chunked\"",
		example: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n",
		applies: theirsRejects(func(h headSnapshot, _ *exchange) bool {
			values := fieldValues(h, "Transfer-Encoding")
			return h.Chunked && (len(values) != 1 || !strings.EqualFold(values[0], "chunked"))
		}),
	},
	{
		name:    "Trailer naming a framing field",
		why:     "net/http rejects a Trailer declaration that names Content-Length, Transfer-Encoding or Trailer; ferrous validates and discards trailer fields, so a declaration cannot change framing",
		example: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n",
		applies: theirsRejects(func(h headSnapshot, _ *exchange) bool {
			for _, v := range fieldValues(h, "Trailer") {
				for name := range strings.SplitSeq(v, ",") {
					switch http.CanonicalHeaderKey(strings.TrimSpace(name)) {
					case "Content-Length", "Transfer-Encoding", "Trailer":
						return true
					}
				}
			}
			return false
		}),
	},
}

// Heads both accept but report differently.
var requestMismatches = []requestDifference{
	{
		name:    "percent-encoded absolute-form host",
		why:     "net/url decodes percent-escapes in the authority of an absolute-form target (it allows them only for non-ASCII bytes); ferrous reports the authority as sent, as it does the Host field, and matches virtual hosts on that",
		example: "GET http://caf%C3%A9.example/ HTTP/1.1\r\nHost: x\r\n\r\n",
		applies: func(x *exchange) bool {
			decoded, err := url.PathUnescape(x.ours.head.Host)
			return strings.HasPrefix(x.mismatch, "host ") && x.ours.head.Form == h1.FormAbsolute && err == nil && decoded == x.theirs.Host
		},
	},
	{
		name:    "Host of a CONNECT request",
		why:     "net/http takes an authority-form target for the Host; ferrous reports the Host field, since the CONNECT target names the tunnel's far end, not a virtual host of this server (ferrous serves no CONNECT)",
		example: "CONNECT example.com:443 HTTP/1.1\r\nHost: proxy.local\r\n\r\n",
		applies: func(x *exchange) bool {
			return strings.HasPrefix(x.mismatch, "host ") && x.ours.head.Form == h1.FormAuthority && x.theirs.Host == x.ours.head.Target
		},
	},
}

// fieldValues returns the values of every field named name in h, in order.
func fieldValues(h headSnapshot, name string) []string {
	var values []string
	for _, f := range h.Fields {
		if strings.EqualFold(f.Name, name) {
			values = append(values, f.Value)
		}
	}
	return values
}

// nameOf quotes a difference's name for a failure message.
func nameOf(d *requestDifference) string {
	if d == nil {
		return "no documented difference"
	}
	return strconv.Quote(d.name)
}

// explain returns the first documented difference that accounts for the exchange, or nil.
func (x *exchange) explain() *requestDifference {
	for i := range requestDifferences {
		if requestDifferences[i].applies(x) {
			return &requestDifferences[i]
		}
	}
	return nil
}

// describeOurs is ferrous's side of the exchange for a failure message.
func (x *exchange) describeOurs() string {
	switch x.oursVerdict {
	case accepted:
		return "accepted " + abbrev(serializeHead(x.ours.head)) + fmt.Sprintf(" %+v", x.ours.head)
	case rejected:
		return "rejected: " + x.ours.err.Error()
	}
	return "truncated"
}

// readHeads parses the next head of the connection with both parsers.
func readHeads(t testing.TB, wire []byte, conn *stdConn) *exchange {
	x := &exchange{wire: wire}
	x.ours = feedHead(t, h1.NewParser(h1.Limits{}), [][]byte{wire})
	switch {
	case x.ours.done:
		x.oursVerdict = accepted
	case x.ours.err != nil:
		x.oursVerdict = rejected
	default:
		x.oursVerdict = truncated
	}
	start := conn.offset()
	x.theirs, x.theirErr = http.ReadRequest(conn.br)
	x.theirVerdict = stdVerdict(x.theirErr)
	if x.theirVerdict == accepted {
		x.theirHeadEnd = conn.offset() - start
		x.mismatch = compareHeads(x.ours.head, x.ours.consumed, x.theirs, x.theirHeadEnd)
	}
	return x
}

// compareHeads names the first thing two accepted heads disagree on, after undoing what net/http does to a
// head by design: it canonicalises field names, moves Host out of Header, deletes Transfer-Encoding (and
// Trailer, when chunked), merges repeated Content-Length values and adds Cache-Control for "Pragma: no-cache".
func compareHeads(ours headSnapshot, oursEnd int, theirs *http.Request, theirEnd int) string {
	switch {
	case oursEnd != theirEnd:
		return fmt.Sprintf("head length %d vs %d", oursEnd, theirEnd)
	case ours.Method != theirs.Method:
		return "method"
	case ours.Target != theirs.RequestURI:
		return "request-target"
	case ours.Major != theirs.ProtoMajor || ours.Minor != theirs.ProtoMinor:
		return "version"
	case ours.Host != theirs.Host:
		return fmt.Sprintf("host %q vs %q", ours.Host, theirs.Host)
	case ours.KeepAlive == theirs.Close:
		return "persistence"
	case ours.Chunked != slices.Equal(theirs.TransferEncoding, []string{"chunked"}):
		return "chunked"
	}
	wantLength := max(ours.ContentLength, 0)
	if ours.Chunked {
		wantLength = -1
	}
	if wantLength != theirs.ContentLength {
		return fmt.Sprintf("content length %d vs %d", wantLength, theirs.ContentLength)
	}
	want := http.Header{}
	for _, f := range ours.Fields {
		want.Add(f.Name, f.Value)
	}
	for _, name := range []string{"Host", "Transfer-Encoding", "Content-Length"} {
		want.Del(name)
	}
	if ours.Chunked {
		want.Del("Trailer")
	}
	if p := want["Pragma"]; len(p) > 0 && p[0] == "no-cache" && want["Cache-Control"] == nil {
		want["Cache-Control"] = []string{"no-cache"}
	}
	got := theirs.Header.Clone()
	got.Del("Content-Length")
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("fields %q vs %q", want, got)
	}
	return ""
}

// bodyPair is one request body as both sides framed it.
type bodyPair struct {
	ours, theirs               []byte
	oursVerdict, theirVerdict  verdict
	oursConsumed, theirsLength int
	oursErr, theirErr          error
}

func readBodies(t testing.TB, x *exchange, conn *stdConn) bodyPair {
	var b bodyPair
	rest := x.wire[x.ours.consumed:]
	switch {
	case x.ours.head.Chunked:
		r := decodeChunked(t, chunked.NewDecoder(chunked.DefaultLimits()), [][]byte{rest})
		b.ours, b.oursConsumed, b.oursErr = r.payload, r.consumed, r.err
		switch {
		case r.done:
			b.oursVerdict = accepted
		case r.err != nil:
			b.oursVerdict = rejected
		default:
			b.oursVerdict = truncated
		}
	case x.ours.head.ContentLength > int64(len(rest)):
		b.oursVerdict = truncated
	default:
		n := int(max(x.ours.head.ContentLength, 0))
		b.ours, b.oursConsumed = rest[:n], n
	}
	start := conn.offset()
	b.theirs, b.theirErr = io.ReadAll(x.theirs.Body)
	b.theirVerdict = stdVerdict(b.theirErr)
	b.theirsLength = conn.offset() - start
	return b
}

func (b bodyPair) agrees() bool {
	if disagree(b.oursVerdict, b.theirVerdict) {
		return false
	}
	return b.oursVerdict != accepted || bytes.Equal(b.ours, b.theirs) && b.oursConsumed == b.theirsLength
}

// stdTrailerWindow is how much trailer section net/http's body reader will look through for its end: one bufio
// buffer. ferrous allows 8 KiB.
const stdTrailerWindow = 4096

// explainBody accounts for two framings of one chunked body: the chunked decoders' documented differences, or
// net/http's trailer window, which its chunked reader on its own does not have.
func explainBody(t testing.TB, x *exchange, b bodyPair) string {
	if !x.ours.head.Chunked {
		return ""
	}
	body := x.wire[x.ours.consumed:]
	p := newChunkedPair(t, body)
	if d := p.explain(); d != nil {
		return d.name
	}
	if b.oursVerdict != rejected && b.theirVerdict == rejected && p.theirs.trailerStart >= 0 &&
		!bytes.Contains(body[p.theirs.trailerStart:min(len(body), p.theirs.trailerStart+stdTrailerWindow)], []byte("\r\n\r\n")) {
		return "trailer window"
	}
	return ""
}

// FuzzRequestDifferential parses arbitrary bytes as a connection, request after request, with ferrous (the
// head parser, then the chunked decoder or Content-Length for the body) and with net/http.ReadRequest and
// its body reader. Both must accept or refuse each head alike, parse it to the same request, and frame its
// body identically, so that the next request starts at the same byte, unless a documented difference applies.
func FuzzRequestDifferential(f *testing.F) {
	for _, wire := range requestEdgeSeeds {
		f.Add([]byte(wire))
	}
	for _, d := range requestDifferences {
		f.Add([]byte(d.example))
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		conn := newStdConn(wire)
		offset := 0
		for range maxPipelined {
			x := readHeads(t, wire[offset:], conn)
			if x.oursVerdict != accepted || x.theirVerdict != accepted || x.mismatch != "" {
				if (disagree(x.oursVerdict, x.theirVerdict) || x.mismatch != "") && x.explain() == nil {
					t.Fatalf("undocumented difference on request at offset %d %s:\nferrous: %s\nnet/http: %s %v %s",
						offset, abbrev(x.wire), x.describeOurs(), x.theirVerdict, x.theirErr, x.mismatch)
				}
				return
			}
			b := readBodies(t, x, conn)
			if !b.agrees() {
				if explainBody(t, x, b) == "" {
					t.Fatalf("undocumented body framing difference on request at offset %d %s:\nferrous: %s %s consumed %d err %v\nnet/http: %s %s consumed %d err %v",
						offset, abbrev(x.wire), b.oursVerdict, abbrev(b.ours), b.oursConsumed, b.oursErr, b.theirVerdict, abbrev(b.theirs), b.theirsLength, b.theirErr)
				}
				return
			}
			if b.oursVerdict != accepted || !x.ours.head.KeepAlive {
				return
			}
			offset += x.ours.consumed + b.oursConsumed
		}
	})
}

func TestRequestDifferences(t *testing.T) {
	t.Parallel()
	for _, d := range requestDifferences {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			x := readHeads(t, []byte(d.example), newStdConn([]byte(d.example)))
			if !disagree(x.oursVerdict, x.theirVerdict) && x.mismatch == "" {
				t.Fatalf("example %s: both parsers agree (%s)", abbrev([]byte(d.example)), x.oursVerdict)
			}
			if got := x.explain(); got == nil || got.name != d.name {
				t.Fatalf("example %s is explained by %s, want %q", abbrev([]byte(d.example)), nameOf(got), d.name)
			}
		})
	}
}

// TestRequestAgreements pins smuggling probes on which ferrous and ReadRequest agree, with the status ferrous
// answers: the cases that need no documented difference, so that one appearing is noticed.
func TestRequestAgreements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		wire   string
		status int // ferrous's answer; 0 when both accept
	}{
		{name: "gzip alone", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400},
		{name: "gzip then chunked", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501},
		{name: "xchunked", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", status: 400},
		{name: "chunked then identity", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n", status: 400},
		{name: "chunked vertical tab", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\x0b\r\n\r\n", status: 400},
		{name: "two Transfer-Encoding lines", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: cow\r\n\r\n", status: 400},
		{name: "conflicting Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc", status: 400},
		{name: "signed Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", status: 400},
		{name: "duplicate Host", wire: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400},
		{name: "NUL in a field value", wire: "GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n", status: 400},
		{name: "uppercase chunked", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"},
		{name: "duplicate equal Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := readHeads(t, []byte(tt.wire), newStdConn([]byte(tt.wire)))
			wantVerdict := accepted
			if tt.status != 0 {
				wantVerdict = rejected
			}
			if x.oursVerdict != wantVerdict || x.theirVerdict != wantVerdict || x.mismatch != "" {
				t.Fatalf("ferrous %s (%v), net/http %s (%v) %s; want both %s",
					x.oursVerdict, x.ours.err, x.theirVerdict, x.theirErr, x.mismatch, wantVerdict)
			}
			if tt.status != 0 && x.ours.err.Status != tt.status {
				t.Fatalf("ferrous answers %d, want %d", x.ours.err.Status, tt.status)
			}
		})
	}
}

// TestBodyTrailerWindow replays the one body difference that only net/http's body reader has, not its chunked
// reader: a trailer section longer than the reader's buffer, which ferrous accepts up to 8 KiB.
func TestBodyTrailerWindow(t *testing.T) {
	t.Parallel()
	trailer := strings.Repeat("T: "+strings.Repeat("v", 150)+"\r\n", 30)
	wire := []byte("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer + "\r\n")
	conn := newStdConn(wire)
	x := readHeads(t, wire, conn)
	if x.oursVerdict != accepted || x.theirVerdict != accepted || x.mismatch != "" {
		t.Fatalf("heads: ferrous %s, net/http %s %v %s", x.oursVerdict, x.theirVerdict, x.theirErr, x.mismatch)
	}
	b := readBodies(t, x, conn)
	if b.agrees() {
		t.Fatalf("both framed the body alike (%s)", b.oursVerdict)
	}
	if got := explainBody(t, x, b); got != "trailer window" {
		t.Fatalf("explained by %q, want \"trailer window\" (ferrous %s %v, net/http %s %v)", got, b.oursVerdict, b.oursErr, b.theirVerdict, b.theirErr)
	}
}
