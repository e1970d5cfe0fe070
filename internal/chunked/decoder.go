// Package chunked decodes and encodes the HTTP/1.1 chunked transfer coding
// (RFC 9112 §7.1) without doing any I/O: bytes go in, payload slices and
// framing verdicts come out.
//
// The decoder is deliberately stricter than most implementations. Every line
// must end in CRLF (a bare LF or CR is an error, per RFC 9112 erratum 7633),
// chunk extensions and trailer fields are checked against their ABNF, and
// every piece of non-payload input is charged to a bounded budget. Lenient
// chunk parsing is a classic request-smuggling vector: when two hops disagree
// on where a body ends, the attacker controls where the next request starts.
package chunked

import "math"

// Defaults applied by NewDecoder to any Limits field that is zero or negative.
const (
	// Sixteen hex digits cover every int64 chunk size without leading zeros.
	defaultMaxChunkSizeDigits = 16
	defaultMaxExtensionBytes  = 4096
	defaultMaxTrailerBytes    = 8192
	defaultMaxTrailerFields   = 32
)

// The overhead budget bounds how much framing a peer may send per payload
// byte. Without it, a body capped at N payload bytes could still cost ~20·N
// bytes of wire input (zero-padded one-byte chunks), so the payload cap would
// not cap the work. Each chunk may spend chunkOverheadAllowance framing bytes
// plus twice its size for free; anything beyond is accumulated as excess, and
// the message fails once the excess exceeds maxExcessOverhead.
const (
	chunkOverheadAllowance = 16
	maxExcessOverhead      = 16 * 1024
	// dataTerminatorLen is the CRLF after chunk-data, charged up front with
	// the chunk line so the budget is settled once per chunk.
	dataTerminatorLen = 2
)

// Limits bounds the non-payload parts of one chunked message. The payload
// size itself is the caller's business: it sees every byte Feed returns.
type Limits struct {
	MaxChunkSizeDigits int // hex digits of chunk-size incl. leading zeros; more → error (default 16, and the value must fit int64)
	MaxExtensionBytes  int // total bytes of all chunk-ext of one message (default 4096)
	MaxTrailerBytes    int // bytes of the trailer section (default 8192)
	MaxTrailerFields   int // default 32
}

// DefaultLimits returns the limits NewDecoder uses for fields left at zero.
func DefaultLimits() Limits {
	return Limits{
		MaxChunkSizeDigits: defaultMaxChunkSizeDigits,
		MaxExtensionBytes:  defaultMaxExtensionBytes,
		MaxTrailerBytes:    defaultMaxTrailerBytes,
		MaxTrailerFields:   defaultMaxTrailerFields,
	}
}

// withDefaults treats non-positive fields as unset so that a partially
// filled Limits literal never turns into "reject everything".
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxChunkSizeDigits <= 0 {
		l.MaxChunkSizeDigits = d.MaxChunkSizeDigits
	}
	if l.MaxExtensionBytes <= 0 {
		l.MaxExtensionBytes = d.MaxExtensionBytes
	}
	if l.MaxTrailerBytes <= 0 {
		l.MaxTrailerBytes = d.MaxTrailerBytes
	}
	if l.MaxTrailerFields <= 0 {
		l.MaxTrailerFields = d.MaxTrailerFields
	}
	return l
}

// Error is a framing error; the server answers 400 and closes.
//
// Reason is fixed text chosen by this package and never contains input
// bytes, so it is safe to log or send back without escaping.
type Error struct{ Reason string }

func (e *Error) Error() string { return "chunked: " + e.Reason }

// Framing errors. Feed returns exactly these pointers, so callers may compare
// with == or errors.Is.
var (
	ErrBadChunkSize      = &Error{Reason: "invalid chunk size"}
	ErrChunkSizeTooLong  = &Error{Reason: "chunk size has too many digits"}
	ErrChunkSizeOverflow = &Error{Reason: "chunk size overflows int64"}
	ErrBadExtension      = &Error{Reason: "malformed chunk extension"}
	ErrExtensionTooLarge = &Error{Reason: "chunk extensions too large"}
	// ErrMissingCRLF covers a bare LF, a bare CR, and anything other than
	// CRLF right after chunk-data.
	ErrMissingCRLF      = &Error{Reason: "line not terminated by CRLF"}
	ErrBadTrailer       = &Error{Reason: "malformed trailer field"}
	ErrTrailerTooLarge  = &Error{Reason: "trailer section too large"}
	ErrTooManyTrailers  = &Error{Reason: "too many trailer fields"}
	ErrTooMuchOverhead  = &Error{Reason: "too much framing overhead per payload byte"}
	errUnreachableState = &Error{Reason: "internal decoder state corrupted"}
)

// state names the position in the chunked-body grammar where the next byte
// belongs.
type state uint8

const (
	stSizeFirst     state = iota // first HEXDIG of chunk-size
	stSize                       // further HEXDIG, or what follows chunk-size
	stSizeBWS                    // BWS after chunk-size; only ";" may follow
	stExtPreName                 // after ";", BWS then ext-name
	stExtName                    // inside ext-name
	stExtAfterName               // BWS after ext-name; "=" or ";" may follow
	stExtPreValue                // after "=", BWS then ext-val
	stExtToken                   // inside a token ext-val
	stExtQuoted                  // inside a quoted-string ext-val
	stExtQuotedPair              // after "\" inside a quoted-string
	stExtQuotedEnd               // right after the closing DQUOTE
	stExtAfterValue              // BWS after ext-val; only ";" may follow
	stLineLF                     // CR of the chunk line seen, LF must follow
	stData                       // chunk-data
	stDataCR                     // CR after chunk-data
	stDataLF                     // LF after chunk-data
	stTrailerStart               // start of a field-line or of the final CRLF
	stTrailerName                // inside field-name
	stTrailerValue               // after ":", inside OWS field-value OWS
	stTrailerLF                  // LF ending a field-line
	stEndLF                      // LF of the final CRLF
	stDone                       // message complete
)

// Decoder is an incremental chunked-body parser. It holds only counters and
// a grammar position, never input bytes, so the caller owns all buffering.
type Decoder struct {
	limits Limits
	state  state
	err    error // sticky: once framing is broken the stream cannot resync

	size      int64 // chunk-size being parsed
	digits    int   // HEXDIG count of size, leading zeros included
	remaining int64 // chunk-data bytes not yet returned

	lineBytes    int   // bytes of the current chunk line, for the overhead budget
	excess       int64 // overhead beyond the per-chunk allowance
	extBytes     int   // chunk-ext bytes of the whole message
	trailerBytes int
	trailers     int
}

// NewDecoder returns a decoder enforcing l; zero or negative fields take the
// values of DefaultLimits.
func NewDecoder(l Limits) *Decoder {
	return &Decoder{limits: l.withDefaults()}
}

// Reset prepares d for the next message, keeping its limits.
func (d *Decoder) Reset() {
	*d = Decoder{limits: d.limits}
}

// Trailers returns the number of trailer fields seen so far. The fields are
// validated and discarded: the server does not expose trailers to handlers.
func (d *Decoder) Trailers() int { return d.trailers }

// Feed parses chunked framing from src. It returns payload bytes as a subslice of src (never copied, never
// more than one contiguous piece per call), how many bytes of src it consumed (framing + payload), and done once
// the last-chunk and the trailer section (with its final CRLF) are consumed. Bytes after the end are not consumed.
// The caller calls again with the unconsumed rest plus new input; when n == 0 and !done and err == nil more
// input is needed. State lives in the decoder, so any split of the input gives the same payload. Errors are sticky.
//
// A call stops right after returning payload, so data, when non-empty, is
// always src[n-len(data):n]. On error, n counts the bytes accepted before the
// offending one; the connection must be closed, since the rest of the stream
// cannot be framed.
func (d *Decoder) Feed(src []byte) (data []byte, n int, done bool, err error) {
	if d.err != nil {
		return nil, 0, false, d.err
	}
	if d.state == stDone {
		return nil, 0, true, nil
	}
	for i := 0; i < len(src); {
		switch d.state {
		case stData:
			take := len(src) - i
			if int64(take) > d.remaining {
				take = int(d.remaining)
			}
			d.remaining -= int64(take)
			if d.remaining == 0 {
				d.state = stDataCR
			}
			return src[i : i+take], i + take, false, nil
		case stDataCR:
			// Every chunk but the last is followed by a CRLF and the next size line; taking them without a
			// step per byte is what makes a body of many small chunks cheap. Anything unusual (a missing CR,
			// an extension, a limit reached, the input ending) is left to step, from the same state.
			if i+1 < len(src) && src[i] == '\r' && src[i+1] == '\n' {
				d.startChunk()
				i += 2
				continue
			}
		case stSizeFirst, stSize:
			used, err := d.sizeLine(src[i:])
			i += used
			if err != nil {
				d.err = err
				return nil, i, false, err
			}
			if used > 0 {
				continue
			}
		}
		if err := d.step(src[i]); err != nil {
			d.err = err
			return nil, i, false, err
		}
		i++
		if d.state == stDone {
			return nil, i, true, nil
		}
	}
	return nil, len(src), false, nil
}

// step consumes one framing byte.
func (d *Decoder) step(c byte) error {
	switch d.state {
	case stSizeFirst, stSize, stSizeBWS, stLineLF:
		d.lineBytes++
		return d.stepSizeLine(c)
	case stExtPreName, stExtName, stExtAfterName, stExtPreValue, stExtToken,
		stExtQuoted, stExtQuotedPair, stExtQuotedEnd, stExtAfterValue:
		d.lineBytes++
		if c != '\r' { // the CR ends the line; it is not part of chunk-ext
			if err := d.chargeExtension(); err != nil {
				return err
			}
		}
		return d.stepExtension(c)
	case stDataCR:
		if c != '\r' {
			return ErrMissingCRLF
		}
		d.state = stDataLF
	case stDataLF:
		if c != '\n' {
			return ErrMissingCRLF
		}
		d.startChunk()
	case stTrailerStart, stTrailerName, stTrailerValue, stTrailerLF, stEndLF:
		return d.stepTrailer(c)
	default:
		return errUnreachableState
	}
	return nil
}

func (d *Decoder) startChunk() {
	d.state = stSizeFirst
	d.size = 0
	d.digits = 0
	d.lineBytes = 0
}

// sizeLine takes what step would take of a chunk line in the common case, chunk-size then CRLF, in one pass over
// b, with the same effect on the decoder. It stops before any other byte, and before a digit that breaks a limit,
// so that step reports it; used counts the bytes taken, also when err is set.
func (d *Decoder) sizeLine(b []byte) (used int, err error) {
	i := 0
	if d.state == stSizeFirst {
		if len(b) == 0 || hexDigit[b[0]] == notHex {
			return 0, nil
		}
		d.size, d.digits, d.state = int64(hexDigit[b[0]]), 1, stSize
		i = 1
	}
	size, digits := d.size, d.digits
	for i < len(b) {
		v := hexDigit[b[i]]
		if v == notHex || digits >= d.limits.MaxChunkSizeDigits || size > math.MaxInt64>>4 {
			break
		}
		size = size<<4 | int64(v)
		digits++
		i++
	}
	d.size, d.digits = size, digits
	d.lineBytes += i
	if i+1 >= len(b) || b[i] != '\r' || b[i+1] != '\n' {
		return i, nil
	}
	d.lineBytes += 2
	if err := d.endChunkLine(); err != nil {
		return i + 1, err // the LF, as step would report it
	}
	return i + 2, nil
}

// stepSizeLine handles chunk-size and the line ending of a chunk line:
//
//	chunk-size = 1*HEXDIG
//	chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	last-chunk = 1*("0") [ chunk-ext ] CRLF
func (d *Decoder) stepSizeLine(c byte) error {
	if c == '\n' && d.state != stLineLF {
		return ErrMissingCRLF
	}
	switch d.state {
	case stSizeFirst:
		v, ok := hexValue(c)
		if !ok {
			// Covers "-5", "+5", " 5", "0x5" (after the 0) and empty lines.
			return ErrBadChunkSize
		}
		d.size = v
		d.digits = 1
		d.state = stSize
	case stSize:
		if v, ok := hexValue(c); ok {
			d.digits++
			if d.digits > d.limits.MaxChunkSizeDigits {
				return ErrChunkSizeTooLong
			}
			if d.size > math.MaxInt64>>4 {
				return ErrChunkSizeOverflow
			}
			d.size = d.size<<4 | v
			return nil
		}
		switch {
		case c == '\r':
			d.state = stLineLF
		case c == ';':
			d.state = stExtPreName
			return d.chargeExtension()
		case isBWS(c):
			d.state = stSizeBWS
			return d.chargeExtension()
		default:
			return ErrBadChunkSize
		}
	case stSizeBWS:
		// BWS is only legal as the lead-in of a chunk-ext; "5 \r\n" is a
		// malformed size, not an empty extension.
		switch {
		case c == ';':
			d.state = stExtPreName
		case isBWS(c):
		default:
			return ErrBadChunkSize
		}
		return d.chargeExtension()
	case stLineLF:
		if c != '\n' {
			return ErrMissingCRLF
		}
		return d.endChunkLine()
	}
	return nil
}

// stepExtension walks the chunk-ext grammar. Extensions carry no meaning for
// this server, but they are validated so that no hop can read a different
// line ending or chunk size out of them.
//
//	chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-name = token
//	chunk-ext-val  = token / quoted-string
//	quoted-string  = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	qdtext         = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//	quoted-pair    = "\" ( HTAB / SP / VCHAR / obs-text )
func (d *Decoder) stepExtension(c byte) error {
	if c == '\n' {
		return ErrMissingCRLF
	}
	switch d.state {
	case stExtPreName:
		switch {
		case isTchar(c):
			d.state = stExtName
		case isBWS(c):
		default:
			return ErrBadExtension
		}
	case stExtName:
		switch {
		case isTchar(c):
		case c == '=':
			d.state = stExtPreValue
		case c == ';':
			d.state = stExtPreName
		case c == '\r':
			d.state = stLineLF
		case isBWS(c):
			d.state = stExtAfterName
		default:
			return ErrBadExtension
		}
	case stExtAfterName:
		switch {
		case c == '=':
			d.state = stExtPreValue
		case c == ';':
			d.state = stExtPreName
		case isBWS(c):
		default:
			return ErrBadExtension
		}
	case stExtPreValue:
		switch {
		case c == '"':
			d.state = stExtQuoted
		case isTchar(c):
			d.state = stExtToken
		case isBWS(c):
		default:
			return ErrBadExtension
		}
	case stExtToken:
		switch {
		case isTchar(c):
		case c == ';':
			d.state = stExtPreName
		case c == '\r':
			d.state = stLineLF
		case isBWS(c):
			d.state = stExtAfterValue
		default:
			return ErrBadExtension
		}
	case stExtQuoted:
		switch {
		case c == '"':
			d.state = stExtQuotedEnd
		case c == '\\':
			d.state = stExtQuotedPair
		case byteClass[c]&classQdtext != 0:
		default:
			return ErrBadExtension
		}
	case stExtQuotedPair:
		if byteClass[c]&classFieldByte == 0 {
			return ErrBadExtension
		}
		d.state = stExtQuoted
	case stExtQuotedEnd:
		switch {
		case c == ';':
			d.state = stExtPreName
		case c == '\r':
			d.state = stLineLF
		case isBWS(c):
			d.state = stExtAfterValue
		default:
			return ErrBadExtension
		}
	case stExtAfterValue:
		switch {
		case c == ';':
			d.state = stExtPreName
		case isBWS(c):
		default:
			// Includes CR: trailing BWS before the line end is not in the
			// grammar, and "=" after a value would start a second value.
			return ErrBadExtension
		}
	}
	return nil
}

func (d *Decoder) chargeExtension() error {
	d.extBytes++
	if d.extBytes > d.limits.MaxExtensionBytes {
		return ErrExtensionTooLarge
	}
	return nil
}

// endChunkLine settles the overhead budget for the chunk whose line just
// ended and moves on to its data, or to the trailers after the last-chunk.
func (d *Decoder) endChunkLine() error {
	if d.size >= maxExcessOverhead {
		// A chunk this large pays for any framing that fits the budget;
		// checking first also keeps 2*size from overflowing.
		d.excess = 0
	} else {
		d.excess += int64(d.lineBytes) + dataTerminatorLen - chunkOverheadAllowance - 2*d.size
		d.excess = max(d.excess, 0)
		if d.excess > maxExcessOverhead {
			return ErrTooMuchOverhead
		}
	}
	if d.size == 0 {
		d.state = stTrailerStart
		return nil
	}
	d.remaining = d.size
	d.state = stData
	return nil
}

// stepTrailer walks the trailer section and the final CRLF:
//
//	chunked-body    = *chunk last-chunk trailer-section CRLF
//	trailer-section = *( field-line CRLF )
//	field-line      = field-name ":" OWS field-value OWS
//	field-value     = *field-content   ; VCHAR / obs-text, SP/HTAB inside
//
// obs-fold is rejected: a line starting with SP or HTAB is an error.
func (d *Decoder) stepTrailer(c byte) error {
	if c == '\n' && d.state != stTrailerLF && d.state != stEndLF {
		return ErrMissingCRLF
	}
	// The final CRLF is not part of the trailer section, so it is free.
	if d.state != stEndLF && !(d.state == stTrailerStart && c == '\r') {
		d.trailerBytes++
		if d.trailerBytes > d.limits.MaxTrailerBytes {
			return ErrTrailerTooLarge
		}
	}
	switch d.state {
	case stTrailerStart:
		switch {
		case c == '\r':
			d.state = stEndLF
		case isTchar(c):
			d.trailers++
			if d.trailers > d.limits.MaxTrailerFields {
				return ErrTooManyTrailers
			}
			d.state = stTrailerName
		default:
			return ErrBadTrailer
		}
	case stTrailerName:
		switch {
		case isTchar(c):
		case c == ':':
			d.state = stTrailerValue
		default:
			return ErrBadTrailer
		}
	case stTrailerValue:
		// OWS and field-content share one byte class, so the value needs
		// no inner structure beyond "no CTLs".
		switch {
		case c == '\r':
			d.state = stTrailerLF
		case byteClass[c]&classFieldByte != 0:
		default:
			return ErrBadTrailer
		}
	case stTrailerLF:
		if c != '\n' {
			return ErrMissingCRLF
		}
		d.state = stTrailerStart
	case stEndLF:
		if c != '\n' {
			return ErrMissingCRLF
		}
		d.state = stDone
	}
	return nil
}

// Byte classes, as bits of byteClass.
const (
	classTchar     = 1 << iota // token character (RFC 9110 §5.6.2)
	classQdtext                // qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
	classFieldByte             // HTAB / SP / VCHAR / obs-text
)

var byteClass = buildByteClass()

func buildByteClass() (t [256]uint8) {
	// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
	//         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
	for _, c := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] |= classTchar
	}
	for c := 0; c < 256; c++ {
		vchar := c >= 0x21 && c <= 0x7e
		obsText := c >= 0x80
		ws := c == ' ' || c == '\t'
		if vchar || obsText || ws {
			t[c] |= classFieldByte
			if c != '"' && c != '\\' {
				t[c] |= classQdtext
			}
		}
	}
	return t
}

func isTchar(c byte) bool { return byteClass[c]&classTchar != 0 }

func isBWS(c byte) bool { return c == ' ' || c == '\t' }

func hexValue(c byte) (int64, bool) {
	v := hexDigit[c]
	return int64(v), v != notHex
}

// notHex marks the bytes of hexDigit that are not HEXDIG.
const notHex = 0xFF

// hexDigit maps each HEXDIG to its value and every other byte to notHex, so a size digit costs one load.
var hexDigit = buildHexDigit()

func buildHexDigit() (t [256]uint8) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = uint8(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = uint8(c-'a') + 10
		case 'A' <= c && c <= 'F':
			t[c] = uint8(c-'A') + 10
		default:
			t[c] = notHex
		}
	}
	return t
}
