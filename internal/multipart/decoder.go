// Package multipart is an incremental, allocation-light decoder for
// multipart/form-data bodies (RFC 7578 over RFC 2046 framing). It does no I/O:
// the caller feeds bytes as they arrive and receives events, and part data is
// handed back as subslices of the caller's input, so a part of any size is
// streamed through a buffer of fixed size.
package multipart

import "bytes"

// Limits bound what a single body may make the decoder do or hold.
type Limits struct {
	MaxPartHeaderBytes  int // bytes of one part's header block, blank line included
	MaxPartHeaderFields int // field lines in one part's header block
	MaxParts            int // parts in one body
}

const (
	defaultMaxPartHeaderBytes  = 8192
	defaultMaxPartHeaderFields = 16
	defaultMaxParts            = 1000

	// maxTransportPadding bounds the LWSP allowed between a boundary and its
	// CRLF; real senders use none, and an endless run would only burn CPU.
	maxTransportPadding = 128
)

// DefaultLimits returns the limits used for any Limits field that is not positive.
func DefaultLimits() Limits {
	return Limits{
		MaxPartHeaderBytes:  defaultMaxPartHeaderBytes,
		MaxPartHeaderFields: defaultMaxPartHeaderFields,
		MaxParts:            defaultMaxParts,
	}
}

// EventKind says what a Feed call found.
type EventKind uint8

const (
	// EventNone: nothing to report; the input after the n consumed bytes is
	// too short to make progress, so more input is needed.
	EventNone EventKind = iota
	// EventPartBegin: a part header was decoded; see Decoder.Part.
	EventPartBegin
	// EventPartData: data holds the next bytes of the current part's content.
	EventPartData
	// EventPartEnd: the current part's content is complete.
	EventPartEnd
	// EventDone: the close delimiter was read; the rest of the body is epilogue.
	EventDone
)

func (k EventKind) String() string {
	switch k {
	case EventNone:
		return "None"
	case EventPartBegin:
		return "PartBegin"
	case EventPartData:
		return "PartData"
	case EventPartEnd:
		return "PartEnd"
	case EventDone:
		return "Done"
	}
	return "EventKind(?)"
}

type decoderState uint8

const (
	statePreamble      decoderState = iota // before the first delimiter
	stateDelimiterTail                     // after "--boundary": "--", or padding and CRLF
	stateHeader                            // collecting a part's header block
	stateData                              // inside a part's content
	stateEpilogue                          // after the close delimiter
)

// Decoder decodes one multipart/form-data body. The zero value is not usable;
// call NewDecoder.
type Decoder struct {
	// delimiter is CRLF "--" boundary (RFC 2046 §5.1.1); delimiter[2:] is the
	// dash-boundary that may open the body without a preceding CRLF.
	delimiter []byte
	limits    Limits
	state     decoderState
	err       error

	atBodyStart    bool // no byte of the body has been consumed yet
	atContentStart bool // no byte of the current part's content has been consumed yet
	padding        int  // transport padding consumed after the current boundary
	parts          int

	header    []byte // the header block being collected, bounded by MaxPartHeaderBytes
	lineStart int    // offset in header of the line being collected
	fields    int    // complete field lines in header
	part      Part
}

// NewDecoder returns a decoder for a body delimited by boundary, which should
// come from BoundaryFromContentType. An invalid boundary makes every Feed
// fail with ErrBadBoundary. Limits fields that are not positive take their
// DefaultLimits value.
func NewDecoder(boundary []byte, l Limits) *Decoder {
	defaults := DefaultLimits()
	if l.MaxPartHeaderBytes <= 0 {
		l.MaxPartHeaderBytes = defaults.MaxPartHeaderBytes
	}
	if l.MaxPartHeaderFields <= 0 {
		l.MaxPartHeaderFields = defaults.MaxPartHeaderFields
	}
	if l.MaxParts <= 0 {
		l.MaxParts = defaults.MaxParts
	}
	d := &Decoder{limits: l, atBodyStart: true}
	if !validBoundary(boundary) {
		d.err = ErrBadBoundary
		return d
	}
	d.delimiter = make([]byte, 0, len("\r\n--")+len(boundary))
	d.delimiter = append(append(d.delimiter, "\r\n--"...), boundary...)
	return d
}

// Part returns the part announced by the last EventPartBegin. It is
// overwritten by the next EventPartBegin.
func (d *Decoder) Part() *Part { return &d.part }

// Finish reports whether the body, now ended, was complete: it returns
// ErrUnexpectedEnd unless EventDone was produced, or the earlier error.
func (d *Decoder) Finish() error {
	if d.err == nil && d.state != stateEpilogue {
		d.err = ErrUnexpectedEnd
	}
	return d.err
}

// Feed consumes bytes from the start of src and returns at most one event.
// The caller must discard the first n bytes of src and call again with the
// rest, followed by new input once ev is EventNone. For EventPartData, data
// is a subslice of src, valid as long as src is. At most len(boundary)+5
// bytes (a possible delimiter) are left unconsumed at the end of src; only
// part headers are copied into the decoder. EventDone consumes all of src,
// and so do later calls, since the epilogue is ignored. Once an error is
// returned, every later call returns it too.
func (d *Decoder) Feed(src []byte) (ev EventKind, data []byte, n int, err error) {
	if d.err != nil {
		return EventNone, nil, 0, d.err
	}
	ev, data, n, err = d.feed(src)
	if err != nil {
		d.err = err
	}
	return ev, data, n, err
}

func (d *Decoder) feed(src []byte) (EventKind, []byte, int, error) {
	n := 0
	for {
		rest := src[n:]
		switch d.state {
		case statePreamble:
			used, found := d.skipPreamble(rest)
			n += used
			if !found {
				return EventNone, nil, n, nil
			}
			d.enterDelimiterTail()

		case stateDelimiterTail:
			used, next, err := d.delimiterTail(rest)
			n += used
			switch {
			case err != nil:
				return EventNone, nil, n, err
			case next == stateEpilogue:
				d.state = stateEpilogue
				return EventDone, nil, len(src), nil
			case next == stateHeader:
				d.parts++
				if d.parts > d.limits.MaxParts {
					return EventNone, nil, n, ErrTooManyParts
				}
				d.header, d.lineStart, d.fields = d.header[:0], 0, 0
				d.state = stateHeader
			default:
				return EventNone, nil, n, nil
			}

		case stateHeader:
			used, complete, err := d.collectHeader(rest)
			n += used
			if err != nil {
				return EventNone, nil, n, err
			}
			if !complete {
				return EventNone, nil, n, nil
			}
			d.state = stateData
			d.atContentStart = true
			return EventPartBegin, nil, n, nil

		case stateData:
			if d.atContentStart {
				// The CRLF that ends the header block may double as the
				// delimiter's CRLF: body-part := MIME-part-headers [CRLF *OCTET]
				// (RFC 2046 §5.1.1) lets a part end right after its header.
				switch matchDelimiter(rest, d.dashBoundary()) {
				case delimiterFound:
					d.enterDelimiterTail()
					return EventPartEnd, nil, n + len(d.dashBoundary()), nil
				case delimiterUndecided:
					return EventNone, nil, n, nil
				}
				d.atContentStart = false
			}
			dataLen, verdict := scanForDelimiter(rest, d.delimiter)
			if dataLen > 0 {
				return EventPartData, rest[:dataLen], n + dataLen, nil
			}
			if verdict != delimiterFound {
				return EventNone, nil, n, nil
			}
			d.enterDelimiterTail()
			return EventPartEnd, nil, n + len(d.delimiter), nil

		case stateEpilogue:
			return EventNone, nil, len(src), nil
		}
	}
}

// dashBoundary is "--" boundary: the delimiter without its leading CRLF.
func (d *Decoder) dashBoundary() []byte { return d.delimiter[len("\r\n"):] }

func (d *Decoder) enterDelimiterTail() {
	d.state = stateDelimiterTail
	d.padding = 0
}

// skipPreamble discards bytes before the first delimiter, which is either a
// dash-boundary at the very start of the body or a full CRLF delimiter. When
// found, used includes the delimiter itself.
func (d *Decoder) skipPreamble(buf []byte) (used int, found bool) {
	if d.atBodyStart {
		dashBoundary := d.dashBoundary()
		switch matchDelimiter(buf, dashBoundary) {
		case delimiterFound:
			d.atBodyStart = false
			return len(dashBoundary), true
		case delimiterUndecided:
			return 0, false
		}
		d.atBodyStart = false
	}
	skip, verdict := scanForDelimiter(buf, d.delimiter)
	if verdict == delimiterFound {
		return skip + len(d.delimiter), true
	}
	return skip, false
}

// delimiterTail reads what follows a boundary:
//
//	close-delimiter   = delimiter "--"
//	transport-padding = *LWSP-char   ; then CRLF and a body part
//
// (RFC 2046 §5.1.1). next is stateDelimiterTail while more input is needed.
func (d *Decoder) delimiterTail(buf []byte) (used int, next decoderState, err error) {
	for used < len(buf) && isOWS(buf[used]) {
		used++
		d.padding++
		if d.padding > maxTransportPadding {
			return used, stateDelimiterTail, ErrBadDelimiter
		}
	}
	rest := buf[used:]
	if len(rest) < 2 {
		if len(rest) == 1 && rest[0] != '\r' && (rest[0] != '-' || d.padding > 0) {
			return used, stateDelimiterTail, ErrBadDelimiter
		}
		return used, stateDelimiterTail, nil
	}
	switch {
	case rest[0] == '\r' && rest[1] == '\n':
		return used + 2, stateHeader, nil
	case rest[0] == '-' && rest[1] == '-' && d.padding == 0:
		return used + 2, stateEpilogue, nil
	}
	return used, stateDelimiterTail, ErrBadDelimiter
}

// Verdicts on whether a buffer starts with a delimiter, modelled on the
// yes / no / need-more answers of Go's mime/multipart scanner.
const (
	delimiterAbsent    = -1
	delimiterUndecided = 0
	delimiterFound     = 1
)

// matchDelimiter decides whether buf starts with the delimiter delim. The
// boundary must be followed by what may legally follow it — "--", LWSP or a
// line break — to count; otherwise the bytes are content, since a boundary
// text that merely starts a longer line is not a delimiter line. A bare LF
// counts, so that delimiterTail rejects it rather than letting it pass as
// content where lenient parsers would split the part.
func matchDelimiter(buf, delim []byte) int {
	if len(buf) <= len(delim) {
		if bytes.HasPrefix(delim, buf) {
			return delimiterUndecided
		}
		return delimiterAbsent
	}
	if !bytes.HasPrefix(buf, delim) {
		return delimiterAbsent
	}
	switch buf[len(delim)] {
	case ' ', '\t', '\r', '\n':
		return delimiterFound
	case '-':
		if len(buf) == len(delim)+1 {
			return delimiterUndecided
		}
		if buf[len(delim)+1] == '-' {
			return delimiterFound
		}
	}
	return delimiterAbsent
}

// scanForDelimiter returns how many leading bytes of buf are certainly not
// part of a delimiter, and what follows them: delimiterFound if a delimiter
// starts there, delimiterUndecided if buf ends in what may become one, and
// delimiterAbsent if dataLen is len(buf).
func scanForDelimiter(buf, delim []byte) (dataLen, verdict int) {
	for offset := 0; ; {
		i := indexDelimiter(buf[offset:], delim)
		if i < 0 {
			break
		}
		i += offset
		switch matchDelimiter(buf[i:], delim) {
		case delimiterFound:
			return i, delimiterFound
		case delimiterUndecided:
			return i, delimiterUndecided
		}
		offset = i + 1
	}
	// The boundary cannot contain CR, so only the last CR of buf can begin a
	// partial delimiter at its end.
	tailStart := max(0, len(buf)-len(delim)+1)
	if cr := bytes.LastIndexByte(buf[tailStart:], '\r'); cr >= 0 {
		cr += tailStart
		if bytes.HasPrefix(delim, buf[cr:]) {
			return cr, delimiterUndecided
		}
	}
	return len(buf), delimiterAbsent
}

// indexDelimiter is bytes.Index(buf, delim) for a delimiter, CRLF "--" boundary. It exploits what bytes.Index
// cannot know: a CR starts every delimiter, and the boundary's last byte is a cheap second filter. In binary
// content a CR comes about every 256 bytes, so jumping from CR to CR with the vectorised IndexByte and rejecting
// most candidates on two bytes beats bytes.Index, which calls Equal for every CRLF (one per line of text).
// Where CRs are dense, the scan switches to indexDelimiterSkipping, which does not depend on them.
func indexDelimiter(buf, delim []byte) int {
	m := len(delim)
	t := len(buf) - m + 1 // delimiters can only start before t
	last := delim[m-1]
	fails := 0
	for i := 0; i < t; {
		j := bytes.IndexByte(buf[i:t], '\r')
		if j < 0 {
			return -1
		}
		i += j
		if buf[i+m-1] == last && buf[i+1] == '\n' && bytes.Equal(buf[i+2:i+m-1], delim[2:m-1]) {
			return i
		}
		i++
		fails++
		// More than one CR per 32 bytes: IndexByte returns too soon to pay for its call.
		if fails > 4+i>>5 {
			return indexDelimiterSkipping(buf, delim, i)
		}
	}
	return -1
}

// indexDelimiterSkipping finds delim in buf at or after from with Horspool's algorithm: the byte under the end
// of the window tells how far the window can move, up to len(delim) bytes at a time, however many CRs the
// content holds. Content made of bytes near the end of the delimiter keeps the moves short; then it gives up and
// leaves the rest to bytes.Index, whose worst case is bounded.
func indexDelimiterSkipping(buf, delim []byte, from int) int {
	m := len(delim)
	// keep[c] is how far past the start of the window c last occurs in delim[:m-1], plus one, so the window may
	// move m-keep[c] bytes when c is under its end; zero, the fast default, means a full move. m <= 74 fits.
	var keep [256]uint8
	for i, c := range delim[:m-1] {
		keep[c] = uint8(i + 1)
	}
	last := delim[m-1]
	steps := 0
	for i := from; i+m <= len(buf); {
		c := buf[i+m-1]
		if c == last && buf[i] == '\r' && bytes.Equal(buf[i+1:i+m-1], delim[1:m-1]) {
			return i
		}
		i += m - int(keep[c])
		steps++
		// Each move waits for the load that decides it; averaging under eight bytes, that is slower than
		// bytes.Index.
		if steps > 8+(i-from)>>3 {
			if k := bytes.Index(buf[i:], delim); k >= 0 {
				return i + k
			}
			return -1
		}
	}
	return -1
}
