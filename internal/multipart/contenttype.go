package multipart

// BoundaryFromContentType parses a Content-Type field value
//
//	media-type = type "/" subtype parameters   (RFC 9110 §8.3.1)
//
// and returns the boundary parameter without quotes. A media type other than
// multipart/form-data (compared case-insensitively) yields ErrNotMultipart;
// malformed parameters or a repeated boundary yield ErrBadContentType; a
// missing boundary or one outside RFC 2046 §5.1.1 yields ErrBadBoundary.
func BoundaryFromContentType(ct []byte) ([]byte, error) {
	s := trimOWS(ct)
	typeLen := tokenLen(s)
	if typeLen == 0 || typeLen == len(s) || s[typeLen] != '/' {
		return nil, ErrNotMultipart
	}
	subtypeLen := tokenLen(s[typeLen+1:])
	if subtypeLen == 0 {
		return nil, ErrNotMultipart
	}
	mediaTypeLen := typeLen + 1 + subtypeLen
	if !equalFoldASCII(s[:mediaTypeLen], "multipart/form-data") {
		return nil, ErrNotMultipart
	}

	params := paramScanner{rest: s[mediaTypeLen:]}
	var boundary []byte
	found := false
	for {
		name, value, more, malformed := params.next()
		if malformed {
			return nil, ErrBadContentType
		}
		if !more {
			break
		}
		if equalFoldASCII(name, "boundary") {
			if found {
				return nil, ErrBadContentType
			}
			boundary, found = value, true
		}
	}
	if !found || !validBoundary(boundary) {
		return nil, ErrBadBoundary
	}
	return boundary, nil
}
