package static

// HTTP-date (RFC 9110 §5.6.7) formatting and parsing with integer calendar
// arithmetic: no time.Location, no allocation, no dependency on the clock.

// The IMF-fixdate year has exactly four digits; times outside years 1..9999
// are clamped so the output always has the fixed shape.
const (
	minHTTPDate = -62135596800 // 0001-01-01T00:00:00Z
	maxHTTPDate = 253402300799 // 9999-12-31T23:59:59Z
)

// rfc850Pivot: a two-digit rfc850 year below it is 20yy, otherwise 19yy. RFC
// 9110 asks for "more than 50 years in the future is in the past", which needs
// the current time; a fixed pivot keeps parsing pure and only matters for a
// format no client has sent in decades.
const rfc850Pivot = 70

const secondsPerDay = 86400

var (
	dayNames   = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	dayNamesL  = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// AppendHTTPDate appends unixSeconds as an IMF-fixdate,
// "Sun, 06 Nov 1994 08:49:37 GMT".
func AppendHTTPDate(dst []byte, unixSeconds int64) []byte {
	s := min(max(unixSeconds, minHTTPDate), maxHTTPDate)
	days, secs := floorDiv(s, secondsPerDay)
	y, m, d := civilFromDays(days)
	_, wd := floorDiv(days+4, 7) // 1970-01-01 was a Thursday
	dst = append(dst, dayNames[wd]...)
	dst = append(dst, ',', ' ')
	dst = append2(dst, int(d))
	dst = append(dst, ' ')
	dst = append(dst, monthNames[m-1]...)
	dst = append(dst, ' ')
	dst = append2(dst, int(y/100))
	dst = append2(dst, int(y%100))
	dst = append(dst, ' ')
	dst = appendClock(dst, secs)
	return append(dst, " GMT"...)
}

// appendListingTime appends "2006-01-02 15:04" in UTC.
func appendListingTime(dst []byte, unixSeconds int64) []byte {
	s := min(max(unixSeconds, minHTTPDate), maxHTTPDate)
	days, secs := floorDiv(s, secondsPerDay)
	y, m, d := civilFromDays(days)
	dst = append2(dst, int(y/100))
	dst = append2(dst, int(y%100))
	dst = append(dst, '-')
	dst = append2(dst, int(m))
	dst = append(dst, '-')
	dst = append2(dst, int(d))
	dst = append(dst, ' ')
	dst = append2(dst, int(secs/3600))
	dst = append(dst, ':')
	return append2(dst, int(secs/60%60))
}

func appendClock(dst []byte, secs int64) []byte {
	dst = append2(dst, int(secs/3600))
	dst = append(dst, ':')
	dst = append2(dst, int(secs/60%60))
	dst = append(dst, ':')
	return append2(dst, int(secs%60))
}

func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

// ParseHTTPDate parses the three HTTP-date forms a recipient must accept:
//
//	IMF-fixdate  = day-name "," SP day SP month SP year SP time-of-day SP "GMT"
//	rfc850-date  = day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP "GMT"
//	asctime-date = day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
//
// Names are case-sensitive as in the grammar. The day name is checked for
// spelling but not against the date, as other servers do.
func ParseHTTPDate(b []byte) (unixSeconds int64, ok bool) {
	b = trimOWS(b)
	switch {
	case len(b) == len("Sun, 06 Nov 1994 08:49:37 GMT") && b[3] == ',':
		return parseIMFFixdate(b)
	case len(b) == len("Sun Nov  6 08:49:37 1994") && b[3] == ' ':
		return parseASCTime(b)
	}
	return parseRFC850(b)
}

func parseIMFFixdate(b []byte) (int64, bool) {
	if indexName(dayNames[:], b[:3]) < 0 || b[4] != ' ' || b[7] != ' ' || b[11] != ' ' ||
		b[16] != ' ' || string(b[25:]) != " GMT" {
		return 0, false
	}
	day, ok1 := digits(b[5:7])
	month := indexName(monthNames[:], b[8:11]) + 1
	year, ok2 := digits(b[12:16])
	secs, ok3 := parseClock(b[17:25])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	return assemble(year, month, day, secs)
}

func parseASCTime(b []byte) (int64, bool) {
	if indexName(dayNames[:], b[:3]) < 0 || b[7] != ' ' || b[10] != ' ' || b[19] != ' ' {
		return 0, false
	}
	month := indexName(monthNames[:], b[4:7]) + 1
	dayField := b[8:10]
	if dayField[0] == ' ' {
		dayField = dayField[1:]
	}
	day, ok1 := digits(dayField)
	secs, ok2 := parseClock(b[11:19])
	year, ok3 := digits(b[20:24])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	return assemble(year, month, day, secs)
}

func parseRFC850(b []byte) (int64, bool) {
	comma := -1
	for i := range min(len(b), len("Wednesday")+1) {
		if b[i] == ',' {
			comma = i
			break
		}
	}
	if comma < 0 || indexName(dayNamesL[:], b[:comma]) < 0 {
		return 0, false
	}
	r := b[comma+1:]
	// " 06-Nov-94 08:49:37 GMT"
	if len(r) != len(" 06-Nov-94 08:49:37 GMT") || r[0] != ' ' || r[3] != '-' || r[7] != '-' ||
		r[10] != ' ' || string(r[19:]) != " GMT" {
		return 0, false
	}
	day, ok1 := digits(r[1:3])
	month := indexName(monthNames[:], r[4:7]) + 1
	yy, ok2 := digits(r[8:10])
	secs, ok3 := parseClock(r[11:19])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	year := 1900 + yy
	if yy < rfc850Pivot {
		year = 2000 + yy
	}
	return assemble(year, month, day, secs)
}

// parseClock parses "HH:MM:SS". A leap second (60) is accepted, as the
// grammar allows, and lands on the next minute.
func parseClock(b []byte) (int64, bool) {
	if b[2] != ':' || b[5] != ':' {
		return 0, false
	}
	h, ok1 := digits(b[0:2])
	m, ok2 := digits(b[3:5])
	s, ok3 := digits(b[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 60 {
		return 0, false
	}
	return int64(h*3600 + m*60 + s), true
}

func assemble(year, month, day int, secs int64) (int64, bool) {
	if month < 1 || year < 1 || day < 1 || day > daysIn(year, month) {
		return 0, false
	}
	return daysFromCivil(int64(year), int64(month), int64(day))*secondsPerDay + secs, true
}

func digits(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func indexName(names []string, b []byte) int {
	for i, n := range names {
		if string(b) == n {
			return i
		}
	}
	return -1
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// floorDiv returns the floored quotient and the non-negative remainder.
func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// daysFromCivil counts days since 1970-01-01 in the proleptic Gregorian
// calendar, using 400-year eras of 146097 days starting on March 1 so that the
// leap day falls at the end of each computational year.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era, yoe := floorDiv(y, 400)
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468 // 719468 days from 0000-03-01 to 1970-01-01
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	era, doe := floorDiv(z+719468, 146097)
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = (mp+2)%12 + 1
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}
