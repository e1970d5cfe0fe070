package spec

import (
	"fmt"
	"strings"
)

// Wire is a request sent as raw bytes to a live ferrous and what must come back.
type Wire struct {
	// Name tells the example apart from the others of its row; it is the subtest name.
	Name    string
	Request string
	// Statuses are the responses expected, in order (pipelined requests get one each).
	Statuses []int
	// Close: the server must close the connection after the last expected response, without answering
	// anything else. Otherwise the connection must go on serving requests.
	Close bool
	// Head: the request is HEAD, so its response has no body.
	Head bool
	// Header holds exact values the last response must carry; Absent, fields it must not carry.
	Header map[string]string
	Absent []string
	// Body must occur in the last response's body.
	Body string
	// KnownBug, when set, names a bug of ferrous this example exposes; the replay skips it unless
	// -spec.knownbugs is given, and the report lists its row as a known bug instead of proven.
	KnownBug string
}

// liveHost is the Host the wire examples send: the live site's first virtual host.
const liveHost = "Host: localhost"

// head builds a request head from its request line and field lines.
func head(requestLine string, fields ...string) string {
	var b strings.Builder
	b.WriteString(requestLine + "\r\n")
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// get is a plain HTTP/1.1 GET of path on the live site.
func get(path string) string { return head("GET "+path+" HTTP/1.1", liveHost) }

// uploadBoundary is the multipart boundary of the wire examples' uploads.
const uploadBoundary = "spec-boundary"

// formBody is a multipart/form-data body with one file part.
func formBody(fileName, content string, partHeader ...string) string {
	var b strings.Builder
	b.WriteString("--" + uploadBoundary + "\r\n")
	b.WriteString(`Content-Disposition: form-data; name="file"; filename="` + fileName + "\"\r\n")
	for _, h := range partHeader {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n" + content + "\r\n--" + uploadBoundary + "--\r\n")
	return b.String()
}

// rawFormBody is a multipart body with one part whose header lines are exactly partHeader.
func rawFormBody(content string, partHeader ...string) string {
	return "--" + uploadBoundary + "\r\n" + strings.Join(partHeader, "\r\n") + "\r\n\r\n" + content + "\r\n--" + uploadBoundary + "--\r\n"
}

const formContentType = "Content-Type: multipart/form-data; boundary=" + uploadBoundary

// upload POSTs body to /files/ framed by Content-Length.
func upload(body string, fields ...string) string {
	fields = append([]string{liveHost, formContentType, fmt.Sprintf("Content-Length: %d", len(body))}, fields...)
	return head("POST /files/ HTTP/1.1", fields...) + body
}

// chunkedUpload POSTs body to /files/ in chunks of chunkLen bytes, each carrying ext, then trailers.
func chunkedUpload(body string, chunkLen int, ext string, trailers ...string) string {
	var b strings.Builder
	b.WriteString(head("POST /files/ HTTP/1.1", liveHost, formContentType, "Transfer-Encoding: chunked"))
	for len(body) > 0 {
		n := min(chunkLen, len(body))
		fmt.Fprintf(&b, "%x%s\r\n%s\r\n", n, ext, body[:n])
		body = body[n:]
	}
	b.WriteString("0" + ext + "\r\n")
	for _, t := range trailers {
		b.WriteString(t + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}
