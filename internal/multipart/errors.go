package multipart

// Error is a decoding failure with the HTTP status the server answers with.
// Reason is fixed text: it never echoes client input, so it is safe to send.
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string { return "multipart: " + e.Reason }

// HTTP statuses used by the errors below; spelled out so this package need not import net/http.
const (
	statusBadRequest           = 400
	statusUnsupportedMediaType = 415
)

// The decoder returns these exact pointers, so callers may compare with ==
// as well as errors.Is.
var (
	ErrNotMultipart                = &Error{statusUnsupportedMediaType, "content type is not multipart/form-data"}
	ErrBadContentType              = &Error{statusBadRequest, "malformed content type parameters"}
	ErrBadBoundary                 = &Error{statusBadRequest, "missing or invalid boundary"}
	ErrBadDelimiter                = &Error{statusBadRequest, "malformed boundary delimiter line"}
	ErrBadPartHeader               = &Error{statusBadRequest, "malformed part header"}
	ErrPartHeaderTooLarge          = &Error{statusBadRequest, "part header too large"}
	ErrTooManyPartHeaderFields     = &Error{statusBadRequest, "too many part header fields"}
	ErrTooManyParts                = &Error{statusBadRequest, "too many parts"}
	ErrMissingDisposition          = &Error{statusBadRequest, "part lacks a form-data content disposition with a name"}
	ErrUnsupportedTransferEncoding = &Error{statusBadRequest, "unsupported content transfer encoding"}
	ErrUnexpectedEnd               = &Error{statusBadRequest, "body ended before the close delimiter"}
)
