// Package h1 parses HTTP/1.1 request heads incrementally and strictly (RFC 9112, RFC 9110). It does no I/O:
// the server feeds it whatever bytes arrived and answers with the status of any *Error it returns.
//
// Strictness is deliberate. Anything a lenient parser elsewhere on the path might read differently (bare LF or
// CR, obs-fold, whitespace before a colon, conflicting lengths, transfer codings we cannot decode) is rejected
// instead of repaired, because a repaired head is how request smuggling starts.
package h1

import (
	"bytes"
	"encoding/binary"
	"slices"
)

const (
	defaultMaxRequestLine  = 8192
	defaultMaxHeaderBytes  = 32 << 10
	defaultMaxHeaderFields = 100

	// maxLeadingEmptyLines is how many CRLFs before a request line are forgiven (RFC 9112 §2.2 allows ignoring
	// "at least one"); some clients send one after a POST body. More than a few is just a way to hold a
	// connection open without starting a request.
	maxLeadingEmptyLines = 8

	// maxContentLengthDigits keeps every accepted value below 10^18 < 2^63, so parsing cannot overflow.
	maxContentLengthDigits = 18

	// minBufGrow is the first allocation: enough for a typical browser request, so most heads never regrow.
	minBufGrow = 1024

	// headSlack is the CRLF ending the request line plus the empty line ending the head: the only buffered
	// bytes that neither limit counts.
	headSlack = 4
)

// Limits bound what a client can make the parser buffer.
type Limits struct {
	MaxRequestLine  int // bytes of the request line, CRLF excluded; more is answered 414
	MaxHeaderBytes  int // bytes of all field lines with their CRLFs (not the request line, not the final CRLF); more is 431
	MaxHeaderFields int // number of field lines; more is 431
}

// DefaultLimits returns the limits used when a field of Limits is not positive.
func DefaultLimits() Limits {
	return Limits{
		MaxRequestLine:  defaultMaxRequestLine,
		MaxHeaderBytes:  defaultMaxHeaderBytes,
		MaxHeaderFields: defaultMaxHeaderFields,
	}
}

type parseState uint8

const (
	stateRequestLine parseState = iota
	stateFields
	stateDone
)

// span is a [start, end) range of the parser's buffer. The buffer may move when it grows, so the parts of a head
// are remembered as offsets and turned into slices only once the head is complete.
type span struct{ start, end int }

func (s span) in(buf []byte) []byte { return buf[s.start:s.end:s.end] }

type fieldSpan struct{ name, value span }

// headState is everything learned about the current head; Reset replaces it wholesale.
type headState struct {
	state      parseState
	emptyLines int
	fieldBytes int // bytes of completed field lines, CRLF included
	numFields  int

	method, target, path, query, authority span
	hasQuery, hasAuthority, emptyPath      bool
	form                                   TargetForm
	major, minor                           int

	hostSeen bool
	host     span

	contentLength int64

	teSeen, teChunked, teAfterChunked, teOther bool
	teCodings                                  int

	connClose, connKeepAlive bool
	expect100, expectOther   bool
}

// Parser reads one request head at a time. It is not safe for concurrent use; a connection owns one.
type Parser struct {
	limits Limits
	maxBuf int

	// buf holds the head received so far: the request line and field lines with their CRLFs. Leading empty
	// lines are dropped. lineStart is where the line being received begins; bytes before it are never looked
	// at again, which keeps Feed linear however the input is split.
	buf       []byte
	lineStart int

	h      headState
	fields []fieldSpan
	req    Request
	err    *Error
}

// NewParser returns a parser enforcing l; fields of l that are not positive take their DefaultLimits value.
func NewParser(l Limits) *Parser {
	d := DefaultLimits()
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = d.MaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxHeaderFields <= 0 {
		l.MaxHeaderFields = d.MaxHeaderFields
	}
	p := &Parser{limits: l, maxBuf: l.MaxRequestLine + l.MaxHeaderBytes + headSlack}
	p.Reset()
	return p
}

// Reset prepares for the next request on the same connection, keeping the buffers. Slices from the previous
// Request become invalid.
func (p *Parser) Reset() {
	p.buf = p.buf[:0]
	p.lineStart = 0
	p.h = headState{contentLength: -1}
	p.fields = p.fields[:0]
	p.req = Request{Fields: p.req.Fields[:0]}
	p.err = nil
}

// Release resets and also drops the buffers, so that an idle connection holds almost no memory.
func (p *Parser) Release() {
	p.buf = nil
	p.fields = nil
	p.req.Fields = nil
	p.Reset()
}

// Started reports whether any byte of a request line has arrived, not counting forgiven empty lines. The server
// uses it to tell an idle connection from one that is sending a head, which have different timeouts.
func (p *Parser) Started() bool {
	if p.h.state != stateRequestLine {
		return true
	}
	// A lone CR may still turn out to start an empty line.
	return len(p.buf) > 1 || (len(p.buf) == 1 && p.buf[0] != '\r')
}

// Request returns the parsed head once Feed has reported done, and nil before. It stays valid until Reset.
func (p *Parser) Request() *Request {
	if p.h.state != stateDone {
		return nil
	}
	return &p.req
}

// Feed consumes bytes of a request head, copying them, so b may be reused after the call. It returns how many
// bytes of b were consumed and done once the head (request line, field lines, empty line) is complete. Bytes
// after the head are not consumed: they are the body or the next request. Feeding after done consumes nothing.
//
// A non-nil error is always one of the package's *Error values; it is sticky until Reset, and the server must
// answer with its Status and close the connection. n then counts the bytes taken before the offending line
// piece, which depends on how the input was split; the error and the parsed Request never do.
func (p *Parser) Feed(b []byte) (n int, done bool, err error) {
	if p.err != nil {
		return 0, false, p.err
	}
	if p.h.state == stateDone {
		return 0, true, nil
	}
	for n < len(b) {
		rest := b[n:]
		if p.h.state == stateFields && p.lineStart == len(p.buf) {
			used, e := p.fieldLines(rest)
			n += used
			if e != nil {
				return n, false, p.fail(e)
			}
			if used > 0 {
				continue
			}
		}
		lf := bytes.IndexByte(rest, '\n')
		if lf < 0 {
			if e := p.admit(rest, false); e != nil {
				return n, false, p.fail(e)
			}
			p.appendToBuf(rest)
			return len(b), false, nil
		}
		piece := rest[:lf+1]
		if e := p.admit(piece, true); e != nil {
			return n, false, p.fail(e)
		}
		p.appendToBuf(piece)
		n += len(piece)
		if e := p.completeLine(); e != nil {
			return n, false, p.fail(e)
		}
		if p.h.state == stateDone {
			return n, true, nil
		}
	}
	return n, false, nil
}

// scanFieldLine recognises, in one pass, a complete field line at the start of b that has no syntax error: a
// field-name, ':', a field-value and CRLF. It returns where the name ends and where the line ends, or end 0 for
// anything else (an error, a line not complete yet), which is left to the general path and its verdicts. Nearly
// every field line of a real head takes this path, which saves finding the LF, then the colon, then validating
// the value, each in a pass of its own.
func scanFieldLine(b []byte) (colon, end int) {
	i := 0
	// Four independent lookups and one branch per step, rather than a branch per byte.
	for i+4 <= len(b) && byteClass[b[i]]&byteClass[b[i+1]]&byteClass[b[i+2]]&byteClass[b[i+3]]&classTchar != 0 {
		i += 4
	}
	for i < len(b) && isTchar(b[i]) {
		i++
	}
	if i == 0 || i == len(b) || b[i] != ':' {
		return 0, 0
	}
	colon = i
	i++
	// Values are most of a head: eight bytes at a time until a word may hold a control byte (the CR ends the
	// value; HTAB is allowed) or DEL, then byte by byte to the first byte no value may hold.
	for i+8 <= len(b) && !mayHoldCtl(binary.LittleEndian.Uint64(b[i:])) {
		i += 8
	}
	for i < len(b) && byteClass[b[i]]&classFieldValue != 0 {
		i++
	}
	if i+1 >= len(b) || b[i] != '\r' || b[i+1] != '\n' {
		return 0, 0
	}
	return colon, i + len("\r\n")
}

// fieldLines takes the run of field lines that scanFieldLine finds complete and valid at the start of b, with
// the limit checks and bookkeeping admit and completeLine would make, and buffers the run with one copy instead
// of one per line. The lines hold no CR before their CRLF, so blameBareCR has nothing to blame. used leaves out
// a line that breaks a limit, as admit does, and includes one whose field is rejected, as completeLine does.
func (p *Parser) fieldLines(b []byte) (used int, err *Error) {
	base := len(p.buf)
	for {
		colon, end := scanFieldLine(b[used:])
		if end == 0 {
			break
		}
		if p.h.numFields >= p.limits.MaxHeaderFields {
			err = ErrTooManyFields
			break
		}
		if p.h.fieldBytes+end > p.limits.MaxHeaderBytes {
			err = ErrHeaderTooLarge
			break
		}
		p.h.numFields++
		p.h.fieldBytes += end
		err = p.addField(b[used:used+end-len("\r\n")], base+used, colon)
		used += end
		if err != nil {
			break
		}
	}
	// The spans addField recorded point where the run lands in buf.
	p.appendToBuf(b[:used])
	p.lineStart = len(p.buf)
	return used, err
}

func (p *Parser) fail(e *Error) error {
	p.err = e
	return e
}

// admit enforces the size limits before piece is buffered, so the buffer never exceeds maxBuf and an oversized
// line is refused as soon as it is known to be oversized. piece continues the current line; complete says it
// ends with the line's LF.
//
// The checks only use the line's content length (bytes before the CRLF) counted so far, which can only grow as
// more of the line arrives, and they run before any check of the line's bytes. That is what makes the verdict
// independent of how the line is split: a line that is too long is reported as too long whether it arrives at
// once or byte by byte.
func (p *Parser) admit(piece []byte, complete bool) *Error {
	pending := len(p.buf) - p.lineStart + len(piece)
	content := pending
	if complete {
		content-- // the LF
	}
	if content > 0 && p.pendingByte(piece, content-1) == '\r' {
		content-- // possibly the CR of the CRLF; if not, the line is rejected later anyway
	}
	switch p.h.state {
	case stateRequestLine:
		if content > p.limits.MaxRequestLine {
			return ErrURITooLong
		}
	case stateFields:
		if content == 0 {
			return nil // the empty line that ends the head, or its CR
		}
		if p.h.numFields >= p.limits.MaxHeaderFields {
			return ErrTooManyFields
		}
		if p.h.fieldBytes+content+len("\r\n") > p.limits.MaxHeaderBytes {
			return ErrHeaderTooLarge
		}
	}
	return nil
}

// pendingByte returns byte i of the current line, where the line is the buffered part followed by piece.
func (p *Parser) pendingByte(piece []byte, i int) byte {
	buffered := len(p.buf) - p.lineStart
	if i < buffered {
		return p.buf[p.lineStart+i]
	}
	return piece[i-buffered]
}

// appendToBuf grows buf geometrically but never beyond maxBuf; admit guarantees the data fits.
func (p *Parser) appendToBuf(piece []byte) {
	need := len(p.buf) + len(piece)
	if need > cap(p.buf) {
		newCap := max(2*cap(p.buf), minBufGrow, need)
		newCap = min(newCap, max(p.maxBuf, need))
		grown := make([]byte, len(p.buf), newCap)
		copy(grown, p.buf)
		p.buf = grown
	}
	p.buf = append(p.buf, piece...)
}

// completeLine handles the line that now ends buf with LF.
func (p *Parser) completeLine() *Error {
	end := len(p.buf) - len("\r\n")
	if end < p.lineStart || p.buf[end] != '\r' {
		return ErrBareLF
	}
	line := span{p.lineStart, end}
	switch p.h.state {
	case stateRequestLine:
		if line.start == line.end {
			p.h.emptyLines++
			if p.h.emptyLines > maxLeadingEmptyLines {
				return ErrTooManyEmptyLines
			}
			p.buf = p.buf[:p.lineStart]
			return nil
		}
		if err := p.parseRequestLine(line); err != nil {
			return err
		}
		p.h.state = stateFields
	case stateFields:
		if line.start == line.end {
			if err := p.finish(); err != nil {
				return err
			}
			p.h.state = stateDone
		} else {
			p.h.numFields++
			p.h.fieldBytes += len(p.buf) - p.lineStart
			if err := p.parseFieldLine(line); err != nil {
				return err
			}
		}
	}
	p.lineStart = len(p.buf)
	return nil
}

// parseRequestLine checks request-line = method SP request-target SP HTTP-version (RFC 9112 §3) with exactly
// one SP between the parts, which rules out the whitespace-tolerant variants that different parsers split
// differently.
func (p *Parser) parseRequestLine(ls span) *Error {
	return blameBareCR(ls.in(p.buf), p.parseRequestLineParts(ls))
}

// blameBareCR turns any failure of a line containing a CR into ErrBareCR. No grammar rule admits a CR inside a
// line, so the check only has to run once a line has already failed, and the verdict for a stray CR is the
// same whatever else is wrong with the line.
func blameBareCR(line []byte, err *Error) *Error {
	if err != nil && bytes.IndexByte(line, '\r') >= 0 {
		return ErrBareCR
	}
	return err
}

func (p *Parser) parseRequestLineParts(ls span) *Error {
	line := ls.in(p.buf)
	// A well-formed line is split in the same pass that checks its parts: a method is a run of tchar ending at
	// the first SP, a target a run of target bytes ending at the second. Only a line where that fails is split
	// at its SPs first, which is what decides between the errors.
	sp1 := tokenLen(line)
	if sp1 == 0 || sp1 == len(line) || line[sp1] != ' ' {
		sp1 = bytes.IndexByte(line, ' ')
		if sp1 <= 0 {
			return ErrBadRequestLine
		}
		if !isToken(line[:sp1]) {
			return ErrBadMethod
		}
	}
	method := line[:sp1]
	rest := line[sp1+1:]
	sp2 := targetLen(rest)
	if sp2 == 0 || sp2 == len(rest) || rest[sp2] != ' ' {
		sp2 = bytes.IndexByte(rest, ' ')
		if sp2 <= 0 {
			// No version at all is an HTTP/0.9 request, which we do not speak.
			return ErrBadRequestLine
		}
		if targetLen(rest[:sp2]) != sp2 {
			return ErrBadTarget
		}
	}
	target := rest[:sp2]
	major, minor, err := parseVersion(rest[sp2+1:])
	if err != nil {
		return err
	}
	p.h.major, p.h.minor = major, minor
	p.h.method = span{ls.start, ls.start + sp1}
	p.h.target = span{ls.start + sp1 + 1, ls.start + sp1 + 1 + sp2}
	return p.classifyTarget(method, target)
}

// parseVersion checks HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive. Any HTTP/1.x is
// served as HTTP/1.1; a well-formed other major version gets 505.
func parseVersion(v []byte) (major, minor int, err *Error) {
	if len(v) != len("HTTP/1.1") || string(v[:5]) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		return 0, 0, ErrBadVersion
	}
	major, minor = int(v[5]-'0'), int(v[7]-'0')
	if major != 1 {
		return 0, 0, ErrVersionNotSupported
	}
	return major, minor, nil
}

// classifyTarget decides the request-target form (RFC 9112 §3.2) and splits it into path, query and authority.
func (p *Parser) classifyTarget(method, target []byte) *Error {
	start := p.h.target.start
	isConnect := string(method) == "CONNECT"
	switch {
	case isConnect:
		// authority-form = uri-host ":" port, and CONNECT allows nothing else (RFC 9112 §3.2.3).
		if !validAuthority(target, true, true) {
			return ErrAuthorityForm
		}
		p.h.form = FormAuthority
	case target[0] == '/':
		p.h.form = FormOrigin
		p.splitPathQuery(start, start+len(target))
	case len(target) == 1 && target[0] == '*':
		if string(method) != "OPTIONS" {
			return ErrAsteriskForm
		}
		p.h.form = FormAsterisk
		p.h.path = p.h.target
	default:
		schemeLen := 0
		if len(target) >= len("http://") && equalFold(target[:len("http://")], "http://") {
			schemeLen = len("http://")
		} else if len(target) >= len("https://") && equalFold(target[:len("https://")], "https://") {
			schemeLen = len("https://")
		}
		if schemeLen == 0 {
			return ErrBadTarget
		}
		afterScheme := target[schemeLen:]
		authLen := bytes.IndexAny(afterScheme, "/?")
		if authLen < 0 {
			authLen = len(afterScheme)
		}
		// RFC 9110 §4.2.1: an http URI with an empty host is invalid, and userinfo is not to be trusted.
		if !validAuthority(afterScheme[:authLen], true, false) {
			return ErrBadTargetAuthority
		}
		authStart := start + schemeLen
		p.h.form = FormAbsolute
		p.h.authority = span{authStart, authStart + authLen}
		p.h.hasAuthority = true
		p.splitPathQuery(authStart+authLen, start+len(target))
		if p.h.path.start == p.h.path.end {
			p.h.emptyPath = true
		}
	}
	return nil
}

// splitPathQuery records buf[start:end] as path, up to the first '?', and query, after it.
func (p *Parser) splitPathQuery(start, end int) {
	q := bytes.IndexByte(p.buf[start:end], '?')
	if q < 0 {
		p.h.path = span{start, end}
		return
	}
	p.h.path = span{start, start + q}
	p.h.query = span{start + q + 1, end}
	p.h.hasQuery = true
}

// parseFieldLine checks field-line = field-name ":" OWS field-value OWS (RFC 9112 §5) and records the fields
// the server acts on.
func (p *Parser) parseFieldLine(ls span) *Error {
	return blameBareCR(ls.in(p.buf), p.parseFieldLineParts(ls))
}

func (p *Parser) parseFieldLineParts(ls span) *Error {
	line := ls.in(p.buf)
	if isOWS(line[0]) {
		// obs-fold, or whitespace between the request line and the first field (RFC 9112 §2.2, §5.2): either
		// way a field some other parser would read differently.
		return ErrObsFold
	}
	colon := 0
	for colon < len(line) && isTchar(line[colon]) {
		colon++
	}
	if colon == len(line) {
		return ErrMissingColon
	}
	if line[colon] != ':' {
		return badFieldName(line[colon:])
	}
	if colon == 0 {
		return ErrBadFieldName
	}
	if !validFieldValue(line[colon+1:]) {
		return ErrBadFieldValue
	}
	return p.addField(line, ls.start, colon)
}

// addField records a field line whose syntax has been checked, whose name ends at colon and which is, or is
// about to be, buffered at offset start, and acts on it if it is one of the fields that matter here.
func (p *Parser) addField(line []byte, start, colon int) *Error {
	name := line[:colon]
	vs, ve := colon+1, len(line)
	for vs < ve && isOWS(line[vs]) {
		vs++
	}
	for ve > vs && isOWS(line[ve-1]) {
		ve--
	}
	value := line[vs:ve]
	valueSpan := span{start + vs, start + ve}
	p.fields = append(p.fields, fieldSpan{name: span{start, start + colon}, value: valueSpan})

	// Only a handful of names matter here; switching on the length first keeps the common case to one compare.
	switch len(name) {
	case len("host"):
		if equalFold(name, "host") {
			return p.hostField(value, valueSpan)
		}
	case len("expect"):
		if equalFold(name, "expect") {
			p.expectField(value)
		}
	case len("connection"):
		if equalFold(name, "connection") {
			return p.connectionField(value)
		}
	case len("content-length"):
		if equalFold(name, "content-length") {
			return p.contentLengthField(value)
		}
	case len("transfer-encoding"):
		if equalFold(name, "transfer-encoding") {
			return p.transferEncodingField(value)
		}
	}
	return nil
}

// badFieldName names what is wrong with a field line whose name stops at rest[0], a byte other than ':'.
func badFieldName(rest []byte) *Error {
	colon := bytes.IndexByte(rest, ':')
	switch {
	case colon < 0:
		return ErrMissingColon
	case len(trimOWS(rest[:colon])) == 0:
		// RFC 9112 §5.1 demands 400 for whitespace before the colon; name it so it shows in logs.
		return ErrSpaceBeforeColon
	}
	return ErrBadFieldName
}

// hostField enforces RFC 9112 §3.2: exactly one Host, with a valid uri-host [":" port]. An empty value is valid.
func (p *Parser) hostField(value []byte, vs span) *Error {
	if p.h.hostSeen {
		return ErrDuplicateHost
	}
	p.h.hostSeen = true
	if !validAuthority(value, false, false) {
		return ErrBadHost
	}
	p.h.host = vs
	return nil
}

// contentLengthField accepts Content-Length = 1*DIGIT, and a list or repetition of one identical value, which
// RFC 9112 §6.3 lets a recipient treat as that value. Anything else could be framed two ways.
func (p *Parser) contentLengthField(value []byte) *Error {
	for rest := value; ; {
		var elem []byte
		elem, rest = nextListElement(rest)
		n, ok := parseContentLength(elem)
		if !ok {
			return ErrBadContentLength
		}
		if p.h.contentLength >= 0 && n != p.h.contentLength {
			return ErrConflictingContentLength
		}
		p.h.contentLength = n
		if rest == nil {
			return nil
		}
	}
}

func parseContentLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > maxContentLengthDigits {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// transferEncodingField accumulates the codings of every Transfer-Encoding line, which together form one list
// (RFC 9110 §5.3). The verdict waits for the end of the head, when the whole list is known.
func (p *Parser) transferEncodingField(value []byte) *Error {
	p.h.teSeen = true
	for rest := value; ; {
		var elem []byte
		elem, rest = nextListElement(rest)
		if len(elem) > 0 {
			p.h.teCodings++
			if p.h.teChunked {
				p.h.teAfterChunked = true
			}
			switch {
			case equalFold(elem, "chunked"):
				p.h.teChunked = true
			case validTransferCoding(elem):
				p.h.teOther = true
			default:
				return ErrBadTE
			}
		}
		if rest == nil {
			return nil
		}
	}
}

// validTransferCoding checks transfer-coding = token *( OWS ";" OWS transfer-parameter ) as far as the verdict
// needs: a token, optionally followed by parameters, which are left unparsed because any coding other than a
// bare "chunked" is refused anyway.
func validTransferCoding(elem []byte) bool {
	i := 0
	for i < len(elem) && isTchar(elem[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(elem) && isOWS(elem[i]) {
		i++
	}
	return i == len(elem) || elem[i] == ';'
}

// connectionField reads the connection options (RFC 9110 §7.6.1); only close and keep-alive affect us.
func (p *Parser) connectionField(value []byte) *Error {
	for rest := value; ; {
		var elem []byte
		elem, rest = nextListElement(rest)
		if len(elem) > 0 {
			if !isToken(elem) {
				return ErrBadConnection
			}
			switch {
			case equalFold(elem, "close"):
				p.h.connClose = true
			case equalFold(elem, "keep-alive"):
				p.h.connKeepAlive = true
			}
		}
		if rest == nil {
			return nil
		}
	}
}

// expectField notes whether the only expectation is 100-continue, the only one defined (RFC 9110 §10.1.1).
func (p *Parser) expectField(value []byte) {
	for rest := value; ; {
		var elem []byte
		elem, rest = nextListElement(rest)
		if len(elem) > 0 {
			if equalFold(elem, "100-continue") {
				p.h.expect100 = true
			} else {
				p.h.expectOther = true
			}
		}
		if rest == nil {
			return
		}
	}
}

// finish applies the rules that need the whole head, then exposes the result as a Request. Syntax errors in
// any line come first; 417 and 501 only answer heads that are otherwise well-formed.
func (p *Parser) finish() *Error {
	h := &p.h
	http11 := h.major == 1 && h.minor >= 1
	if http11 && !h.hostSeen {
		return ErrMissingHost
	}
	if h.teSeen {
		switch {
		case !http11:
			// RFC 9112 §6.1: HTTP/1.0 has no Transfer-Encoding, so its presence means faulty framing.
			return ErrTEInHTTP10
		case h.contentLength >= 0:
			// RFC 9112 §6.1 lets a server reject this outright; it is the classic smuggling vector.
			return ErrCLAndTE
		case h.teCodings == 0:
			return ErrBadTE
		case !h.teChunked || h.teAfterChunked:
			// RFC 9112 §6.3: without chunked last the body length cannot be known, which is a 400 (a MUST) even
			// when the other codings are merely unsupported; 501 is for unknown codings before a final chunked.
			return ErrChunkedNotFinal
		case h.teOther:
			return ErrUnsupportedTE
		}
	}
	if http11 && h.expectOther {
		return ErrExpectation
	}
	p.buildRequest()
	return nil
}

// rootPath is the path of an absolute-form target without one (RFC 9112 §3.2.2). Shared and read-only.
var rootPath = []byte("/")

func (p *Parser) buildRequest() {
	h := &p.h
	buf := p.buf
	r := &p.req
	r.Method = h.method.in(buf)
	r.Target = h.target.in(buf)
	r.Form = h.form
	r.Major, r.Minor = h.major, h.minor
	switch {
	case h.form == FormAuthority:
		r.Path = nil
	case h.emptyPath:
		r.Path = rootPath[:1:1]
	default:
		r.Path = h.path.in(buf)
	}
	if h.hasQuery {
		r.Query = h.query.in(buf)
	}
	switch {
	case h.hasAuthority:
		r.Host = h.authority.in(buf)
	case h.hostSeen:
		r.Host = h.host.in(buf)
	}
	r.Fields = slices.Grow(r.Fields[:0], len(p.fields))[:len(p.fields)]
	for i := range p.fields {
		f, dst := &p.fields[i], &r.Fields[i]
		dst.Name = f.name.in(buf)
		dst.Value = f.value.in(buf)
	}
	http11 := r.isHTTP11()
	r.ContentLength = h.contentLength
	r.Chunked = h.teSeen
	r.KeepAlive = !h.connClose && (http11 || h.connKeepAlive)
	r.Expect100 = http11 && h.expect100
}

// validAuthority checks uri-host [ ":" port ] (RFC 3986 §3.2.2, §3.2.3) as used by Host, absolute-form and
// authority-form. userinfo is refused: '@' is not a reg-name byte. An empty port ("host:") is refused although
// RFC 3986 allows it, since nothing legitimate sends one. needHost rejects an empty host; needPort requires a port.
func validAuthority(b []byte, needHost, needPort bool) bool {
	var host, port []byte
	hasPort := false
	if len(b) > 0 && b[0] == '[' {
		end := bytes.IndexByte(b, ']')
		if end < 0 || !validIPLiteral(b[1:end]) {
			return false
		}
		host = b[:end+1]
		if rest := b[end+1:]; len(rest) > 0 {
			if rest[0] != ':' {
				return false
			}
			port, hasPort = rest[1:], true
		}
	} else {
		host = b
		if colon := bytes.IndexByte(b, ':'); colon >= 0 {
			host, port, hasPort = b[:colon], b[colon+1:], true
		}
		if !validRegName(host) {
			return false
		}
	}
	if hasPort && !validPort(port) {
		return false
	}
	if len(host) == 0 && (needHost || hasPort) {
		return false
	}
	return hasPort || !needPort
}

// validRegName checks reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4 addresses are a subset.
func validRegName(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if byteClass[c]&classRegName != 0 {
			continue
		}
		if c != '%' || i+2 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) {
			return false
		}
		i += 2
	}
	return true
}

// maxPort is the largest TCP port; a longer digit string cannot name anything.
const maxPort = 65535

func validPort(b []byte) bool {
	if len(b) == 0 || len(b) > len("65535") {
		return false
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= maxPort
}

// validIPLiteral checks the inside of IP-literal = "[" ( IPv6address / IPvFuture ) "]" (RFC 3986 §3.2.2).
// Zone identifiers are not accepted: they mean nothing to a server.
func validIPLiteral(b []byte) bool {
	if len(b) > 0 && (b[0] == 'v' || b[0] == 'V') {
		return validIPvFuture(b[1:])
	}
	return validIPv6(b)
}

// validIPvFuture checks what follows the "v": 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
func validIPvFuture(b []byte) bool {
	i := 0
	for i < len(b) && isHex(b[i]) {
		i++
	}
	if i == 0 || i >= len(b)-1 || b[i] != '.' {
		return false
	}
	for _, c := range b[i+1:] {
		if byteClass[c]&classRegName == 0 && c != ':' {
			return false
		}
	}
	return true
}

// ipv6Groups is the number of 16-bit groups in an IPv6 address; an embedded IPv4 address counts as two.
const ipv6Groups = 8

// validIPv6 checks IPv6address (RFC 3986 §3.2.2): up to eight groups of 1-4 hex digits separated by ':', at most
// one "::" standing for one or more zero groups, and optionally a dotted IPv4 address in place of the last two.
func validIPv6(b []byte) bool {
	groups := 0
	compressed := false
	i := 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		compressed = true
		i = 2
		if i == len(b) {
			return true
		}
	}
	for i < len(b) {
		j := i
		for j < len(b) && j-i < 5 && isHex(b[j]) {
			j++
		}
		if j < len(b) && b[j] == '.' {
			// The IPv4 tail must be last and fill the final two groups.
			if !validIPv4(b[i:]) {
				return false
			}
			groups += 2
			i = len(b)
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		i = j
		if i == len(b) {
			break
		}
		if b[i] != ':' {
			return false
		}
		i++
		if i < len(b) && b[i] == ':' {
			if compressed {
				return false
			}
			compressed = true
			i++
			if i == len(b) {
				break
			}
		} else if i == len(b) {
			return false // a trailing single ':'
		}
	}
	if compressed {
		return groups < ipv6Groups
	}
	return groups == ipv6Groups
}

// validIPv4 checks dec-octet "." dec-octet "." dec-octet "." dec-octet, without leading zeros.
func validIPv4(b []byte) bool {
	for octet := 0; octet < 4; octet++ {
		if octet > 0 {
			if len(b) == 0 || b[0] != '.' {
				return false
			}
			b = b[1:]
		}
		n, digits := 0, 0
		for digits < len(b) && isDigit(b[digits]) {
			n = n*10 + int(b[digits]-'0')
			digits++
			if digits > 3 {
				return false
			}
		}
		if digits == 0 || n > 255 || (digits > 1 && b[0] == '0') {
			return false
		}
		b = b[digits:]
	}
	return len(b) == 0
}
