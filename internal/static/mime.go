package static

// defaultContentType is sent for unknown extensions; together with
// "X-Content-Type-Options: nosniff" it makes browsers download rather than
// guess.
const defaultContentType = "application/octet-stream"

// maxExtLen bounds the extension copied for case folding; no entry in
// contentTypes is longer.
const maxExtLen = 16

// contentTypes is our own table: mime.TypeByExtension would consult files on
// the host, making responses depend on the machine. Keys are lower case
// without the dot. Text types carry charset=utf-8 so browsers never sniff an
// encoding.
var contentTypes = map[string]string{
	// Web documents and code.
	"html":        "text/html; charset=utf-8",
	"htm":         "text/html; charset=utf-8",
	"xhtml":       "application/xhtml+xml",
	"css":         "text/css; charset=utf-8",
	"js":          "text/javascript; charset=utf-8",
	"mjs":         "text/javascript; charset=utf-8",
	"json":        "application/json",
	"jsonld":      "application/ld+json",
	"map":         "application/json",
	"webmanifest": "application/manifest+json",
	"xml":         "application/xml",
	"rss":         "application/rss+xml",
	"atom":        "application/atom+xml",
	"wasm":        "application/wasm",

	// Plain text formats.
	"txt":  "text/plain; charset=utf-8",
	"text": "text/plain; charset=utf-8",
	"log":  "text/plain; charset=utf-8",
	"md":   "text/markdown; charset=utf-8",
	"csv":  "text/csv; charset=utf-8",
	"tsv":  "text/tab-separated-values; charset=utf-8",
	"ics":  "text/calendar; charset=utf-8",
	"vtt":  "text/vtt; charset=utf-8",
	"yaml": "text/yaml; charset=utf-8",
	"yml":  "text/yaml; charset=utf-8",
	"toml": "text/plain; charset=utf-8",
	"ini":  "text/plain; charset=utf-8",

	// Images.
	"png":  "image/png",
	"jpg":  "image/jpeg",
	"jpeg": "image/jpeg",
	"gif":  "image/gif",
	"webp": "image/webp",
	"avif": "image/avif",
	"svg":  "image/svg+xml",
	"ico":  "image/vnd.microsoft.icon",
	"bmp":  "image/bmp",
	"tif":  "image/tiff",
	"tiff": "image/tiff",
	"apng": "image/apng",
	"jxl":  "image/jxl",

	// Fonts.
	"woff":  "font/woff",
	"woff2": "font/woff2",
	"ttf":   "font/ttf",
	"otf":   "font/otf",
	"eot":   "application/vnd.ms-fontobject",

	// Audio.
	"mp3":  "audio/mpeg",
	"wav":  "audio/wav",
	"ogg":  "audio/ogg",
	"oga":  "audio/ogg",
	"opus": "audio/ogg",
	"flac": "audio/flac",
	"m4a":  "audio/mp4",
	"aac":  "audio/aac",
	"mid":  "audio/midi",
	"midi": "audio/midi",

	// Video.
	"mp4":  "video/mp4",
	"m4v":  "video/mp4",
	"webm": "video/webm",
	"ogv":  "video/ogg",
	"mov":  "video/quicktime",
	"avi":  "video/x-msvideo",
	"mkv":  "video/x-matroska",
	"mpeg": "video/mpeg",
	"ts":   "video/mp2t",
	"m3u8": "application/vnd.apple.mpegurl",

	// Documents.
	"pdf":  "application/pdf",
	"rtf":  "application/rtf",
	"epub": "application/epub+zip",
	"doc":  "application/msword",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"xls":  "application/vnd.ms-excel",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"ppt":  "application/vnd.ms-powerpoint",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"odt":  "application/vnd.oasis.opendocument.text",
	"ods":  "application/vnd.oasis.opendocument.spreadsheet",
	"odp":  "application/vnd.oasis.opendocument.presentation",

	// Archives and binaries.
	"zip": "application/zip",
	"gz":  "application/gzip",
	"tgz": "application/gzip",
	"bz2": "application/x-bzip2",
	"xz":  "application/x-xz",
	"zst": "application/zstd",
	"tar": "application/x-tar",
	"7z":  "application/x-7z-compressed",
	"rar": "application/vnd.rar",
	"jar": "application/java-archive",
	"iso": "application/x-iso9660-image",
	"deb": "application/vnd.debian.binary-package",
	"rpm": "application/x-rpm",
	"apk": "application/vnd.android.package-archive",
	"exe": "application/vnd.microsoft.portable-executable",
}

// ContentType returns the media type for the extension of the last element of
// name, matched case-insensitively, or application/octet-stream.
func ContentType(name string) string {
	dot := -1
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			dot = i
			break
		}
		if name[i] == '/' {
			break
		}
	}
	ext := name[dot+1:]
	if dot < 0 || len(ext) == 0 || len(ext) > maxExtLen {
		return defaultContentType
	}
	var buf [maxExtLen]byte
	for i := range len(ext) {
		c := ext[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if t, ok := contentTypes[string(buf[:len(ext)])]; ok {
		return t
	}
	return defaultContentType
}
