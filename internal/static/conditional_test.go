package static

import "testing"

// modTime is Sun, 06 Nov 1994 08:49:37 GMT.
const modTime = 784111777

func date(unix int64) string { return string(AppendHTTPDate(nil, unix)) }

func TestEvaluate(t *testing.T) {
	t.Parallel()
	strong := Validators{ETag: []byte(`"abc"`), ModTime: modTime}
	weak := Validators{ETag: []byte(`W/"abc"`), ModTime: modTime}
	tests := []struct {
		name              string
		method            string
		v                 Validators
		im, ius, inm, ims string
		want              int
	}{
		{name: "no preconditions", method: "GET", v: strong, want: Proceed},

		// Step 1: If-Match, strong comparison.
		{name: "if-match equal", method: "GET", v: strong, im: `"abc"`, want: Proceed},
		{name: "if-match differs", method: "GET", v: strong, im: `"xyz"`, want: PreconditionFailed},
		{name: "if-match star", method: "PUT", v: strong, im: `*`, want: Proceed},
		{name: "if-match weak tag never matches", method: "GET", v: strong, im: `W/"abc"`, want: PreconditionFailed},
		{name: "if-match weak current never matches", method: "GET", v: weak, im: `"abc"`, want: PreconditionFailed},
		{name: "if-match list", method: "GET", v: strong, im: `"xyz", "abc"`, want: Proceed},
		{name: "if-match malformed", method: "GET", v: strong, im: `abc`, want: PreconditionFailed},
		{name: "if-match unterminated", method: "GET", v: strong, im: `"abc`, want: PreconditionFailed},
		{name: "if-match prefix is not equal", method: "GET", v: strong, im: `"ab"`, want: PreconditionFailed},

		// Step 2: If-Unmodified-Since only without If-Match.
		{name: "ius equal", method: "GET", v: strong, ius: date(modTime), want: Proceed},
		{name: "ius later", method: "GET", v: strong, ius: date(modTime + 1), want: Proceed},
		{name: "ius earlier", method: "GET", v: strong, ius: date(modTime - 1), want: PreconditionFailed},
		{name: "ius invalid ignored", method: "GET", v: strong, ius: "yesterday", want: Proceed},
		{name: "ius ignored under if-match", method: "GET", v: strong, im: `"abc"`, ius: date(modTime - 1), want: Proceed},
		{name: "if-match fails before ius", method: "GET", v: strong, im: `"xyz"`, ius: date(modTime + 1), want: PreconditionFailed},

		// Step 3: If-None-Match, weak comparison.
		{name: "inm equal get", method: "GET", v: strong, inm: `"abc"`, want: NotModified},
		{name: "inm equal head", method: "HEAD", v: strong, inm: `"abc"`, want: NotModified},
		{name: "inm equal post", method: "POST", v: strong, inm: `"abc"`, want: PreconditionFailed},
		{name: "inm weak request tag", method: "GET", v: strong, inm: `W/"abc"`, want: NotModified},
		{name: "inm weak current tag", method: "GET", v: weak, inm: `"abc"`, want: NotModified},
		{name: "inm list", method: "GET", v: strong, inm: `"x", W/"abc"`, want: NotModified},
		{name: "inm list with empty members", method: "GET", v: strong, inm: ` ,"x" ,, "abc" `, want: NotModified},
		{name: "inm star", method: "GET", v: strong, inm: `*`, want: NotModified},
		{name: "inm star post", method: "DELETE", v: strong, inm: `*`, want: PreconditionFailed},
		{name: "inm differs", method: "GET", v: strong, inm: `"xyz"`, want: Proceed},
		{name: "inm malformed matches nothing", method: "GET", v: strong, inm: `"abc`, want: Proceed},
		{name: "inm junk after tag", method: "GET", v: strong, inm: `"x" junk, "abc"`, want: Proceed},
		{name: "method is case-sensitive", method: "get", v: strong, inm: `"abc"`, want: PreconditionFailed},
		{name: "if-match fails before inm", method: "GET", v: strong, im: `"xyz"`, inm: `"abc"`, want: PreconditionFailed},
		{name: "ius fails before inm", method: "GET", v: strong, ius: date(modTime - 1), inm: `"abc"`, want: PreconditionFailed},

		// Step 4: If-Modified-Since only without If-None-Match, GET/HEAD only.
		{name: "ims equal", method: "GET", v: strong, ims: date(modTime), want: NotModified},
		{name: "ims later", method: "HEAD", v: strong, ims: date(modTime + 3600), want: NotModified},
		{name: "ims earlier", method: "GET", v: strong, ims: date(modTime - 1), want: Proceed},
		{name: "ims rfc850", method: "GET", v: strong, ims: "Sunday, 06-Nov-94 08:49:37 GMT", want: NotModified},
		{name: "ims asctime", method: "GET", v: strong, ims: "Sun Nov  6 08:49:37 1994", want: NotModified},
		{name: "ims invalid ignored", method: "GET", v: strong, ims: "Sun, 06 Nov 1994", want: Proceed},
		{name: "ims ignored for post", method: "POST", v: strong, ims: date(modTime), want: Proceed},
		{name: "ims ignored under inm", method: "GET", v: strong, inm: `"xyz"`, ims: date(modTime), want: Proceed},
		{name: "inm match wins over stale ims", method: "GET", v: strong, inm: `"abc"`, ims: date(modTime - 1), want: NotModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Evaluate([]byte(tt.method), tt.v, []byte(tt.im), []byte(tt.ius), []byte(tt.inm), []byte(tt.ims))
			if got != tt.want {
				t.Fatalf("Evaluate(%s, im=%q ius=%q inm=%q ims=%q) = %d, want %d", tt.method, tt.im, tt.ius, tt.inm, tt.ims, got, tt.want)
			}
		})
	}
}

func TestIfRangeAllows(t *testing.T) {
	t.Parallel()
	strong := Validators{ETag: []byte(`"abc"`), ModTime: modTime}
	weak := Validators{ETag: []byte(`W/"abc"`), ModTime: modTime}
	tests := []struct {
		name    string
		ifRange string
		v       Validators
		want    bool
	}{
		{name: "absent", ifRange: "", v: strong, want: true},
		{name: "blank", ifRange: "  ", v: strong, want: true},
		{name: "etag equal", ifRange: `"abc"`, v: strong, want: true},
		{name: "etag equal with whitespace", ifRange: ` "abc"` + "\t", v: strong, want: true},
		{name: "etag differs", ifRange: `"xyz"`, v: strong, want: false},
		{name: "weak request tag", ifRange: `W/"abc"`, v: strong, want: false},
		{name: "weak current tag", ifRange: `"abc"`, v: weak, want: false},
		{name: "etag list is not allowed", ifRange: `"abc", "x"`, v: strong, want: false},
		{name: "star is not allowed", ifRange: `*`, v: strong, want: false},
		{name: "unterminated etag", ifRange: `"abc`, v: strong, want: false},
		{name: "date equal", ifRange: date(modTime), v: strong, want: true},
		{name: "date earlier", ifRange: date(modTime - 1), v: strong, want: false},
		{name: "date later", ifRange: date(modTime + 1), v: strong, want: false},
		{name: "date rfc850", ifRange: "Sunday, 06-Nov-94 08:49:37 GMT", v: strong, want: true},
		{name: "junk", ifRange: "whenever", v: strong, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IfRangeAllows([]byte(tt.ifRange), tt.v); got != tt.want {
				t.Fatalf("IfRangeAllows(%q) = %v, want %v", tt.ifRange, got, tt.want)
			}
		})
	}
}

func TestAppendETag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		mtime int64
		size  int64
		want  string
	}{
		{name: "zero", mtime: 0, size: 0, want: `"0-0"`},
		{name: "typical", mtime: 1700000000123456789, size: 4096, want: `"17979cfe3d85cd15-1000"`},
		{name: "pre-epoch stays well-formed", mtime: -1, size: 1, want: `"ffffffffffffffff-1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := AppendETag(nil, tt.mtime, tt.size)
			if string(got) != tt.want {
				t.Fatalf("AppendETag = %s, want %s", got, tt.want)
			}
			tag, rest, ok := scanETag(got)
			if !ok || len(rest) != 0 || string(tag) != tt.want {
				t.Fatalf("AppendETag output %s is not a single entity-tag", got)
			}
		})
	}
}

func BenchmarkAppendETag(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendETag(nil, 1700000000123456789, 123456))))
	for b.Loop() {
		buf = AppendETag(buf[:0], 1700000000123456789, 123456)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	v := Validators{ETag: AppendETag(nil, 1700000000123456789, 123456), ModTime: 1700000000}
	inm := append([]byte(`W/"x", `), v.ETag...)
	method := []byte("GET")
	b.ReportAllocs()
	b.SetBytes(int64(len(inm)))
	for b.Loop() {
		if Evaluate(method, v, nil, nil, inm, nil) != NotModified {
			b.Fatal("want 304")
		}
	}
}
