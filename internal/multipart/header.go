package multipart

import (
	"bytes"
	"unicode/utf8"
)

// Part describes the part whose EventPartBegin was last returned.
type Part struct {
	Name        string // the Content-Disposition name parameter; never empty
	FileName    string // filename, or the decoded filename* (which wins); "" when neither is present
	HasFileName bool   // filename or filename* was present, even if empty: an unselected file input sends filename=""
	ContentType string // the part's Content-Type value as sent, "" when absent
}

// collectHeader copies header bytes from src into d.header, one CRLF-ended
// line at a time, until the blank line that ends the block. It reports how
// much of src it used and whether the block is complete (and then parsed into
// d.part).
func (d *Decoder) collectHeader(src []byte) (used int, complete bool, err error) {
	for used < len(src) {
		rest := src[used:]
		chunk := rest
		lf := bytes.IndexByte(rest, '\n')
		if lf >= 0 {
			chunk = rest[:lf+1]
		}
		if len(d.header)+len(chunk) > d.limits.MaxPartHeaderBytes {
			return used, false, ErrPartHeaderTooLarge
		}
		d.appendHeader(chunk)
		used += len(chunk)
		if lf < 0 {
			return used, false, nil
		}
		line := d.header[d.lineStart:]
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return used, false, ErrBadPartHeader // a bare LF
		}
		if len(line) == 2 {
			return used, true, d.parsePartHeader(d.header[:d.lineStart])
		}
		d.fields++
		if d.fields > d.limits.MaxPartHeaderFields {
			return used, false, ErrTooManyPartHeaderFields
		}
		d.lineStart = len(d.header)
	}
	return used, false, nil
}

// appendHeader grows d.header itself rather than through append, so its
// capacity never exceeds MaxPartHeaderBytes and the decoder's memory stays
// within the limit.
func (d *Decoder) appendHeader(b []byte) {
	need := len(d.header) + len(b)
	if need > cap(d.header) {
		newCap := max(2*cap(d.header), need, initialHeaderCap)
		newCap = min(newCap, d.limits.MaxPartHeaderBytes)
		grown := make([]byte, len(d.header), newCap)
		copy(grown, d.header)
		d.header = grown
	}
	d.header = append(d.header, b...)
}

// initialHeaderCap fits the header of a typical browser-sent part.
const initialHeaderCap = 256

// parsePartHeader parses a complete header block (CRLF-ended field lines,
// without the blank line) into d.part:
//
//	field-line = field-name ":" OWS field-value OWS   (RFC 9112 §5)
//
// Obsolete line folding is rejected, as is any repeated field this package
// interprets, since two readers could disagree on which one counts.
func (d *Decoder) parsePartHeader(block []byte) error {
	var disposition, contentType []byte
	haveDisposition, haveContentType, haveEncoding := false, false, false
	for len(block) > 0 {
		lf := bytes.IndexByte(block, '\n')
		line := block[:lf-1]
		block = block[lf+1:]

		nameLen := tokenLen(line)
		if nameLen == 0 || nameLen == len(line) || line[nameLen] != ':' {
			return ErrBadPartHeader
		}
		name, value := line[:nameLen], trimOWS(line[nameLen+1:])
		for _, c := range value {
			if !isFieldValueByte(c) {
				return ErrBadPartHeader
			}
		}
		switch {
		case equalFoldASCII(name, "content-disposition"):
			if haveDisposition {
				return ErrBadPartHeader
			}
			disposition, haveDisposition = value, true
		case equalFoldASCII(name, "content-type"):
			if haveContentType {
				return ErrBadPartHeader
			}
			contentType, haveContentType = value, true
		case equalFoldASCII(name, "content-transfer-encoding"):
			// Part data is delivered raw, so only identity encodings can be
			// accepted; RFC 7578 §4.7 forbids senders from using any.
			if haveEncoding {
				return ErrBadPartHeader
			}
			haveEncoding = true
			if !equalFoldASCII(value, "binary") && !equalFoldASCII(value, "8bit") && !equalFoldASCII(value, "7bit") {
				return ErrUnsupportedTransferEncoding
			}
		}
	}
	if !haveDisposition {
		return ErrMissingDisposition
	}
	part, err := parseDisposition(disposition)
	if err != nil {
		return err
	}
	part.ContentType = string(contentType)
	d.part = part
	return nil
}

// parseDisposition parses a Content-Disposition value (RFC 7578 §4.2,
// RFC 6266 §4.1), which must be form-data with a non-empty name:
//
//	content-disposition = disposition-type *( OWS ";" OWS disposition-parm )
func parseDisposition(v []byte) (Part, error) {
	typeLen := tokenLen(v)
	if typeLen == 0 || !equalFoldASCII(v[:typeLen], "form-data") {
		return Part{}, ErrMissingDisposition
	}
	params := paramScanner{rest: v[typeLen:], msieBackslash: true}
	var name, fileName, fileNameExt []byte
	haveName, haveFileName, haveFileNameExt := false, false, false
	for {
		key, value, more, malformed := params.next()
		if malformed {
			return Part{}, ErrBadPartHeader
		}
		if !more {
			break
		}
		var seen *bool
		switch {
		case equalFoldASCII(key, "name"):
			seen, name = &haveName, value
		case equalFoldASCII(key, "filename"):
			seen, fileName = &haveFileName, value
		case equalFoldASCII(key, "filename*"):
			seen, fileNameExt = &haveFileNameExt, value
		default:
			continue
		}
		if *seen {
			return Part{}, ErrBadPartHeader
		}
		*seen = true
	}
	if len(name) == 0 {
		return Part{}, ErrMissingDisposition
	}
	part := Part{Name: string(name), HasFileName: haveFileName || haveFileNameExt}
	switch {
	case haveFileNameExt:
		decoded, ok := decodeExtValue(fileNameExt)
		if !ok {
			return Part{}, ErrBadPartHeader
		}
		part.FileName = decoded
	case haveFileName:
		part.FileName = string(fileName)
	}
	return part, nil
}

// decodeExtValue decodes an RFC 8187 §3.2.1 ext-value; only UTF-8 is
// accepted, as RFC 8187 requires recipients to support just that (and
// ISO-8859-1, which no form sender uses):
//
//	ext-value   = charset  "'" [ language ] "'" value-chars
//	value-chars = *( pct-encoded / attr-char )
func decodeExtValue(v []byte) (string, bool) {
	charsetEnd := bytes.IndexByte(v, '\'')
	if charsetEnd < 0 || !equalFoldASCII(v[:charsetEnd], "utf-8") {
		return "", false
	}
	v = v[charsetEnd+1:]
	languageEnd := bytes.IndexByte(v, '\'')
	if languageEnd < 0 {
		return "", false
	}
	for _, c := range v[:languageEnd] {
		if c != '-' && !tokenChars.contains(c) {
			return "", false
		}
	}
	v = v[languageEnd+1:]
	decoded := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '%':
			if i+2 >= len(v) {
				return "", false
			}
			hi, okHi := unhex(v[i+1])
			lo, okLo := unhex(v[i+2])
			if !okHi || !okLo {
				return "", false
			}
			decoded = append(decoded, hi<<4|lo)
			i += 2
		case attrChars.contains(c):
			decoded = append(decoded, c)
		default:
			return "", false
		}
	}
	if !utf8.Valid(decoded) {
		return "", false
	}
	return string(decoded), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
