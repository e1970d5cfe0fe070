package h1

// TargetForm is the shape of the request-target (RFC 9112 §3.2).
type TargetForm uint8

const (
	FormOrigin    TargetForm = iota // "/path?query"
	FormAbsolute                    // "http://host/path?query", as sent to proxies
	FormAuthority                   // "host:port", CONNECT only
	FormAsterisk                    // "*", OPTIONS only
)

func (f TargetForm) String() string {
	switch f {
	case FormOrigin:
		return "origin-form"
	case FormAbsolute:
		return "absolute-form"
	case FormAuthority:
		return "authority-form"
	case FormAsterisk:
		return "asterisk-form"
	}
	return "unknown-form"
}

// Field is one field line. Value has its leading and trailing OWS removed.
type Field struct {
	Name, Value []byte
}

// Request is a parsed request head. Every slice points into the Parser's buffer, with its capacity clipped so
// that appending to it copies instead of overwriting the next field. The slices are valid until the Parser's
// Reset or Release; a caller that keeps anything longer must copy it.
type Request struct {
	Method []byte
	// Target is the request-target exactly as received.
	Target []byte
	Form   TargetForm
	// Path is the part of an origin-form target before '?', the path of an absolute-form target ("/" when the
	// URI has none), "*" for asterisk-form, and nil for authority-form.
	Path []byte
	// Query is what follows the first '?', nil when there is no '?' (and empty, not nil, for a bare '?').
	Query []byte
	// Major and Minor are the version the client sent; any HTTP/1.x with x >= 1 follows the HTTP/1.1 rules.
	Major, Minor int
	// Fields holds every field line in order, including those summarised below.
	Fields []Field
	// Host is the authority of an absolute-form target if there is one, else the Host field value; nil when
	// neither exists (HTTP/1.0 only). It may be empty: the server then chooses its default host.
	Host []byte
	// ContentLength is -1 when the request carries no Content-Length.
	ContentLength int64
	Chunked       bool
	// KeepAlive tells whether the connection may carry another request after this one.
	KeepAlive bool
	// Expect100 is set for "Expect: 100-continue" in HTTP/1.1; HTTP/1.0 expectations are ignored (RFC 9110 §10.1.1).
	Expect100 bool
}

// Get returns the value of the first field named name (ASCII case-insensitive), or nil.
func (r *Request) Get(name string) []byte {
	for i := range r.Fields {
		if equalFold(r.Fields[i].Name, name) {
			return r.Fields[i].Value
		}
	}
	return nil
}

// IsMethod compares the method with m exactly: methods are case-sensitive (RFC 9110 §9.1).
func (r *Request) IsMethod(m string) bool {
	return string(r.Method) == m
}

// isHTTP11 reports whether the HTTP/1.1 rules apply (Host required, persistence by default, chunked allowed).
func (r *Request) isHTTP11() bool {
	return r.Major == 1 && r.Minor >= 1
}
