package spec

import (
	"fmt"
	"strings"
)

// Keyword is the BCP 14 keyword of a requirement (RFC 2119, RFC 8174). RECOMMENDED is recorded as SHOULD.
type Keyword string

const (
	Must      Keyword = "MUST"
	MustNot   Keyword = "MUST NOT"
	Should    Keyword = "SHOULD"
	ShouldNot Keyword = "SHOULD NOT"
	May       Keyword = "MAY"
)

// Keywords lists the keywords in the order the report uses.
var Keywords = []Keyword{Must, MustNot, Should, ShouldNot, May}

// notApplicablePrefix starts Ferrous for a requirement that binds only clients, proxies, caches or TLS.
const notApplicablePrefix = "not applicable: "

// Requirement is one normative statement of the RFCs that binds a server or a recipient.
type Requirement struct {
	// ID is stable: RFC number, section, and a slug ("9112-2.2-bare-cr").
	ID      string
	RFC     int
	Section string
	Keyword Keyword
	// Says paraphrases the statement.
	Says string
	// Ferrous says what ferrous does; "not applicable: <reason>" when the statement binds no origin server.
	// For a MAY it names the choice made.
	Ferrous string
	// Deviation explains why ferrous does not follow a SHOULD or SHOULD NOT (BCP 14 allows it with a reason).
	Deviation string
	// KnownBug names a bug that a test listed in Tests exposes (that test skips it unless -spec.knownbugs is
	// given). Bugs shown by wire examples are recorded on the examples.
	KnownBug string
	// Tests names the tests that prove the row, as "TestX" or "TestX/sub". The properties, mutations and wire
	// examples that name this row add theirs (see Proofs).
	Tests []string
	Wire  []Wire
}

// NotApplicable reports whether the statement binds no origin server.
func (r Requirement) NotApplicable() bool { return strings.HasPrefix(r.Ferrous, notApplicablePrefix) }

// KnownBugs lists the bugs the row's tests and wire examples expose.
func (r Requirement) KnownBugs() []string {
	var bugs []string
	if r.KnownBug != "" {
		bugs = append(bugs, r.KnownBug)
	}
	for _, w := range r.Wire {
		if w.KnownBug != "" {
			bugs = append(bugs, w.KnownBug)
		}
	}
	return bugs
}

// Proofs lists every test that proves the row: its own Tests, then the wire replay, the properties and the
// mutations generated from the tables that name it.
func (r Requirement) Proofs() []string {
	proofs := append([]string{}, r.Tests...)
	if len(r.Wire) > 0 {
		proofs = append(proofs, wireReplayTest+"/"+r.ID)
	}
	for _, p := range Properties {
		for _, row := range p.Rows {
			if row == r.ID {
				proofs = append(proofs, propertiesTest+"/"+p.Name)
			}
		}
	}
	for _, m := range Mutations {
		if m.Row == r.ID {
			proofs = append(proofs, rejectionsTest+"/"+m.Name)
		}
	}
	return proofs
}

// Names of the table-driven tests whose subtests come from the tables.
const (
	wireReplayTest = "TestWireReplay"
	propertiesTest = "TestProperties"
	rejectionsTest = "TestRejections"
	serverModel    = "TestServerModel"
)

// Tests that check every response ferrous sends against the sender rules (see CheckResponse), and the test
// showing that each of those checks can fail.
var everyResponse = []string{wireReplayTest, serverModel, "TestCheckResponseFlagsSenderErrors"}

// RequirementByID finds a row.
func RequirementByID(id string) (Requirement, bool) {
	for _, r := range Requirements {
		if r.ID == id {
			return r, true
		}
	}
	return Requirement{}, false
}

func na(reason string) string { return notApplicablePrefix + reason }

const (
	clientOnly       = "binds clients and user agents; ferrous only receives requests"
	proxyOnly        = "binds proxies and gateways; ferrous is an origin server"
	intermediaryOnly = "binds intermediaries; ferrous is an origin server and forwards nothing"
	noTLS            = "ferrous does not terminate TLS; a TLS front end carries these duties"
)

// Long inputs of the wire examples.
var (
	// A request line of exactly 8000 octets, the minimum RFC 9112 §3 recommends supporting.
	line8000      = "GET /" + strings.Repeat("a", 8000-len("GET /")-len(" HTTP/1.1")) + " HTTP/1.1"
	overlongLine  = "GET /" + strings.Repeat("a", overlongRequestLine) + " HTTP/1.1"
	manyFields    = strings.Repeat("X-Filler: 1\r\n", tooManyFields)
	oversizeField = "X-Big: " + strings.Repeat("b", oversizedHeader)
)

// Requirements is the table: RFC 9112 §2–§9 in full, and the parts of RFC 9110 (and of RFC 2046/7578 for
// uploads) that a server's message handling needs.
var Requirements = []Requirement{
	// RFC 9112 §2.2 Message Parsing.
	{ID: "9112-2.2-octets", RFC: 9112, Section: "2.2", Keyword: Must,
		Says:    "A recipient parses a message as octets of an ASCII-compatible encoding, not as decoded text.",
		Ferrous: "Byte tables classify every octet; obs-text (0x80-0xFF) in values passes through as opaque octets, never decoded.",
		Tests:   []string{"TestParserOctetsMatchGrammar"},
		Wire:    []Wire{{Name: "obs-text value", Request: head("GET / HTTP/1.1", liveHost, "X-Octets: caf\xc3\xa9 \xff\xfe"), Statuses: []int{200}}}},
	{ID: "9112-2.2-bare-lf", RFC: 9112, Section: "2.2", Keyword: May,
		Says:    "A recipient may accept a lone LF as a line terminator.",
		Ferrous: "Not taken: a line ended by LF alone is refused with 400 and the connection closed, in the head and in chunked framing.",
		Wire: []Wire{
			{Name: "all lines", Request: "GET / HTTP/1.1\nHost: localhost\n\n", Statuses: []int{400}, Close: true},
			{Name: "one field line", Request: "GET / HTTP/1.1\r\nHost: localhost\n\r\n", Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-2.2-sender-bare-cr", RFC: 9112, Section: "2.2", Keyword: MustNot,
		Says:    "A sender generates no CR that is not followed by LF outside the content.",
		Ferrous: "Response heads are built from CRLF-terminated pieces; every response the tests receive is checked for a stray CR or LF.",
		Tests:   everyResponse},
	{ID: "9112-2.2-bare-cr", RFC: 9112, Section: "2.2", Keyword: Must,
		Says:    "A recipient treats an element holding a bare CR as invalid, or replaces each bare CR with SP.",
		Ferrous: "Treats it as invalid: 400 and close, in the request line, in field lines and in chunked framing.",
		Wire: []Wire{
			{Name: "field value", Request: head("GET / HTTP/1.1", liveHost, "X-A: a\rb"), Statuses: []int{400}, Close: true},
			{Name: "request-target", Request: head("GET /a\rb HTTP/1.1", liveHost), Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-2.2-ua-extra-crlf", RFC: 9112, Section: "2.2", Keyword: MustNot,
		Says:    "An HTTP/1.1 user agent sends no extra CRLF before or after a request.",
		Ferrous: na(clientOnly)},
	{ID: "9112-2.2-ua-count-crlf", RFC: 9112, Section: "2.2", Keyword: Must,
		Says:    "A user agent that ends a body with a line ending counts that CRLF in the body length.",
		Ferrous: na(clientOnly)},
	{ID: "9112-2.2-leading-empty-lines", RFC: 9112, Section: "2.2", Keyword: Should,
		Says:    "A server expecting a request-line ignores at least one empty line received before it.",
		Ferrous: "Ignores up to 8 empty lines before a request-line (also between pipelined requests); a 9th is refused with 400, so blank lines cannot hold a connection.",
		Tests:   []string{"TestLeadingEmptyLines"},
		Wire:    []Wire{{Name: "two CRLFs first", Request: "\r\n\r\n" + get("/"), Statuses: []int{200}}}},
	{ID: "9112-2.2-sender-ws-after-start-line", RFC: 9112, Section: "2.2", Keyword: MustNot,
		Says:    "A sender puts no whitespace between the start-line and the first field line.",
		Ferrous: "The status line is followed directly by the Date field; checked on every response.",
		Tests:   everyResponse},
	{ID: "9112-2.2-ws-after-start-line", RFC: 9112, Section: "2.2", Keyword: Must,
		Says:    "A recipient of whitespace between the start-line and the first field rejects the message or ignores the whitespace-led lines.",
		Ferrous: "Rejects: 400 and close.",
		Wire:    []Wire{{Name: "SP before first field", Request: "GET / HTTP/1.1\r\n Host: localhost\r\n\r\n", Statuses: []int{400}, Close: true}}},
	{ID: "9112-2.2-invalid-400", RFC: 9112, Section: "2.2", Keyword: Should,
		Says:    "A server receiving octets that do not match the message grammar answers 400 and closes the connection.",
		Ferrous: "Every head or chunked framing that breaks the grammar gets the parser's status (400 unless a more specific one applies) and the connection is closed.",
		Wire: []Wire{
			{Name: "missing colon", Request: head("GET / HTTP/1.1", liveHost, "X-No-Colon"), Statuses: []int{400}, Close: true},
			{Name: "non-token name", Request: head("GET / HTTP/1.1", liveHost, "Bad(Name): x"), Statuses: []int{400}, Close: true},
			{Name: "bad chunk size", Request: head("POST /files/ HTTP/1.1", liveHost, formContentType, "Transfer-Encoding: chunked") + "0x5\r\nhello\r\n0\r\n\r\n",
				Statuses: []int{400}, Close: true},
		}},

	// RFC 9112 §2.3 HTTP Version.
	{ID: "9112-2.3-intermediary-version", RFC: 9112, Section: "2.3", Keyword: Must,
		Says: "An intermediary that is not a tunnel sends its own HTTP-version in forwarded messages.", Ferrous: na(intermediaryOnly)},
	{ID: "9112-2.3-downgrade", RFC: 9112, Section: "2.3", Keyword: May,
		Says:    "A server may answer an HTTP/1.1 request with HTTP/1.0 when it knows or suspects the client mishandles later versions.",
		Ferrous: "Not taken: every response is HTTP/1.1.",
		Tests:   everyResponse},
	{ID: "9112-2.3-downgrade-trigger", RFC: 9112, Section: "2.3", Keyword: ShouldNot,
		Says:    "Such a downgrade happens only when specific attributes of the client call for it.",
		Ferrous: "Never downgrades; checked on every response.",
		Tests:   everyResponse},

	// RFC 9110 §2.5 and §6.2: protocol version.
	{ID: "9110-2.5-higher-minor", RFC: 9110, Section: "2.5", Keyword: Should,
		Says:    "A recipient handles a message with a known major and a higher minor version as the highest minor version it implements.",
		Ferrous: "HTTP/1.2 to HTTP/1.9 are served as HTTP/1.1: Host required, persistent by default, chunked allowed.",
		Wire:    []Wire{{Name: "HTTP/1.7", Request: head("GET / HTTP/1.7", liveHost), Statuses: []int{200}}}},
	{ID: "9110-6.2-response-version", RFC: 9110, Section: "6.2", Keyword: Should,
		Says:    "A server answers with the highest version it conforms to whose major is not above the request's.",
		Ferrous: "Every status line says HTTP/1.1, also to HTTP/1.0 requests; checked on every response.",
		Tests:   everyResponse,
		Wire:    []Wire{{Name: "HTTP/1.0 request", Request: "GET / HTTP/1.0\r\n\r\n", Statuses: []int{200}, Close: true}}},
	{ID: "9110-6.2-no-unconformant-version", RFC: 9110, Section: "6.2", Keyword: MustNot,
		Says:    "A server sends no version it does not conform to.",
		Ferrous: "Only HTTP/1.1 status lines are sent; checked on every response.",
		Tests:   everyResponse},
	{ID: "9110-6.2-refuse-major", RFC: 9110, Section: "6.2", Keyword: May,
		Says:    "A server may refuse a major protocol version with 505 (the RFC says it can).",
		Ferrous: "Taken: any major version other than 1 gets 505 and the connection closes.",
		Wire: []Wire{
			{Name: "HTTP/2.0", Request: head("GET / HTTP/2.0", liveHost), Statuses: []int{505}, Close: true},
			{Name: "HTTP/0.9", Request: head("GET / HTTP/0.9"), Statuses: []int{505}, Close: true},
		}},
	{ID: "9110-15.6.6-505-representation", RFC: 9110, Section: "15.6.6", Keyword: Should,
		Says:    "A 505 response carries a representation saying why the version is refused and which protocols the server supports.",
		Ferrous: "The built-in 505 page says that HTTP/1.1 and HTTP/1.0 are served.",
		Wire: []Wire{{Name: "HTTP/2.0", Request: head("GET / HTTP/2.0", liveHost), Statuses: []int{505}, Close: true,
			Body: "HTTP/1.1 and HTTP/1.0"}}},

	// RFC 9112 §3 Request Line.
	{ID: "9112-3.2-invalid-request-line", RFC: 9112, Section: "3.2", Keyword: Should,
		Says:    "A recipient of an invalid request-line answers 400, or 301 with the target properly encoded.",
		Ferrous: "Answers 400 and closes for a malformed request-line: bad separators, whitespace or controls in the target, a non-token method, a malformed version, a target form the method does not allow.",
		Deviation: "The parser accepts any visible ASCII in a request-target, also octets outside the URI grammar " +
			"(such as < > { } | \\ ^ ` and DQUOTE); routing percent-decodes and resolves such a path like any other instead of refusing it.",
		Wire: []Wire{
			{Name: "space in target", Request: head("GET /a b HTTP/1.1", liveHost), Statuses: []int{400}, Close: true},
			{Name: "asterisk with GET", Request: head("GET * HTTP/1.1", liveHost), Statuses: []int{400}, Close: true},
			{Name: "authority-form with GET", Request: head("GET localhost:80 HTTP/1.1", liveHost), Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-3.2-no-autocorrect", RFC: 9112, Section: "3.2", Keyword: ShouldNot,
		Says:    "A recipient does not repair an invalid request-line and then process the request without a redirect.",
		Ferrous: "Never repairs: a bad request-line is refused, not rewritten.",
		Tests:   []string{"TestRejections/malformed-version", "TestRejections/request-line-whitespace", "TestRejections/non-token-method"},
		Wire: []Wire{
			{Name: "double SP", Request: head("GET  / HTTP/1.1", liveHost), Statuses: []int{400}, Close: true},
			{Name: "lowercase version", Request: head("GET / http/1.1", liveHost), Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-3-lenient-whitespace", RFC: 9112, Section: "3", Keyword: May,
		Says:    "A recipient may split the request-line on any whitespace (SP, HTAB, VT, FF, bare CR) and ignore extra whitespace.",
		Ferrous: "Not taken: exactly one SP separates the parts; other whitespace, repeated or surrounding SP get 400.",
		Wire:    []Wire{{Name: "HTAB separator", Request: head("GET\t/ HTTP/1.1", liveHost), Statuses: []int{400}, Close: true}}},
	{ID: "9112-3-long-method-501", RFC: 9112, Section: "3", Keyword: Should,
		Says:    "A server receiving a method longer than any it implements answers 501.",
		Ferrous: "Every method it does not implement, however long (within the request-line limit), gets 501.",
		Wire:    []Wire{{Name: "52-octet method", Request: head(strings.Repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2)+" / HTTP/1.1", liveHost), Statuses: []int{501}}}},
	{ID: "9112-3-target-414", RFC: 9112, Section: "3", Keyword: Must,
		Says:    "A server receiving a request-target longer than it is willing to parse answers 414.",
		Ferrous: "A request-line over 8192 octets gets 414 and the connection closes.",
		Wire:    []Wire{{Name: "8 KiB target", Request: head(overlongLine, liveHost), Statuses: []int{414}, Close: true}}},
	{ID: "9112-3-8000-octets", RFC: 9112, Section: "3", Keyword: Should,
		Says:    "Senders and recipients support request-lines of at least 8000 octets (RECOMMENDED).",
		Ferrous: "Request-lines up to 8192 octets are parsed.",
		Wire:    []Wire{{Name: "8000 octets", Request: head(line8000, liveHost), Statuses: []int{404}}}},

	// RFC 9112 §3.2 Request Target and Host.
	{ID: "9112-3.2-client-host", RFC: 9112, Section: "3.2", Keyword: Must,
		Says: "A client sends Host in every HTTP/1.1 request.", Ferrous: na(clientOnly)},
	{ID: "9112-3.2-client-host-authority", RFC: 9112, Section: "3.2", Keyword: Must,
		Says: "A client's Host equals the target URI's authority without userinfo.", Ferrous: na(clientOnly)},
	{ID: "9112-3.2-client-empty-host", RFC: 9112, Section: "3.2", Keyword: Must,
		Says: "A client sends an empty Host when the target URI has no authority.", Ferrous: na(clientOnly)},
	{ID: "9112-3.2-missing-host", RFC: 9112, Section: "3.2", Keyword: Must,
		Says:    "A server answers 400 to an HTTP/1.1 request without Host.",
		Ferrous: "400 and close.",
		Wire:    []Wire{{Name: "no Host", Request: head("GET / HTTP/1.1"), Statuses: []int{400}, Close: true}}},
	{ID: "9112-3.2-duplicate-host", RFC: 9112, Section: "3.2", Keyword: Must,
		Says:    "A server answers 400 to a request with more than one Host field line.",
		Ferrous: "400 and close, even when the values agree.",
		Wire:    []Wire{{Name: "same value twice", Request: head("GET / HTTP/1.1", liveHost, liveHost), Statuses: []int{400}, Close: true}}},
	{ID: "9112-3.2-invalid-host", RFC: 9112, Section: "3.2", Keyword: Must,
		Says:    "A server answers 400 to a request whose Host value is invalid.",
		Ferrous: "Host must be uri-host [ \":\" port ] (reg-name, IPv4 or IP-literal); anything else, userinfo included, gets 400 and close.",
		Wire: []Wire{
			{Name: "space", Request: head("GET / HTTP/1.1", "Host: local host"), Statuses: []int{400}, Close: true},
			{Name: "userinfo", Request: head("GET / HTTP/1.1", "Host: user@localhost"), Statuses: []int{400}, Close: true},
			{Name: "port not numeric", Request: head("GET / HTTP/1.1", "Host: localhost:8x"), Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-3.2.1-client-origin-form", RFC: 9112, Section: "3.2.1", Keyword: Must,
		Says: "A client asking an origin server directly sends only the path and query as the target (CONNECT and OPTIONS * aside).", Ferrous: na(clientOnly)},
	{ID: "9112-3.2.1-client-root-path", RFC: 9112, Section: "3.2.1", Keyword: Must,
		Says: "A client sends \"/\" as the path of an origin-form target whose URI path is empty.", Ferrous: na(clientOnly)},
	{ID: "9112-3.2.2-client-absolute-form", RFC: 9112, Section: "3.2.2", Keyword: Must,
		Says: "A client sends the target URI in absolute-form to a proxy (CONNECT and server-wide OPTIONS aside).", Ferrous: na(clientOnly)},
	{ID: "9112-3.2.2-client-host-with-absolute", RFC: 9112, Section: "3.2.2", Keyword: Must,
		Says: "A client sends Host even when the target is in absolute-form.", Ferrous: na(clientOnly)},
	{ID: "9112-3.2.2-accept-absolute-form", RFC: 9112, Section: "3.2.2", Keyword: Must,
		Says:    "A server accepts the absolute-form of request-target.",
		Ferrous: "http and https absolute-form targets are parsed and served like their origin-form path.",
		Wire:    []Wire{{Name: "absolute GET", Request: head("GET http://localhost/static/a.txt HTTP/1.1", liveHost), Statuses: []int{200}, Body: "static a"}}},
	{ID: "9112-3.2.2-proxy-replace-host", RFC: 9112, Section: "3.2.2", Keyword: Must,
		Says: "A proxy receiving an absolute-form target ignores Host and uses the target's host.", Ferrous: na(proxyOnly)},
	{ID: "9112-3.2.2-proxy-new-host", RFC: 9112, Section: "3.2.2", Keyword: Must,
		Says: "A proxy forwarding such a request generates a new Host from the target.", Ferrous: na(proxyOnly)},
	{ID: "9112-3.2.2-origin-ignore-host", RFC: 9112, Section: "3.2.2", Keyword: Must,
		Says:    "An origin server receiving an absolute-form target ignores Host and uses the target's authority.",
		Ferrous: "The target's authority chooses the virtual host; Host is still validated but not used.",
		Wire: []Wire{{Name: "target names other host", Request: head("GET http://"+OtherHost+"/ HTTP/1.1", liveHost),
			Statuses: []int{200}, Body: "other host"}}},
	{ID: "9112-3.2.3-client-authority-form", RFC: 9112, Section: "3.2.3", Keyword: Must,
		Says: "A client sends only the authority (no userinfo) as a CONNECT target.", Ferrous: na(clientOnly)},
	{ID: "9112-3.2.4-client-asterisk", RFC: 9112, Section: "3.2.4", Keyword: Must,
		Says: "A client asking OPTIONS of the whole server sends \"*\" as the target.", Ferrous: na(clientOnly)},
	{ID: "9112-3.2.4-proxy-asterisk", RFC: 9112, Section: "3.2.4", Keyword: Must,
		Says: "The last proxy turns an absolute-form OPTIONS with an empty path into \"*\".", Ferrous: na(proxyOnly)},

	// RFC 9112 §3.3 Reconstructing the Target URI.
	{ID: "9112-3.3-default-authority", RFC: 9112, Section: "3.3", Keyword: May,
		Says:    "A server that can tell the authority from the request's context may use it as the default.",
		Ferrous: "Taken: a Host that names no configured server, or an empty one, gets the first server of the port.",
		Wire: []Wire{
			{Name: "unknown host", Request: head("GET / HTTP/1.1", "Host: unknown.test"), Statuses: []int{200}, Body: "spec home"},
			{Name: "empty host", Request: head("GET / HTTP/1.1", "Host:"), Statuses: []int{200}, Body: "spec home"},
		}},

	// RFC 9110 §4.2: http URIs.
	{ID: "9110-4.2.1-empty-host", RFC: 9110, Section: "4.2.1", Keyword: Must,
		Says:    "A recipient rejects an http URI whose host is empty.",
		Ferrous: "An absolute-form target with an empty host gets 400 and close.",
		Wire:    []Wire{{Name: "http:///", Request: head("GET http:///static/a.txt HTTP/1.1", liveHost), Statuses: []int{400}, Close: true}}},
	{ID: "9110-4.2.4-userinfo", RFC: 9110, Section: "4.2.4", Keyword: Should,
		Says:    "A recipient treats userinfo in an http or https URI from an untrusted source as an error.",
		Ferrous: "userinfo in an absolute-form target or in Host gets 400 and close.",
		Wire:    []Wire{{Name: "user@", Request: head("GET http://user@localhost/ HTTP/1.1", liveHost), Statuses: []int{400}, Close: true}}},

	// RFC 9112 §4 Status Line.
	{ID: "9112-4-reason-sp", RFC: 9112, Section: "4", Keyword: Must,
		Says:    "A server sends the SP after the status code even when the reason-phrase is empty.",
		Ferrous: "Status lines are \"HTTP/1.1 NNN Reason\" from a fixed table; checked on every response.",
		Tests:   everyResponse},
	{ID: "9112-4-client-lenient-status", RFC: 9112, Section: "4", Keyword: May,
		Says: "A recipient may split a status-line on any whitespace.", Ferrous: na(clientOnly)},
	{ID: "9112-4-client-ignore-reason", RFC: 9112, Section: "4", Keyword: Should,
		Says: "A client ignores the reason-phrase.", Ferrous: na(clientOnly)},

	// RFC 9112 §5 Field Syntax.
	{ID: "9112-5.1-ws-before-colon", RFC: 9112, Section: "5.1", Keyword: Must,
		Says:    "A server answers 400 to a request with whitespace between a field name and the colon.",
		Ferrous: "400 and close, in the header section and in chunked trailers.",
		Wire: []Wire{
			{Name: "SP", Request: head("GET / HTTP/1.1", "Host : localhost"), Statuses: []int{400}, Close: true},
			{Name: "HTAB", Request: head("GET / HTTP/1.1", liveHost, "X-A\t: b"), Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-5.1-proxy-strip-ws", RFC: 9112, Section: "5.1", Keyword: Must,
		Says: "A proxy removes whitespace before the colon from a response before forwarding it.", Ferrous: na(proxyOnly)},
	{ID: "9112-5.2-sender-no-fold", RFC: 9112, Section: "5.2", Keyword: MustNot,
		Says:    "A sender generates no obs-fold outside message/http.",
		Ferrous: "Never folds; checked on every response (no line starts with SP or HTAB).",
		Tests:   everyResponse},
	{ID: "9112-5.2-obs-fold", RFC: 9112, Section: "5.2", Keyword: Must,
		Says:    "A server receiving obs-fold in a request rejects it with 400 or replaces each fold with SP.",
		Ferrous: "Rejects: 400 and close, in the header section and in chunked trailers.",
		Wire:    []Wire{{Name: "folded value", Request: head("GET / HTTP/1.1", liveHost, "X-A: b", " c"), Statuses: []int{400}, Close: true}}},
	{ID: "9112-5.2-proxy-fold", RFC: 9112, Section: "5.2", Keyword: Must,
		Says: "A proxy or gateway receiving obs-fold in a response discards the message or replaces the fold.", Ferrous: na(proxyOnly)},
	{ID: "9112-5.2-ua-fold", RFC: 9112, Section: "5.2", Keyword: Must,
		Says: "A user agent replaces obs-fold in a response with SP before interpreting the value.", Ferrous: na(clientOnly)},

	// RFC 9110 §5: fields.
	{ID: "9110-5.3-sender-repeat-fields", RFC: 9110, Section: "5.3", Keyword: MustNot,
		Says:    "A sender does not repeat a field name unless its value is a list or the field is a known exception (Set-Cookie).",
		Ferrous: "Each response field is written once (Set-Cookie aside); checked on every response.",
		Tests:   everyResponse},
	{ID: "9110-5.4-field-too-large", RFC: 9110, Section: "5.4", Keyword: Must,
		Says:    "A server receiving a field line, value or field section larger than it will process answers with a 4xx status.",
		Ferrous: "More than 100 field lines or 32 KiB of them get 431 and close.",
		Wire: []Wire{
			{Name: "101 fields", Request: "GET / HTTP/1.1\r\nHost: localhost\r\n" + manyFields + "\r\n", Statuses: []int{431}, Close: true},
			{Name: "32 KiB field", Request: head("GET / HTTP/1.1", liveHost, oversizeField), Statuses: []int{431}, Close: true},
		}},
	{ID: "9110-5.5-cr-lf-nul", RFC: 9110, Section: "5.5", Keyword: Must,
		Says:    "A recipient of CR, LF or NUL in a field value rejects the message or replaces them with SP.",
		Ferrous: "Rejects: 400 and close.",
		Tests:   []string{"TestParserOctetsMatchGrammar"},
		Wire:    []Wire{{Name: "NUL", Request: head("GET / HTTP/1.1", liveHost, "X-A: b\x00c"), Statuses: []int{400}, Close: true}}},
	{ID: "9110-5.5-other-ctl", RFC: 9110, Section: "5.5", Keyword: May,
		Says:    "A recipient may keep other control characters in a field value where that is safe.",
		Ferrous: "Not taken: every CTL but HTAB gets 400 and close.",
		Tests:   []string{"TestParserOctetsMatchGrammar"},
		Wire: []Wire{
			{Name: "SOH", Request: head("GET / HTTP/1.1", liveHost, "X-A: b\x01c"), Statuses: []int{400}, Close: true},
			{Name: "DEL", Request: head("GET / HTTP/1.1", liveHost, "X-A: b\x7fc"), Statuses: []int{400}, Close: true},
		}},
	{ID: "9110-5.6.1-empty-list-elements", RFC: 9110, Section: "5.6.1", Keyword: Must,
		Says:    "A recipient parses and ignores a reasonable number of empty list elements.",
		Ferrous: "Connection, Transfer-Encoding and Expect skip empty elements.",
		Wire: []Wire{
			{Name: "Connection", Request: head("GET / HTTP/1.1", liveHost, "Connection: ,, close ,"), Statuses: []int{200}, Close: true},
			{Name: "Transfer-Encoding", Request: chunkedUploadWithTE(", chunked,"), Statuses: []int{201}},
		}},
	{ID: "9110-5.6.1-sender-empty-elements", RFC: 9110, Section: "5.6.1", Keyword: MustNot,
		Says:    "A sender generates no empty list elements.",
		Ferrous: "Allow and Connection values are written without empty elements; checked on every response.",
		Tests:   everyResponse},
	{ID: "9110-5.6.7-imf-fixdate", RFC: 9110, Section: "5.6.7", Keyword: Must,
		Says:    "A sender generates HTTP-date timestamps in IMF-fixdate.",
		Ferrous: "Date and Last-Modified are IMF-fixdate; checked on every response.",
		Tests:   everyResponse},
	{ID: "9110-5.6.7-three-date-formats", RFC: 9110, Section: "5.6.7", Keyword: Must,
		Says:    "A recipient parsing a timestamp in a field accepts all three HTTP-date formats.",
		Ferrous: "If-Modified-Since and If-Unmodified-Since accept IMF-fixdate, RFC 850 and asctime dates.",
		Tests:   []string{"TestConditionalDateFormats"}},
	{ID: "9110-6.3-complete-head-first", RFC: 9110, Section: "6.3", Keyword: MustNot,
		Says:    "A server does not act on a request before its entire header section has arrived.",
		Ferrous: "The parser exposes a request only once the empty line has arrived; nothing is answered before.",
		Tests:   []string{"TestNoResponseBeforeHeadIsComplete"}},
	{ID: "9110-6.5.1-sender-trailers", RFC: 9110, Section: "6.5.1", Keyword: MustNot,
		Says:    "A sender generates no trailer field unless the field's definition allows it in trailers.",
		Ferrous: "Chunked responses end with an empty trailer section; checked on every chunked response.",
		Tests:   []string{wireReplayTest},
		Wire:    []Wire{{Name: "CGI chunked response", Request: get("/cgi-bin/hello.sh"), Statuses: []int{200}, Header: map[string]string{"Transfer-Encoding": "chunked"}}}},
	{ID: "9110-6.6.1-date", RFC: 9110, Section: "6.6.1", Keyword: Must,
		Says:    "An origin server with a clock sends Date in every 2xx, 3xx and 4xx response.",
		Ferrous: "Every final response carries Date; checked on every response.",
		Tests:   everyResponse,
		Wire:    []Wire{{Name: "404", Request: get("/nope"), Statuses: []int{404}}}},
	{ID: "9110-6.6.1-date-1xx-5xx", RFC: 9110, Section: "6.6.1", Keyword: May,
		Says:    "An origin server may send Date in 1xx and 5xx responses.",
		Ferrous: "Taken for 5xx (every final response has Date); 100 (Continue) has none.",
		Wire:    []Wire{{Name: "501", Request: head("BREW / HTTP/1.1", liveHost), Statuses: []int{501}}}},

	// RFC 9112 §6.1 Transfer-Encoding.
	{ID: "9112-6.1-parse-chunked", RFC: 9112, Section: "6.1", Keyword: Must,
		Says:    "A recipient can parse the chunked transfer coding.",
		Ferrous: "Request bodies in chunked coding are decoded incrementally and strictly.",
		Wire: []Wire{{Name: "chunked upload", Request: chunkedUpload(formBody("chunked.txt", "chunked content"), 7, "") + get("/files/chunked.txt"),
			Statuses: []int{201, 200}, Body: "chunked content"}}},
	{ID: "9112-6.1-chunk-once", RFC: 9112, Section: "6.1", Keyword: MustNot,
		Says:    "A sender applies chunked at most once to a message body.",
		Ferrous: "Streamed (CGI) responses are chunked exactly once; one decoding yields the script's output.",
		Wire: []Wire{{Name: "CGI body", Request: get("/cgi-bin/hello.sh"), Statuses: []int{200},
			Header: map[string]string{"Transfer-Encoding": "chunked"}, Body: "hello from cgi\n"}}},
	{ID: "9112-6.1-client-chunked-final", RFC: 9112, Section: "6.1", Keyword: Must,
		Says: "A client applying another coding to a request also applies chunked, last.", Ferrous: na(clientOnly)},
	{ID: "9112-6.1-response-coding-final", RFC: 9112, Section: "6.1", Keyword: Must,
		Says:    "A sender applying a coding other than chunked to a response applies chunked last or ends the message by closing.",
		Ferrous: na("ferrous applies no transfer coding other than chunked to responses")},
	{ID: "9112-6.1-no-te-1xx-204", RFC: 9112, Section: "6.1", Keyword: MustNot,
		Says:    "A server sends no Transfer-Encoding in a 1xx or 204 response.",
		Ferrous: "204 responses (DELETE, CGI) and 100 (Continue) carry no Transfer-Encoding.",
		Tests:   []string{"TestExpectContinue"},
		Wire: []Wire{
			{Name: "DELETE", Request: upload(formBody("gone-te.txt", "x")) + head("DELETE /files/gone-te.txt HTTP/1.1", liveHost),
				Statuses: []int{201, 204}, Absent: []string{"Transfer-Encoding"}},
			{Name: "CGI 204", Request: get("/cgi-bin/nocontent.sh"), Statuses: []int{204}, Absent: []string{"Transfer-Encoding"}},
		}},
	{ID: "9112-6.1-no-te-connect-2xx", RFC: 9112, Section: "6.1", Keyword: MustNot,
		Says:    "A server sends no Transfer-Encoding in a 2xx response to CONNECT.",
		Ferrous: "CONNECT is never answered 2xx: ferrous tunnels nothing and answers 405.",
		Wire:    []Wire{{Name: "CONNECT", Request: head("CONNECT localhost:80 HTTP/1.1", "Host: localhost:80"), Statuses: []int{405}}}},
	{ID: "9112-6.1-unknown-coding-501", RFC: 9112, Section: "6.1", Keyword: Should,
		Says:    "A server receiving a transfer coding it does not understand answers 501.",
		Ferrous: "A coding other than chunked before the final chunked gets 501 and close.",
		Wire: []Wire{{Name: "gzip, chunked", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: gzip, chunked") + "0\r\n\r\n",
			Statuses: []int{501}, Close: true}}},
	{ID: "9112-6.1-client-te-http11", RFC: 9112, Section: "6.1", Keyword: MustNot,
		Says: "A client sends Transfer-Encoding only to servers known to handle HTTP/1.1.", Ferrous: na(clientOnly)},
	{ID: "9112-6.1-te-http11-only", RFC: 9112, Section: "6.1", Keyword: MustNot,
		Says:    "A server sends Transfer-Encoding only in responses to requests of HTTP/1.1 or later.",
		Ferrous: "Streamed responses to HTTP/1.0 are delimited by closing the connection instead of being chunked.",
		Wire:    []Wire{{Name: "CGI over HTTP/1.0", Request: "GET /cgi-bin/hello.sh HTTP/1.0\r\n\r\n", Statuses: []int{200}, Close: true, Absent: []string{"Transfer-Encoding"}}}},
	{ID: "9112-6.1-recode", RFC: 9112, Section: "6.1", Keyword: May,
		Says:    "A recipient on the chain may remove or add transfer codings if it updates Transfer-Encoding to match.",
		Ferrous: na("binds recipients that pass the message on; ferrous decodes request bodies and forwards nothing")},
	{ID: "9112-6.1-te-in-head-304", RFC: 9112, Section: "6.1", Keyword: May,
		Says:    "A server may send Transfer-Encoding in a HEAD response or a 304 to say which coding a GET would have had.",
		Ferrous: "Not taken: HEAD and 304 responses never carry Transfer-Encoding.",
		Tests:   []string{"TestConditionalResponses"},
		Wire:    []Wire{{Name: "HEAD of a streamed resource", Request: head("HEAD /cgi-bin/hello.sh HTTP/1.1", liveHost), Head: true, Statuses: []int{200}, Absent: []string{"Transfer-Encoding"}}}},
	{ID: "9112-6.1-cl-te-reject", RFC: 9112, Section: "6.1", Keyword: May,
		Says:    "A server may reject a request with both Content-Length and Transfer-Encoding, or frame it by Transfer-Encoding alone.",
		Ferrous: "Taken: rejected with 400.",
		Wire: []Wire{{Name: "both", Request: head("POST /files/ HTTP/1.1", liveHost, "Content-Length: 3", "Transfer-Encoding: chunked") + "0\r\n\r\n",
			Statuses: []int{400}, Close: true}}},
	{ID: "9112-6.1-cl-te-close", RFC: 9112, Section: "6.1", Keyword: Must,
		Says:    "A server closes the connection after answering a request with both Content-Length and Transfer-Encoding.",
		Ferrous: "Closes (lingering) after the 400.",
		Wire: []Wire{{Name: "both, TE first", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: chunked", "Content-Length: 5") + "0\r\n\r\n",
			Statuses: []int{400}, Close: true}}},
	{ID: "9112-6.1-te-http10", RFC: 9112, Section: "6.1", Keyword: Must,
		Says:    "A recipient of an HTTP/1.0 message with Transfer-Encoding treats its framing as faulty and closes after processing it.",
		Ferrous: "400 and close.",
		Wire: []Wire{{Name: "HTTP/1.0 chunked", Request: "POST /static/a.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
			Statuses: []int{400}, Close: true}}},

	// RFC 9112 §6.2 Content-Length.
	{ID: "9112-6.2-ua-send-cl", RFC: 9112, Section: "6.2", Keyword: Should,
		Says: "A user agent sends Content-Length for content it sends unchunked when the method gives content a meaning.", Ferrous: na(clientOnly)},
	{ID: "9112-6.2-ua-no-cl", RFC: 9112, Section: "6.2", Keyword: ShouldNot,
		Says: "A user agent sends no Content-Length in a request without content whose method expects none.", Ferrous: na(clientOnly)},
	{ID: "9112-6.2-no-cl-with-te", RFC: 9112, Section: "6.2", Keyword: MustNot,
		Says:    "A sender sends no Content-Length in a message that has Transfer-Encoding.",
		Ferrous: "A response is framed either by Content-Length or by chunked, never both; checked on every response.",
		Tests:   everyResponse,
		Wire:    []Wire{{Name: "CGI chunked", Request: get("/cgi-bin/hello.sh"), Statuses: []int{200}, Absent: []string{"Content-Length"}}}},

	// RFC 9112 §6.3 Message Body Length.
	{ID: "9112-6.3-client-connect-framing", RFC: 9112, Section: "6.3", Keyword: Must,
		Says: "A client ignores Content-Length and Transfer-Encoding in a 2xx response to CONNECT.", Ferrous: na(clientOnly)},
	{ID: "9112-6.3-te-overrides-cl", RFC: 9112, Section: "6.3", Keyword: Must,
		Says:    "An intermediary forwarding a message with both fields first removes Content-Length and frames by Transfer-Encoding.",
		Ferrous: na(intermediaryOnly + "; such requests are refused anyway")},
	{ID: "9112-6.3-chunked-not-final", RFC: 9112, Section: "6.3", Keyword: Must,
		Says:    "A server receiving a request whose Transfer-Encoding does not end in chunked answers 400 and closes.",
		Ferrous: "400 and close when chunked is repeated or followed by another coding.",
		Wire: []Wire{
			{Name: "chunked, gzip", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: chunked, gzip") + "0\r\n\r\n", Statuses: []int{400}, Close: true},
			{Name: "chunked twice", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked") + "0\r\n\r\n",
				Statuses: []int{400}, Close: true},
			{Name: "gzip alone", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: gzip") + "0\r\n\r\n", Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-6.3-invalid-cl-error", RFC: 9112, Section: "6.3", Keyword: Must,
		Says:    "A recipient treats an invalid Content-Length (without Transfer-Encoding) as an unrecoverable framing error, unless it is a list of one repeated valid value.",
		Ferrous: "Differing values, in one line or several, are refused; a list of one repeated value is read as that value.",
		Wire: []Wire{
			{Name: "two lines differ", Request: head("POST /files/ HTTP/1.1", liveHost, "Content-Length: 3", "Content-Length: 4") + "abcd", Statuses: []int{400}, Close: true},
			{Name: "list differs", Request: head("POST /files/ HTTP/1.1", liveHost, "Content-Length: 3, 4") + "abcd", Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-6.3-invalid-cl-400", RFC: 9112, Section: "6.3", Keyword: Must,
		Says:    "A server answers such a request with 400 and then closes the connection.",
		Ferrous: "400 and close.",
		Wire: []Wire{
			{Name: "not a number", Request: head("POST /files/ HTTP/1.1", liveHost, "Content-Length: 3x") + "abc", Statuses: []int{400}, Close: true},
			{Name: "negative", Request: head("POST /files/ HTTP/1.1", liveHost, "Content-Length: -1"), Statuses: []int{400}, Close: true},
		}},
	{ID: "9112-6.3-proxy-bad-response-length", RFC: 9112, Section: "6.3", Keyword: Must,
		Says: "A proxy receiving a response with invalid framing closes the upstream connection, discards it and answers 502.", Ferrous: na(proxyOnly)},
	{ID: "9112-6.3-ua-bad-response-length", RFC: 9112, Section: "6.3", Keyword: Must,
		Says: "A user agent receiving a response with invalid framing closes the connection and discards the response.", Ferrous: na(clientOnly)},
	{ID: "9112-6.3-incomplete-body", RFC: 9112, Section: "6.3", Keyword: Must,
		Says:    "A recipient that gets fewer octets than Content-Length before the peer closes or a timeout treats the message as incomplete and closes.",
		Ferrous: "The partial body is dropped (an upload leaves no file) and the connection closed; a stalled body gets 408 first.",
		Tests:   []string{"TestIncompleteBodyIsNotProcessed", "TestTimeoutsAnswer408AndClose"}},
	{ID: "9112-6.3-length-delimited", RFC: 9112, Section: "6.3", Keyword: Should,
		Says:    "A server frames its messages by length or by coding whenever it can, since a close-delimited one cannot be told from a cut one.",
		Ferrous: "Every response with content carries Content-Length or is chunked; only streamed responses to HTTP/1.0 end with the close; checked on every response.",
		Tests:   everyResponse},
	{ID: "9112-6.3-411", RFC: 9112, Section: "6.3", Keyword: May,
		Says:    "A server may refuse a request that has a body but no Content-Length with 411.",
		Ferrous: "Not taken: chunked request bodies are read.",
		Wire:    []Wire{{Name: "chunked upload", Request: chunkedUpload(formBody("no-length.txt", "abc"), 2, ""), Statuses: []int{201}}}},
	{ID: "9112-6.3-client-valid-cl", RFC: 9112, Section: "6.3", Keyword: Should,
		Says: "A client sending a body of known length uses Content-Length rather than chunked.", Ferrous: na(clientOnly)},
	{ID: "9112-6.3-ua-body-framing", RFC: 9112, Section: "6.3", Keyword: Must,
		Says: "A user agent sending a body sends a valid Content-Length or uses chunked.", Ferrous: na(clientOnly)},
	{ID: "9112-6.3-client-chunked-http11", RFC: 9112, Section: "6.3", Keyword: MustNot,
		Says: "A client uses chunked only with servers known to handle HTTP/1.1.", Ferrous: na(clientOnly)},
	{ID: "9112-6.3-ua-extra-data", RFC: 9112, Section: "6.3", Keyword: May,
		Says: "A user agent may discard data left after the last response.", Ferrous: na(clientOnly)},
	{ID: "9112-6.3-client-extra-data", RFC: 9112, Section: "6.3", Keyword: MustNot,
		Says: "A client does not treat such extra data as a separate response.", Ferrous: na(clientOnly)},

	// RFC 9110 §8.6 Content-Length.
	{ID: "9110-8.6-cl-overflow", RFC: 9110, Section: "8.6", Keyword: Must,
		Says:    "A recipient anticipates very large Content-Length numerals and prevents integer overflow or precision loss.",
		Ferrous: "More than 18 digits is refused with 400, so a value never overflows an int64.",
		Wire:    []Wire{{Name: "20 digits", Request: head("POST /files/ HTTP/1.1", liveHost, "Content-Length: 99999999999999999999"), Statuses: []int{400}, Close: true}}},
	{ID: "9110-8.6-cl-list", RFC: 9110, Section: "8.6", Keyword: May,
		Says:    "A recipient of a Content-Length list repeating one value may reject it or use the single value.",
		Ferrous: "Taken: the single value frames the body.",
		Wire: []Wire{{Name: "5, 5", Request: head("POST /static/a.txt HTTP/1.1", liveHost, "Content-Length: 5, 5") + "hello" + get("/static/a.txt"),
			Statuses: []int{405, 200}}}},
	{ID: "9110-8.6-head-cl", RFC: 9110, Section: "8.6", Keyword: MustNot,
		Says:    "A server sends Content-Length in a HEAD response only with the length a GET would have had.",
		Ferrous: "HEAD gets GET's Content-Length for files, listings and error pages.",
		Tests:   []string{"TestHeadMatchesGet", serverModel},
		Wire:    []Wire{{Name: "HEAD /", Request: head("HEAD / HTTP/1.1", liveHost), Head: true, Statuses: []int{200}, Header: map[string]string{"Content-Length": "19"}}}},
	{ID: "9110-8.6-304-cl", RFC: 9110, Section: "8.6", Keyword: MustNot,
		Says:    "A server sends Content-Length in a 304 only with the length a 200 would have had.",
		Ferrous: "304 responses carry no Content-Length.",
		Tests:   []string{"TestConditionalResponses"}},
	{ID: "9110-8.6-no-cl-1xx-204", RFC: 9110, Section: "8.6", Keyword: MustNot,
		Says:    "A server sends no Content-Length in a 1xx or 204 response.",
		Ferrous: "204 responses (DELETE, CGI) and 100 (Continue) carry no Content-Length.",
		Tests:   []string{"TestExpectContinue"},
		Wire: []Wire{
			{Name: "DELETE", Request: upload(formBody("gone-cl.txt", "x")) + head("DELETE /files/gone-cl.txt HTTP/1.1", liveHost),
				Statuses: []int{201, 204}, Absent: []string{"Content-Length"}},
			{Name: "CGI 204", Request: get("/cgi-bin/nocontent.sh"), Statuses: []int{204}, Absent: []string{"Content-Length"}},
		}},
	{ID: "9110-8.6-no-cl-connect-2xx", RFC: 9110, Section: "8.6", Keyword: MustNot,
		Says:    "A server sends no Content-Length in a 2xx response to CONNECT.",
		Ferrous: "CONNECT is never answered 2xx (405).",
		Wire:    []Wire{{Name: "CONNECT", Request: head("CONNECT localhost:443 HTTP/1.1", "Host: localhost:443"), Statuses: []int{405}}}},
	{ID: "9110-8.6-send-cl", RFC: 9110, Section: "8.6", Keyword: Should,
		Says:    "Without Transfer-Encoding, an origin server sends Content-Length when it knows the size before sending the head.",
		Ferrous: "Files, listings, error pages and redirects carry Content-Length.",
		Tests:   []string{serverModel},
		Wire:    []Wire{{Name: "file", Request: get("/static/a.txt"), Statuses: []int{200}, Header: map[string]string{"Content-Length": "9"}}}},

	// RFC 9112 §7 Transfer Codings.
	{ID: "9112-7.1-decode-chunked", RFC: 9112, Section: "7.1", Keyword: Must,
		Says:    "A recipient can parse and decode the chunked transfer coding.",
		Ferrous: "Chunk sizes, extensions, data and trailers are decoded incrementally, in any split.",
		Wire: []Wire{{Name: "one-byte chunks", Request: chunkedUpload(formBody("bytewise.txt", "tiny chunks"), 1, "") + get("/files/bytewise.txt"),
			Statuses: []int{201, 200}, Body: "tiny chunks"}}},
	{ID: "9112-7.1-large-hex", RFC: 9112, Section: "7.1", Keyword: Must,
		Says:    "A recipient anticipates very large hexadecimal chunk sizes and prevents overflow or precision loss.",
		Ferrous: "More than 16 hex digits, or a size above the int64 range, is refused with 400 and close.",
		Wire: []Wire{{Name: "17 digits", Request: head("POST /files/ HTTP/1.1", liveHost, formContentType, "Transfer-Encoding: chunked") + "10000000000000000\r\n",
			Statuses: []int{400}, Close: true}}},
	{ID: "9112-7.1-chunked-params", RFC: 9112, Section: "7.1", Keyword: Should,
		Says:    "A recipient treats parameters on the chunked coding as an error.",
		Ferrous: "\"chunked\" with parameters is not chunked, so chunked is not the final coding: 400 and the connection closed.",
		Wire: []Wire{{Name: "chunked;q=1", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: chunked;q=1") + "0\r\n\r\n",
			Statuses: []int{400}, Close: true}}},
	{ID: "9112-7.1.1-ignore-extensions", RFC: 9112, Section: "7.1.1", Keyword: Must,
		Says:    "A recipient ignores chunk extensions it does not recognize.",
		Ferrous: "Extensions are checked against their grammar and ignored.",
		Wire: []Wire{{Name: "extensions", Request: chunkedUpload(formBody("ext.txt", "extended"), 5, `;a=b; q="x y"`) + get("/files/ext.txt"),
			Statuses: []int{201, 200}, Body: "extended"}}},
	{ID: "9112-7.1.2-trailers-discard", RFC: 9112, Section: "7.1.2", Keyword: May,
		Says:    "A recipient removing the chunked coding may keep or discard the trailer fields.",
		Ferrous: "Taken: trailer fields are checked against the field grammar and discarded.",
		Wire:    []Wire{{Name: "trailers", Request: chunkedUpload(formBody("trailed.txt", "t"), 4, "", "X-Checksum: 123", "X-Other: v"), Statuses: []int{201}}}},
	{ID: "9112-7.1.2-retained-trailers", RFC: 9112, Section: "7.1.2", Keyword: Must,
		Says:    "A recipient that keeps a trailer field stores it apart from the header fields, or merges it into the header section.",
		Ferrous: "No trailer field is kept, so none can be confused with a header field.",
		Wire:    []Wire{trailersNotMerged}},
	{ID: "9112-7.1.2-no-merge-trailers", RFC: 9112, Section: "7.1.2", Keyword: MustNot,
		Says:    "A recipient does not merge a trailer field into the header section unless the field's definition allows it.",
		Ferrous: "Trailers are discarded: a trailer \"Connection: close\" does not close the connection.",
		Wire:    []Wire{trailersNotMerged}},
	{ID: "9112-7.2-x-compress", RFC: 9112, Section: "7.2", Keyword: Should,
		Says:    "A recipient treats \"x-compress\" as \"compress\".",
		Ferrous: "Both are refused alike with 501: ferrous decodes no compression coding.",
		Wire: []Wire{
			{Name: "x-compress", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: x-compress, chunked") + "0\r\n\r\n", Statuses: []int{501}, Close: true},
			{Name: "compress", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: compress, chunked") + "0\r\n\r\n", Statuses: []int{501}, Close: true},
		}},
	{ID: "9112-7.2-x-gzip", RFC: 9112, Section: "7.2", Keyword: Should,
		Says:    "A recipient treats \"x-gzip\" as \"gzip\".",
		Ferrous: "Both are refused alike with 501.",
		Wire: []Wire{
			{Name: "x-gzip", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: x-gzip, chunked") + "0\r\n\r\n", Statuses: []int{501}, Close: true},
			{Name: "gzip", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: gzip, chunked") + "0\r\n\r\n", Statuses: []int{501}, Close: true},
		}},
	{ID: "9112-7.2-compression-params", RFC: 9112, Section: "7.2", Keyword: Should,
		Says:    "A recipient treats parameters on compress, deflate or gzip as an error.",
		Ferrous: "Refused (501) like any coding ferrous does not decode, and the connection closed.",
		Wire: []Wire{{Name: "gzip;q=1", Request: head("POST /files/ HTTP/1.1", liveHost, "Transfer-Encoding: gzip;q=1, chunked") + "0\r\n\r\n",
			Statuses: []int{501}, Close: true}}},
	{ID: "9112-7.4-client-rank", RFC: 9112, Section: "7.4", Keyword: May,
		Says: "A client may rank acceptable transfer codings in TE with q parameters.", Ferrous: na(clientOnly)},
	{ID: "9112-7.4-te-connection-option", RFC: 9112, Section: "7.4", Keyword: Must,
		Says:    "A sender of TE also lists \"TE\" in Connection.",
		Ferrous: na("TE is a request field; ferrous never sends one")},
	{ID: "9112-7.4-client-no-chunked-in-te", RFC: 9112, Section: "7.4", Keyword: MustNot,
		Says: "A client does not list chunked in TE.", Ferrous: na(clientOnly)},

	// RFC 9110 §6.5.1 is above; RFC 9112 §8 Handling Incomplete Messages.
	{ID: "9112-8-incomplete-error", RFC: 9112, Section: "8", Keyword: May,
		Says:    "A server receiving an incomplete request may send an error response before closing.",
		Ferrous: "Taken on timeouts (408, then close); a client that disconnects mid-request gets nothing.",
		Tests:   []string{"TestTimeoutsAnswer408AndClose", "TestIncompleteBodyIsNotProcessed"}},
	{ID: "9112-8-client-incomplete", RFC: 9112, Section: "8", Keyword: Must,
		Says: "A client records a response cut short as incomplete.", Ferrous: na(clientOnly)},

	// RFC 9112 §9 Connection Management.
	{ID: "9112-9.2-client-order", RFC: 9112, Section: "9.2", Keyword: Must,
		Says: "A client with several outstanding requests keeps them in order and pairs each response with the oldest unanswered one.", Ferrous: na(clientOnly)},
	{ID: "9112-9.2-client-unsolicited", RFC: 9112, Section: "9.2", Keyword: MustNot,
		Says: "A client does not take data received with no request outstanding as a response.", Ferrous: na(clientOnly)},
	{ID: "9112-9.2-client-close-unsolicited", RFC: 9112, Section: "9.2", Keyword: Should,
		Says: "A client closes a connection on which such data arrives.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3-support-persistence", RFC: 9112, Section: "9.3", Keyword: Should,
		Says:    "Implementations support persistent connections.",
		Ferrous: "HTTP/1.1 connections persist unless close is asked for; HTTP/1.0 ones with keep-alive.",
		Tests:   []string{serverModel, "TestPipelineBackpressure"},
		Wire:    []Wire{{Name: "HTTP/1.0 keep-alive", Request: head("GET / HTTP/1.0", "Connection: keep-alive"), Statuses: []int{200}, Header: map[string]string{"Connection": "keep-alive"}}}},
	{ID: "9112-9.3-client-more-requests", RFC: 9112, Section: "9.3", Keyword: May,
		Says: "A client may keep sending requests on a persistent connection until close is sent or received, or an HTTP/1.0 response lacks keep-alive.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3-read-body-or-close", RFC: 9112, Section: "9.3", Keyword: Must,
		Says:    "A server reads the whole request body or closes the connection after responding, so body bytes are never taken for the next request.",
		Ferrous: "A refused request's body is read and discarded when its length is known and the route exists; otherwise the connection closes.",
		Wire: []Wire{
			{Name: "body read and discarded", Request: head("POST /static/a.txt HTTP/1.1", liveHost, "Content-Length: 5") + "hello" + get("/static/a.txt"),
				Statuses: []int{405, 200}},
			{Name: "unread chunked body, close", Request: head("POST /static/a.txt HTTP/1.1", liveHost, "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n",
				Statuses: []int{405}, Close: true},
			{Name: "413 body is not a request", Request: head("POST /files/ HTTP/1.1", liveHost, formContentType, "Content-Length: 70000") + get("/static/a.txt"),
				Statuses: []int{413}, Close: true},
		}},
	{ID: "9112-9.3-client-read-body", RFC: 9112, Section: "9.3", Keyword: Must,
		Says: "A client reads the whole response body if it wants to reuse the connection.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3-client-no-persistence", RFC: 9112, Section: "9.3", Keyword: Must,
		Says: "A client that does not support persistence sends close in every request.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3-server-no-persistence", RFC: 9112, Section: "9.3", Keyword: Must,
		Says:    "A server that does not support persistence sends close in every non-1xx response.",
		Ferrous: na("ferrous supports persistent connections")},
	{ID: "9112-9.3-proxy-http10", RFC: 9112, Section: "9.3", Keyword: MustNot,
		Says: "A proxy keeps no persistent connection with an HTTP/1.0 client.", Ferrous: na(proxyOnly)},
	{ID: "9112-9.3.2-client-pipeline", RFC: 9112, Section: "9.3.2", Keyword: May,
		Says: "A client supporting persistence may pipeline requests.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3.2-parallel", RFC: 9112, Section: "9.3.2", Keyword: May,
		Says:    "A server may process pipelined requests with safe methods in parallel.",
		Ferrous: "Not taken: pipelined requests are processed one at a time, in order; a request sees the effects of the one before.",
		Wire: []Wire{{Name: "GET sees the upload before it", Request: upload(formBody("sequential.txt", "in order")) + get("/files/sequential.txt"),
			Statuses: []int{201, 200}, Body: "in order"}}},
	{ID: "9112-9.3.2-response-order", RFC: 9112, Section: "9.3.2", Keyword: Must,
		Says:    "A server answers pipelined requests in the order it received them.",
		Ferrous: "One request is answered completely before the next is parsed.",
		Tests:   []string{serverModel, "TestPipelineBackpressure"},
		Wire: []Wire{{Name: "three pipelined", Request: get("/static/a.txt") + get("/nope") + get("/"),
			Statuses: []int{200, 404, 200}, Body: "spec home"}}},
	{ID: "9112-9.3.2-client-retry-unanswered", RFC: 9112, Section: "9.3.2", Keyword: Should,
		Says: "A pipelining client retries unanswered requests when the connection closes early.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3.2-client-no-immediate-pipeline", RFC: 9112, Section: "9.3.2", Keyword: MustNot,
		Says: "A client retrying pipelined requests does not pipeline right after the new connection opens.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3.2-ua-no-pipeline-unsafe", RFC: 9112, Section: "9.3.2", Keyword: ShouldNot,
		Says: "A user agent does not pipeline after a non-idempotent request until its final status arrives.", Ferrous: na(clientOnly)},
	{ID: "9112-9.3.2-intermediary-pipeline", RFC: 9112, Section: "9.3.2", Keyword: May,
		Says: "An intermediary may pipeline the pipelined requests it receives.", Ferrous: na(intermediaryOnly)},
	{ID: "9112-9.3.2-intermediary-retry", RFC: 9112, Section: "9.3.2", Keyword: May,
		Says: "A pipelining intermediary may retry unanswered idempotent requests after a failure.", Ferrous: na(intermediaryOnly)},
	{ID: "9112-9.3.2-intermediary-forward-close", RFC: 9112, Section: "9.3.2", Keyword: Should,
		Says: "Otherwise it forwards the responses it got and closes the outbound connections.", Ferrous: na(intermediaryOnly)},
	{ID: "9112-9.5-graceful-close", RFC: 9112, Section: "9.5", Keyword: Should,
		Says:    "A side that times out a connection closes it gracefully.",
		Ferrous: "Idle keep-alive connections are closed with FIN after connection_timeout; a stalled request gets 408 and a lingering close.",
		Tests:   []string{"TestTimeoutsAnswer408AndClose"}},
	{ID: "9112-9.5-monitor-close", RFC: 9112, Section: "9.5", Keyword: Should,
		Says:    "Implementations watch open connections for a close from the peer and react to it promptly.",
		Ferrous: "A hang-up is noticed by the event loop and the connection's resources are released at once.",
		Tests:   []string{"TestClientCloseIsNoticed"}},
	{ID: "9112-9.5-may-close", RFC: 9112, Section: "9.5", Keyword: May,
		Says:    "A client, server or proxy may close the connection at any time.",
		Ferrous: "Taken for idle keep-alive connections (connection_timeout) and during shutdown.",
		Tests:   []string{"TestTimeoutsAnswer408AndClose"}},
	{ID: "9112-9.5-client-monitor", RFC: 9112, Section: "9.5", Keyword: Should,
		Says: "A client sending a body watches for an error response meanwhile.", Ferrous: na(clientOnly)},
	{ID: "9112-9.5-client-cease-body", RFC: 9112, Section: "9.5", Keyword: Should,
		Says: "A client seeing that the server will not read its body and is closing stops sending and closes its side.", Ferrous: na(clientOnly)},
	{ID: "9112-9.5-sustain", RFC: 9112, Section: "9.5", Keyword: Should,
		Says:    "A server keeps persistent connections up and relies on flow control for temporary overload instead of dropping them.",
		Ferrous: "With 256 KiB of responses unsent it stops reading until the client catches up; no request is dropped.",
		Tests:   []string{"TestPipelineBackpressure"}},
	{ID: "9112-9.6-sender-close-option", RFC: 9112, Section: "9.6", Keyword: Should,
		Says:    "A sender that intends to close the connection sends the close connection option.",
		Ferrous: "Every response after which ferrous closes carries Connection: close; checked whenever a wire example expects a close.",
		Tests:   []string{wireReplayTest, serverModel, "TestTimeoutsAnswer408AndClose"}},
	{ID: "9112-9.6-close-received-initiate", RFC: 9112, Section: "9.6", Keyword: Must,
		Says:    "A server receiving close starts closing the connection after the final response to that request.",
		Ferrous: "Closes (half-close, then linger) once the response is written.",
		Wire:    []Wire{{Name: "close", Request: head("GET / HTTP/1.1", liveHost, "Connection: close"), Statuses: []int{200}, Close: true}}},
	{ID: "9112-9.6-close-received-send-close", RFC: 9112, Section: "9.6", Keyword: Should,
		Says:    "That server sends close in its final response.",
		Ferrous: "The response carries Connection: close.",
		Wire: []Wire{{Name: "close", Request: head("GET / HTTP/1.1", liveHost, "Connection: close"), Statuses: []int{200}, Close: true,
			Header: map[string]string{"Connection": "close"}}}},
	{ID: "9112-9.6-close-received-no-more", RFC: 9112, Section: "9.6", Keyword: MustNot,
		Says:    "That server processes no further request received on the connection.",
		Ferrous: "Input after the request with close is discarded once the response is queued.",
		Wire: []Wire{
			{Name: "after a file", Request: head("GET /static/a.txt HTTP/1.1", liveHost, "Connection: close") + get("/"), Statuses: []int{200}, Close: true},
			{Name: "after an error page", Request: head("GET /nope HTTP/1.1", liveHost, "Connection: close") + get("/static/a.txt"), Statuses: []int{404}, Close: true},
		}},
	{ID: "9112-9.6-close-sent-initiate", RFC: 9112, Section: "9.6", Keyword: Must,
		Says:    "A server that sends close starts closing the connection after sending that response.",
		Ferrous: "Half-closes once the whole response is written, then lingers to read what the client still sends.",
		Wire: []Wire{
			{Name: "HTTP/1.0", Request: "GET / HTTP/1.0\r\n\r\n", Statuses: []int{200}, Close: true},
			{Name: "CGI over HTTP/1.0", Request: "GET /cgi-bin/hello.sh HTTP/1.0\r\n\r\n", Statuses: []int{200}, Close: true, Body: "hello from cgi"},
			{Name: "CGI with close", Request: head("GET /cgi-bin/hello.sh HTTP/1.1", liveHost, "Connection: close"), Statuses: []int{200}, Close: true, Body: "hello from cgi"},
		}},
	{ID: "9112-9.6-close-sent-no-more", RFC: 9112, Section: "9.6", Keyword: MustNot,
		Says:    "A server that sent close processes no further request received on the connection.",
		Ferrous: "Input after a response with close is discarded.",
		Wire: []Wire{
			{Name: "after a parse error", Request: head("GET / HTTP/1.1", "Host : localhost") + get("/"), Statuses: []int{400}, Close: true},
			{Name: "after HTTP/1.0", Request: "GET /nope HTTP/1.0\r\n\r\n" + get("/static/a.txt"), Statuses: []int{404}, Close: true},
		}},
	{ID: "9112-9.6-client-close-no-more", RFC: 9112, Section: "9.6", Keyword: MustNot,
		Says: "A client that sent close sends no further request on the connection.", Ferrous: na(clientOnly)},
	{ID: "9112-9.6-client-close-after-response", RFC: 9112, Section: "9.6", Keyword: Must,
		Says: "A client that sent close closes the connection after reading the final response.", Ferrous: na(clientOnly)},
	{ID: "9112-9.6-client-received-close", RFC: 9112, Section: "9.6", Keyword: Must,
		Says: "A client receiving close stops sending requests and closes after reading that response.", Ferrous: na(clientOnly)},
	{ID: "9112-9.6-client-pipelined-unprocessed", RFC: 9112, Section: "9.6", Keyword: ShouldNot,
		Says: "Such a client does not assume that requests it pipelined after it were processed.", Ferrous: na(clientOnly)},
	{ID: "9112-9.7-tls-application-data", RFC: 9112, Section: "9.7", Keyword: Must,
		Says: "HTTP data over TLS is sent as TLS application data.", Ferrous: na(noTLS)},
	{ID: "9112-9.8-client-closure-alert", RFC: 9112, Section: "9.8", Keyword: Must,
		Says: "A TLS client sends a closure alert before closing.", Ferrous: na(clientOnly)},
	{ID: "9112-9.8-client-incomplete-close", RFC: 9112, Section: "9.8", Keyword: May,
		Says: "A TLS client expecting no more data may close without waiting for the server's alert.", Ferrous: na(clientOnly)},
	{ID: "9112-9.8-server-accept-incomplete", RFC: 9112, Section: "9.8", Keyword: Should,
		Says: "A TLS server is prepared for an incomplete close from the client.", Ferrous: na(noTLS)},
	{ID: "9112-9.8-server-closure-alert", RFC: 9112, Section: "9.8", Keyword: Must,
		Says: "A TLS server tries to exchange closure alerts before closing.", Ferrous: na(noTLS)},
	{ID: "9112-9.8-server-incomplete-close", RFC: 9112, Section: "9.8", Keyword: May,
		Says: "A TLS server may close after sending its closure alert.", Ferrous: na(noTLS)},
	{ID: "9112-9.8-client-complete", RFC: 9112, Section: "9.8", Keyword: Should,
		Says: "On an incomplete close, a client treats as complete the responses whose length or last chunk arrived.", Ferrous: na(clientOnly)},
	{ID: "9112-9.8-client-recover", RFC: 9112, Section: "9.8", Keyword: Should,
		Says: "A client detecting an incomplete close recovers gracefully.", Ferrous: na(clientOnly)},

	// RFC 9110 §9 Methods and §15 status codes.
	{ID: "9110-9.1-get-head", RFC: 9110, Section: "9.1", Keyword: Must,
		Says:    "A general-purpose server supports GET and HEAD.",
		Ferrous: "Every route allowing GET also allows HEAD.",
		Tests:   []string{serverModel},
		Wire: []Wire{
			{Name: "GET", Request: get("/"), Statuses: []int{200}, Body: "spec home"},
			{Name: "HEAD", Request: head("HEAD /static/a.txt HTTP/1.1", liveHost), Head: true, Statuses: []int{200}},
		}},
	{ID: "9110-9.1-unknown-501", RFC: 9110, Section: "9.1", Keyword: Should,
		Says:    "An origin server answers 501 to a method it does not recognize or implement.",
		Ferrous: "Methods are compared case-sensitively; anything but GET, HEAD, POST, PUT, DELETE, OPTIONS and PATCH gets 501.",
		Wire: []Wire{
			{Name: "BREW", Request: head("BREW / HTTP/1.1", liveHost), Statuses: []int{501}},
			{Name: "lowercase get", Request: head("get / HTTP/1.1", liveHost), Statuses: []int{501}},
		}},
	{ID: "9110-9.1-not-allowed-405", RFC: 9110, Section: "9.1", Keyword: Should,
		Says:    "An origin server answers 405 to a known method the target resource does not allow.",
		Ferrous: "405 with Allow.",
		Wire:    []Wire{{Name: "DELETE static", Request: head("DELETE /static/a.txt HTTP/1.1", liveHost), Statuses: []int{405}}}},
	{ID: "9110-15.5.6-allow", RFC: 9110, Section: "15.5.6", Keyword: Must,
		Says:    "A 405 response carries Allow with the resource's supported methods.",
		Ferrous: "Allow lists the route's methods.",
		Wire: []Wire{{Name: "DELETE static", Request: head("DELETE /static/a.txt HTTP/1.1", liveHost), Statuses: []int{405},
			Header: map[string]string{"Allow": "GET, HEAD, OPTIONS"}}}},
	{ID: "9110-9.3.2-head-no-content", RFC: 9110, Section: "9.3.2", Keyword: MustNot,
		Says:    "A server sends no content in a response to HEAD.",
		Ferrous: "HEAD responses end with the head; the next response follows at once.",
		Tests:   []string{serverModel},
		Wire:    []Wire{{Name: "HEAD file", Request: head("HEAD /static/612.html HTTP/1.1", liveHost), Head: true, Statuses: []int{200}}}},
	{ID: "9110-9.3.2-head-same-fields", RFC: 9110, Section: "9.3.2", Keyword: Should,
		Says:    "A server sends the same header fields for HEAD as it would for GET.",
		Ferrous: "Same fields for files, listings, error pages and redirects; only Date may differ between two responses.",
		Tests:   []string{"TestHeadMatchesGet"}},
	{ID: "9110-9.3.3-post-201", RFC: 9110, Section: "9.3.3", Keyword: Should,
		Says:    "An origin server that created resources from a POST answers 201 with a Location for the primary one.",
		Ferrous: "Uploads get 201 and, for one file, its Location.",
		Tests:   []string{serverModel},
		Wire:    []Wire{{Name: "upload", Request: upload(formBody("posted.txt", "posted")), Statuses: []int{201}, Header: map[string]string{"Location": "/files/posted.txt"}}}},
	{ID: "9110-9.3.5-delete-status", RFC: 9110, Section: "9.3.5", Keyword: Should,
		Says:    "A successful DELETE is answered 202, 204 or 200.",
		Ferrous: "204.",
		Tests:   []string{serverModel, "TestDeletedFileIsGone"},
		Wire: []Wire{{Name: "upload then delete", Request: upload(formBody("deleted.txt", "d")) + head("DELETE /files/deleted.txt HTTP/1.1", liveHost),
			Statuses: []int{201, 204}}}},
	{ID: "9110-9.3.7-options-allow", RFC: 9110, Section: "9.3.7", Keyword: Should,
		Says:    "A successful OPTIONS response advertises the optional features that apply, such as Allow.",
		Ferrous: "Allow lists the route's methods, or the whole server's for \"*\".",
		Wire: []Wire{
			{Name: "asterisk", Request: head("OPTIONS * HTTP/1.1", liveHost), Statuses: []int{200}, Header: map[string]string{"Allow": "GET, HEAD, POST, DELETE, OPTIONS"}},
			{Name: "route", Request: head("OPTIONS /static/ HTTP/1.1", liveHost), Statuses: []int{200}, Header: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		}},
	{ID: "9110-9.3.7-options-cl-zero", RFC: 9110, Section: "9.3.7", Keyword: Must,
		Says:    "An OPTIONS response without content carries Content-Length: 0.",
		Ferrous: "Content-Length: 0.",
		Wire:    []Wire{{Name: "asterisk", Request: head("OPTIONS * HTTP/1.1", liveHost), Statuses: []int{200}, Header: map[string]string{"Content-Length": "0"}}}},
	{ID: "9110-9.3.8-trace-reflect", RFC: 9110, Section: "9.3.8", Keyword: Should,
		Says:    "The final recipient of TRACE reflects the request back in a 200 response.",
		Ferrous: na("TRACE is an optional method that ferrous does not implement (501)")},
	{ID: "9110-10.1.1-expect-417", RFC: 9110, Section: "10.1.1", Keyword: May,
		Says:    "A server may answer 417 to an expectation other than 100-continue.",
		Ferrous: "Taken: 417 and close.",
		Wire:    []Wire{{Name: "unknown expectation", Request: head("GET / HTTP/1.1", liveHost, "Expect: bogus"), Statuses: []int{417}, Close: true}}},
	{ID: "9110-10.1.1-expect-http10", RFC: 9110, Section: "10.1.1", Keyword: Must,
		Says:    "A server ignores a 100-continue expectation in an HTTP/1.0 request.",
		Ferrous: "Ignored: the final response comes without 100 (Continue).",
		Wire: []Wire{{Name: "HTTP/1.0 expect", Request: "POST /static/a.txt HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
			Statuses: []int{405}, Close: true}}},
	{ID: "9110-10.1.1-expect-immediate", RFC: 9110, Section: "10.1.1", Keyword: Must,
		Says:    "On an HTTP/1.1 request with 100-continue and content to come, an origin server sends at once a final status it can already decide, or 100 (Continue).",
		Ferrous: "100 (Continue) is queued as soon as the head is accepted; refusals (404, 413, 405) are sent at once instead.",
		Tests:   []string{"TestExpectContinue"}},
	{ID: "9110-10.1.1-no-wait-for-content", RFC: 9110, Section: "10.1.1", Keyword: MustNot,
		Says:    "The origin server does not wait for the content before sending 100 (Continue).",
		Ferrous: "100 (Continue) is sent before any content is read.",
		Tests:   []string{"TestExpectContinue"}},
	{ID: "9110-10.1.1-final-after-100", RFC: 9110, Section: "10.1.1", Keyword: Must,
		Says:    "A server that sent 100 (Continue) eventually sends a final status, unless the connection closes early.",
		Ferrous: "The final response follows once the content is processed.",
		Tests:   []string{"TestExpectContinue"}},
	{ID: "9110-10.1.1-omit-100", RFC: 9110, Section: "10.1.1", Keyword: May,
		Says:    "A server may skip 100 (Continue) when it already has content or no content is framed.",
		Ferrous: "Taken when no content is framed.",
		Wire:    []Wire{{Name: "no content", Request: head("GET / HTTP/1.1", liveHost, "Expect: 100-continue"), Statuses: []int{200}}}},
	{ID: "9110-10.1.1-early-final-close", RFC: 9110, Section: "10.1.1", Keyword: Should,
		Says:    "A server sending a final status before reading the whole content says whether it will close or keep reading.",
		Ferrous: "It closes, and says so with Connection: close.",
		Wire: []Wire{
			{Name: "413 before content", Request: head("POST /files/ HTTP/1.1", liveHost, formContentType, "Content-Length: 70000", "Expect: 100-continue"),
				Statuses: []int{413}, Close: true, Header: map[string]string{"Connection": "close"}},
			{Name: "405 before content", Request: head("POST /static/a.txt HTTP/1.1", liveHost, "Content-Length: 5", "Expect: 100-continue"),
				Statuses: []int{405}, Close: true, Header: map[string]string{"Connection": "close"}},
		}},
	{ID: "9110-15.2-no-1xx-http10", RFC: 9110, Section: "15.2", Keyword: MustNot,
		Says:    "A server sends no 1xx response to an HTTP/1.0 client.",
		Ferrous: "No 100 (Continue) to HTTP/1.0.",
		Tests:   []string{"TestExpectContinue"},
		Wire: []Wire{{Name: "HTTP/1.0 expect", Request: "POST /static/a.txt HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
			Statuses: []int{405}, Close: true}}},
	{ID: "9110-15.4.2-location", RFC: 9110, Section: "15.4.2", Keyword: Should,
		Says:    "A 301 response carries Location with the new URI.",
		Ferrous: "Configured redirects and directory redirects carry Location.",
		Wire:    []Wire{{Name: "return 301", Request: get("/old"), Statuses: []int{301}, Header: map[string]string{"Location": "/"}}}},
	{ID: "9110-15.4.5-304-fields", RFC: 9110, Section: "15.4.5", Keyword: Must,
		Says:    "A 304 response carries the Date, ETag (and Content-Location, Vary, Cache-Control, Expires) a 200 would have carried.",
		Ferrous: "304 carries Date and ETag (the 200 has none of the others).",
		Tests:   []string{"TestConditionalResponses"}},
	{ID: "9110-15.4.5-304-no-metadata", RFC: 9110, Section: "15.4.5", Keyword: ShouldNot,
		Says:    "A 304 response carries no other representation metadata unless it helps update caches.",
		Ferrous: "Only the validators (ETag, Last-Modified) are sent; no Content-Type or Content-Length.",
		Tests:   []string{"TestConditionalResponses"}},
	{ID: "9110-15.5.9-408-close", RFC: 9110, Section: "15.5.9", Keyword: Should,
		Says:    "A 408 response carries the close connection option.",
		Ferrous: "Connection: close, then a lingering close.",
		Tests:   []string{"TestTimeoutsAnswer408AndClose"}},
	{ID: "9110-15.5.14-413-close", RFC: 9110, Section: "15.5.14", Keyword: May,
		Says:    "A server refusing content as too large may close the connection.",
		Ferrous: "Taken: 413 (before reading, when Content-Length says so) and close.",
		Wire:    []Wire{{Name: "over the limit", Request: head("POST /files/ HTTP/1.1", liveHost, formContentType, "Content-Length: 70000"), Statuses: []int{413}, Close: true}}},
	{ID: "9110-10.2.4-server-detail", RFC: 9110, Section: "10.2.4", Keyword: ShouldNot,
		Says:    "An origin server's Server field gives no needlessly fine-grained detail.",
		Ferrous: "\"Server: ferrous\", without a version; checked on every response.",
		Tests:   everyResponse},

	// RFC 2046 §5.1.1 and RFC 7578: the upload bodies ferrous receives.
	{ID: "2046-5.1.1-delimiter-line", RFC: 2046, Section: "5.1.1", Keyword: Must,
		Says:    "A boundary delimiter starts a line: the CRLF before it belongs to the delimiter, not to the preceding part.",
		Ferrous: "Part content ends before that CRLF; boundary text that does not form a delimiter line stays content.",
		Wire: []Wire{{Name: "tricky content", Request: upload(formBody("tricky.txt", "a\r\n--"+uploadBoundary+"x\r\n--\r\n")) + get("/files/tricky.txt"),
			Statuses: []int{201, 200}, Body: "a\r\n--" + uploadBoundary + "x\r\n--\r\n"}}},
	{ID: "7578-4.2-disposition", RFC: 7578, Section: "4.2", Keyword: Must,
		Says:    "Each part has a Content-Disposition of type form-data with a name parameter.",
		Ferrous: "A part without one is refused with 400 and nothing is stored.",
		Wire:    []Wire{{Name: "no disposition", Request: upload(rawFormBody("x", "Content-Type: text/plain")), Statuses: []int{400}, Close: true}}},
	{ID: "7578-4.7-no-cte", RFC: 7578, Section: "4.7", Keyword: MustNot,
		Says:    "Senders put no Content-Transfer-Encoding on parts.",
		Ferrous: "Identity encodings (7bit, 8bit, binary) are tolerated; any other is refused with 400.",
		Wire:    []Wire{{Name: "base64", Request: upload(formBody("b64.txt", "eA==", "Content-Transfer-Encoding: base64")), Statuses: []int{400}, Close: true}}},
}

// trailersNotMerged sends a chunked upload whose trailers would close the connection, and change the framing,
// were they merged into the header section, then a pipelined request that must still be answered.
var trailersNotMerged = Wire{Name: "trailer Connection: close",
	Request:  chunkedUpload(formBody("merged.txt", "m"), 8, "", "Connection: close", "Content-Length: 9999") + get("/static/a.txt"),
	Statuses: []int{201, 200}, Body: "static a"}

// chunkedUploadWithTE is a chunked upload whose Transfer-Encoding value is te.
func chunkedUploadWithTE(te string) string {
	return strings.Replace(chunkedUpload(formBody(fmt.Sprintf("te-%d.txt", len(te)), "x"), 8, ""), "Transfer-Encoding: chunked", "Transfer-Encoding: "+te, 1)
}
