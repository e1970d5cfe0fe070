package chunked

import "strconv"

const (
	crlf = "\r\n"
	// lastChunk ends a body that carries no trailers.
	lastChunk = "0" + crlf + crlf
)

// AppendChunk appends data framed as one chunk: hex size CRLF data CRLF.
// Empty data appends nothing, because a zero-size chunk would end the body.
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = AppendChunkHeader(dst, len(data))
	dst = append(dst, data...)
	return append(dst, crlf...)
}

// AppendLastChunk appends the last-chunk and an empty trailer section.
func AppendLastChunk(dst []byte) []byte {
	return append(dst, lastChunk...)
}

// AppendChunkHeader appends "hex\r\n" for writers that send the chunk data
// separately (for example straight from a file) and then "\r\n". A size of 0
// starts the last-chunk. It panics on a negative size: that is a caller bug
// which would otherwise put a corrupt frame on the wire.
func AppendChunkHeader(dst []byte, size int) []byte {
	if size < 0 {
		panic("chunked: negative chunk size")
	}
	dst = strconv.AppendUint(dst, uint64(size), 16)
	return append(dst, crlf...)
}
