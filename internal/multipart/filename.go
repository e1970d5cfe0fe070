package multipart

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxFileNameBytes is NAME_MAX on Linux file systems.
	maxFileNameBytes = 255
	// maxKeptExtensionBytes bounds the extension kept when a long name is
	// truncated; a longer "extension" is just part of the name.
	maxKeptExtensionBytes = 32
)

// SanitizeFileName turns a client-supplied file name into one that is safe to
// create inside a directory, or returns ok=false when nothing safe remains.
//
//   - Invalid UTF-8, C0/C1 control characters (NUL included) and Unicode
//     bidirectional controls, which can disguise an extension
//     ("evil\u202Etxt.exe"), reject the name outright: stripping them would
//     store a name the user never chose.
//   - Only the base name is kept: everything up to the last '/' or '\' goes,
//     since browsers on Windows may send full paths.
//   - Leading dots and spaces are stripped, so the result is never "." or
//     "..", and never a hidden file that a directory listing or a server
//     treating dot files as private would miss. Trailing spaces are stripped.
//   - A name longer than 255 bytes is cut on a rune boundary, keeping its
//     extension (up to 32 bytes) so the file type is preserved.
func SanitizeFileName(name string) (string, bool) {
	if !utf8.ValidString(name) {
		return "", false
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return "", false
		}
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, " ")
	if name == "" {
		return "", false
	}
	if len(name) > maxFileNameBytes {
		name = truncateKeepingExtension(name, maxFileNameBytes)
	}
	return name, true
}

// truncateKeepingExtension shortens name to at most limit bytes, cutting the
// stem on a rune boundary and keeping a short extension intact.
func truncateKeepingExtension(name string, limit int) string {
	ext := ""
	if dot := strings.LastIndexByte(name, '.'); dot > 0 && len(name)-dot <= maxKeptExtensionBytes {
		ext = name[dot:]
	}
	stem := name[:len(name)-len(ext)]
	cut := limit - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return strings.TrimRight(stem[:cut], " ") + ext
}
