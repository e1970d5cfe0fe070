package h1

import "strconv"

// statusTexts are the reason phrases we send. A table instead of net/http keeps the protocol core free of it and
// lets the status line be assembled without allocation.
var statusTexts = map[int]string{
	100: "Continue",
	200: "OK",
	201: "Created",
	204: "No Content",
	206: "Partial Content",
	301: "Moved Permanently",
	302: "Found",
	303: "See Other",
	304: "Not Modified",
	307: "Temporary Redirect",
	308: "Permanent Redirect",
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	408: "Request Timeout",
	409: "Conflict",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Content Too Large",
	414: "URI Too Long",
	415: "Unsupported Media Type",
	416: "Range Not Satisfiable",
	417: "Expectation Failed",
	422: "Unprocessable Content",
	429: "Too Many Requests",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
	505: "HTTP Version Not Supported",
	507: "Insufficient Storage",
}

// StatusText returns the reason phrase for code, or a generic one for its class.
func StatusText(code int) string {
	if t, ok := statusTexts[code]; ok {
		return t
	}
	switch code / 100 {
	case 1:
		return "Informational"
	case 2:
		return "Success"
	case 3:
		return "Redirection"
	case 4:
		return "Client Error"
	}
	return "Server Error"
}

// statusLines caches complete status lines for the codes we know, so the hot path appends one constant slice.
var statusLines = func() map[int][]byte {
	m := make(map[int][]byte, len(statusTexts))
	for code, text := range statusTexts {
		m[code] = []byte("HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n")
	}
	return m
}()

// AppendStatusLine appends "HTTP/1.1 CODE REASON\r\n". We always answer HTTP/1.1, the highest minor version we
// support, as RFC 9110 §6.2 asks, whatever minor version the request carried.
func AppendStatusLine(dst []byte, code int) []byte {
	if line, ok := statusLines[code]; ok {
		return append(dst, line...)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(code)...)
	return append(dst, "\r\n"...)
}

// AppendHeader appends one "Name: value\r\n" field line. Callers pass values they built or validated; nothing
// from the request is echoed into a header without validation.
func AppendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendHeaderInt appends "Name: N\r\n" without allocating.
func AppendHeaderInt(dst []byte, name string, value int64) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = strconv.AppendInt(dst, value, 10)
	return append(dst, "\r\n"...)
}

// BodyAllowed reports whether a response with this status may carry a body (RFC 9110 §6.4.1: 1xx, 204 and 304
// never do).
func BodyAllowed(code int) bool {
	return code >= 200 && code != 204 && code != 304
}
