package h1

import "strconv"

// Error is a parse failure carrying the status the server must answer with before closing the connection.
// Reason is fixed text naming the rule that was broken; it never quotes input, so it is safe to send back and to
// log without escaping.
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string {
	return "h1: " + strconv.Itoa(e.Status) + " " + e.Reason
}

func badRequest(reason string) *Error { return &Error{Status: 400, Reason: reason} }

// Every rule has its own value so that callers and tests compare with == and Feed never allocates an error.
var (
	// Framing of lines.
	ErrBareLF            = badRequest("line terminated by LF without CR")
	ErrBareCR            = badRequest("CR not followed by LF")
	ErrTooManyEmptyLines = badRequest("too many empty lines before the request line")

	// Request line.
	ErrBadRequestLine      = badRequest("request line is not method SP request-target SP HTTP-version")
	ErrBadMethod           = badRequest("method is not a token")
	ErrBadTarget           = badRequest("invalid request-target")
	ErrAsteriskForm        = badRequest("asterisk-form request-target is only allowed with OPTIONS")
	ErrAuthorityForm       = badRequest("authority-form request-target is required with CONNECT and only allowed there")
	ErrBadTargetAuthority  = badRequest("invalid authority in absolute-form request-target")
	ErrBadVersion          = badRequest("malformed HTTP-version")
	ErrVersionNotSupported = &Error{Status: 505, Reason: "HTTP major version not supported"}
	ErrURITooLong          = &Error{Status: 414, Reason: "request line too long"}

	// Field lines.
	ErrHeaderTooLarge   = &Error{Status: 431, Reason: "header section too large"}
	ErrTooManyFields    = &Error{Status: 431, Reason: "too many header fields"}
	ErrObsFold          = badRequest("obsolete line folding")
	ErrMissingColon     = badRequest("field line without colon")
	ErrSpaceBeforeColon = badRequest("whitespace before colon")
	ErrBadFieldName     = badRequest("field name is not a token")
	ErrBadFieldValue    = badRequest("invalid byte in field value")

	// Host.
	ErrMissingHost   = badRequest("missing Host in HTTP/1.1 request")
	ErrDuplicateHost = badRequest("more than one Host field")
	ErrBadHost       = badRequest("invalid Host value")

	// Message framing fields.
	ErrBadContentLength         = badRequest("invalid Content-Length")
	ErrConflictingContentLength = badRequest("conflicting Content-Length values")
	ErrCLAndTE                  = badRequest("both Content-Length and Transfer-Encoding")
	ErrBadTE                    = badRequest("malformed Transfer-Encoding")
	ErrChunkedNotFinal          = badRequest("chunked must be applied exactly once, as the final transfer coding")
	ErrTEInHTTP10               = badRequest("Transfer-Encoding in an HTTP/1.0 request")
	ErrUnsupportedTE            = &Error{Status: 501, Reason: "unsupported transfer coding"}

	// Other fields the server acts on.
	ErrBadConnection = badRequest("Connection option is not a token")
	ErrExpectation   = &Error{Status: 417, Reason: "unsupported expectation"}
)
