package static

import (
	"net/http"
	"testing"
	"time"

	"pgregory.net/rapid"
)

const (
	layoutRFC850  = "Monday, 02-Jan-06 15:04:05 GMT"
	layoutASCTime = "Mon Jan _2 15:04:05 2006"
)

func TestAppendHTTPDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		unix int64
		want string
	}{
		{name: "rfc example", unix: 784111777, want: "Sun, 06 Nov 1994 08:49:37 GMT"},
		{name: "epoch", unix: 0, want: "Thu, 01 Jan 1970 00:00:00 GMT"},
		{name: "before epoch", unix: -1, want: "Wed, 31 Dec 1969 23:59:59 GMT"},
		{name: "leap day", unix: 951782400, want: "Tue, 29 Feb 2000 00:00:00 GMT"},
		{name: "y2038", unix: 1 << 31, want: "Tue, 19 Jan 2038 03:14:08 GMT"},
		{name: "max", unix: maxHTTPDate, want: "Fri, 31 Dec 9999 23:59:59 GMT"},
		{name: "beyond max clamped", unix: 1 << 62, want: "Fri, 31 Dec 9999 23:59:59 GMT"},
		{name: "min", unix: minHTTPDate, want: "Mon, 01 Jan 0001 00:00:00 GMT"},
		{name: "below min clamped", unix: -1 << 62, want: "Mon, 01 Jan 0001 00:00:00 GMT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(AppendHTTPDate([]byte("x"), tt.unix)); got != "x"+tt.want {
				t.Fatalf("AppendHTTPDate(%d) = %q, want %q", tt.unix, got, "x"+tt.want)
			}
		})
	}
}

// Differential against the time package, which knows the calendar, for every
// day boundary of the representable range sampled at random.
func TestHTTPDateRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.Int64Range(minHTTPDate, maxHTTPDate).Draw(t, "unix")
		ref := time.Unix(s, 0).UTC()
		got := AppendHTTPDate(nil, s)
		if want := ref.Format(http.TimeFormat); string(got) != want {
			t.Fatalf("AppendHTTPDate(%d) = %q, time says %q", s, got, want)
		}
		if back, ok := ParseHTTPDate(got); !ok || back != s {
			t.Fatalf("ParseHTTPDate(%q) = %d, %v; want %d", got, back, ok, s)
		}
		if lt, want := appendListingTime(nil, s), ref.Format("2006-01-02 15:04"); string(lt) != want {
			t.Fatalf("appendListingTime(%d) = %q, want %q", s, lt, want)
		}
		if back, ok := ParseHTTPDate([]byte(ref.Format(layoutASCTime))); !ok || back != s {
			t.Fatalf("asctime %q = %d, %v; want %d", ref.Format(layoutASCTime), back, ok, s)
		}
		if y := ref.Year(); y >= 1900+rfc850Pivot && y < 2000+rfc850Pivot {
			if back, ok := ParseHTTPDate([]byte(ref.Format(layoutRFC850))); !ok || back != s {
				t.Fatalf("rfc850 %q = %d, %v; want %d", ref.Format(layoutRFC850), back, ok, s)
			}
		}
	})
}

func TestHTTPDateRoundTripDense(t *testing.T) {
	t.Parallel()
	// Every day for ±3 years around the epoch and around 2000 (leap rules),
	// at a moving time of day.
	for _, center := range []int64{0, 951782400} {
		for d := int64(-3 * 366); d <= 3*366; d++ {
			s := center + d*secondsPerDay + (d*7919)%secondsPerDay
			want := time.Unix(s, 0).UTC().Format(http.TimeFormat)
			got := AppendHTTPDate(nil, s)
			if string(got) != want {
				t.Fatalf("AppendHTTPDate(%d) = %q, want %q", s, got, want)
			}
			if back, ok := ParseHTTPDate(got); !ok || back != s {
				t.Fatalf("ParseHTTPDate(%q) = %d, %v; want %d", got, back, ok, s)
			}
		}
	}
}

func TestParseHTTPDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  int64
		ok    bool
	}{
		{name: "imf-fixdate", input: "Sun, 06 Nov 1994 08:49:37 GMT", want: 784111777, ok: true},
		{name: "rfc850", input: "Sunday, 06-Nov-94 08:49:37 GMT", want: 784111777, ok: true},
		{name: "asctime", input: "Sun Nov  6 08:49:37 1994", want: 784111777, ok: true},
		{name: "asctime two digit day", input: "Sun Nov 06 08:49:37 1994", want: 784111777, ok: true},
		{name: "surrounding whitespace", input: "  Sun, 06 Nov 1994 08:49:37 GMT\t", want: 784111777, ok: true},
		{name: "rfc850 after pivot", input: "Thursday, 01-Jan-70 00:00:00 GMT", want: 0, ok: true},
		{name: "rfc850 before pivot", input: "Saturday, 01-Jan-00 00:00:00 GMT", want: 946684800, ok: true},
		{name: "leap day", input: "Tue, 29 Feb 2000 00:00:00 GMT", want: 951782400, ok: true},
		{name: "leap second", input: "Sat, 31 Dec 2016 23:59:60 GMT", want: 1483228800, ok: true},
		{name: "weekday not checked against date", input: "Mon, 06 Nov 1994 08:49:37 GMT", want: 784111777, ok: true},
		{name: "empty", input: ""},
		{name: "junk", input: "yesterday"},
		{name: "number", input: "784111777"},
		{name: "no leap day in 1900", input: "Thu, 29 Feb 1900 00:00:00 GMT"},
		{name: "day 31 in 30-day month", input: "Fri, 31 Apr 2020 00:00:00 GMT"},
		{name: "day zero", input: "Sun, 00 Nov 1994 08:49:37 GMT"},
		{name: "year zero", input: "Sun, 06 Nov 0000 08:49:37 GMT"},
		{name: "hour 24", input: "Sun, 06 Nov 1994 24:00:00 GMT"},
		{name: "minute 60", input: "Sun, 06 Nov 1994 08:60:37 GMT"},
		{name: "second 61", input: "Sun, 06 Nov 1994 08:49:61 GMT"},
		{name: "other zone", input: "Sun, 06 Nov 1994 08:49:37 UTC"},
		{name: "lower case gmt", input: "Sun, 06 Nov 1994 08:49:37 gmt"},
		{name: "lower case month", input: "Sun, 06 nov 1994 08:49:37 GMT"},
		{name: "bad day name", input: "Sux, 06 Nov 1994 08:49:37 GMT"},
		{name: "unknown month", input: "Sun, 06 Nox 1994 08:49:37 GMT"},
		{name: "single digit day", input: "Sun, 6 Nov 1994 08:49:37 GMT"},
		{name: "two digit year in fixdate", input: "Sun, 06 Nov 94 08:49:37 GMT"},
		{name: "missing seconds", input: "Sun, 06 Nov 1994 08:49 GMT"},
		{name: "colon swapped", input: "Sun, 06 Nov 1994 08-49-37 GMT"},
		{name: "trailing junk", input: "Sun, 06 Nov 1994 08:49:37 GMTX"},
		{name: "sign in year", input: "Sun, 06 Nov +994 08:49:37 GMT"},
		{name: "rfc850 short day name", input: "Sun, 06-Nov-94 08:49:37 GMT"},
		{name: "rfc850 four digit year", input: "Sunday, 06-Nov-1994 08:49:37 GMT"},
		{name: "rfc850 bad separator", input: "Sunday, 06 Nov 94 08:49:37 GMT"},
		{name: "rfc850 long junk", input: "Wednesdayy, 06-Nov-94 08:49:37 GMT"},
		{name: "asctime bad day pad", input: "Sun Nov 6  08:49:37 1994"},
		{name: "asctime long day name", input: "Sunday Nov  6 08:49:37 1994"},
		{name: "asctime with zone", input: "Sun Nov  6 08:49:37 1994 GMT"},
		{name: "asctime day 30 february", input: "Sun Feb 30 08:49:37 1994"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseHTTPDate([]byte(tt.input))
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("ParseHTTPDate(%q) = %d, %v; want %d, %v", tt.input, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// Not parallel: AllocsPerRun refuses to run alongside parallel tests.
func TestHTTPDateNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	in := []byte("Sunday, 06-Nov-94 08:49:37 GMT")
	allocs := testing.AllocsPerRun(200, func() {
		buf = AppendHTTPDate(buf[:0], 1700000000)
		if _, ok := ParseHTTPDate(in); !ok {
			t.Fatal("parse failed")
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendHTTPDate + ParseHTTPDate allocated %v times per run", allocs)
	}
}

func BenchmarkAppendHTTPDate(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(http.TimeFormat)))
	for b.Loop() {
		buf = AppendHTTPDate(buf[:0], 1700000000)
	}
}

func BenchmarkParseHTTPDate(b *testing.B) {
	in := []byte("Sun, 06 Nov 1994 08:49:37 GMT")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, ok := ParseHTTPDate(in); !ok {
			b.Fatal("parse failed")
		}
	}
}
