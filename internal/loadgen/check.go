package loadgen

import (
	"fmt"
	"net/url"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Cause is why a request failed.
type Cause int

// Failure causes, as the report counts them.
const (
	CauseNone       Cause = iota
	CauseStatus           // the server answered with another status than expected
	CauseBody             // a GET answer's body had the wrong length
	CauseTimeout          // no complete answer within the timeout
	CauseConnection       // dialing, writing or reading the connection failed
)

func (c Cause) String() string {
	switch c {
	case CauseNone:
		return "none"
	case CauseStatus:
		return "status"
	case CauseBody:
		return "body"
	case CauseTimeout:
		return "timeout"
	case CauseConnection:
		return "connection"
	}
	return fmt.Sprintf("Cause(%d)", int(c))
}

// Failures counts failed requests by cause.
type Failures struct {
	Status     uint64 `json:"status"`
	Body       uint64 `json:"body"`
	Timeout    uint64 `json:"timeout"`
	Connection uint64 `json:"connection"`
}

// Total is the number of failed requests.
func (f Failures) Total() uint64 { return f.Status + f.Body + f.Timeout + f.Connection }

func (f *Failures) add(c Cause) {
	switch c {
	case CauseStatus:
		f.Status++
	case CauseBody:
		f.Body++
	case CauseTimeout:
		f.Timeout++
	case CauseConnection:
		f.Connection++
	}
}

// The checker writes its verdicts into Result.Error with these prefixes, so
// that results read back from a file are classified the same way.
const (
	statusErrorPrefix = "unexpected status "
	bodyErrorPrefix   = "unexpected body length "
)

// timeoutMarkers are the texts net/http and net put in timeout errors; a
// result read from a file has only the text.
var timeoutMarkers = []string{
	"Client.Timeout exceeded",
	"context deadline exceeded",
	"i/o timeout",
	"timeout awaiting response headers",
}

type expectation struct {
	status int
	bytes  int64 // UnknownLength skips the check
}

// Checker judges each result against what its request expects.
type Checker struct {
	expect map[string]expectation
}

// NewChecker prepares the expectations of reqs as sent to base. GET requests
// must have a known ExpectBytes by now (see Probe) for their length to be checked.
func NewChecker(base *url.URL, reqs []Request) *Checker {
	c := &Checker{expect: make(map[string]expectation, len(reqs))}
	for _, r := range reqs {
		exp := expectation{status: r.ExpectStatus, bytes: UnknownLength}
		if r.Kind == KindGet {
			exp.bytes = r.ExpectBytes
		}
		c.expect[r.Method()+" "+targetURL(base, r.Path)] = exp
	}
	return c
}

// Check classifies r and records the verdict in r.Error: empty when the
// answer is what was expected, a description otherwise. It drops the
// response body and headers, which have been counted and would only bloat
// the raw results.
func (c *Checker) Check(r *vegeta.Result) Cause {
	r.Body, r.Headers = nil, nil
	if r.Code == 0 {
		if r.Error == "" {
			r.Error = "no response"
		}
		return transportCause(r.Error)
	}
	exp, ok := c.expect[r.Method+" "+r.URL]
	if !ok {
		// Not one of ours (vegeta followed something unexpected): keep vegeta's verdict.
		return Classify(r)
	}
	if int(r.Code) != exp.status {
		r.Error = fmt.Sprintf("%s%d, want %d", statusErrorPrefix, r.Code, exp.status)
		return CauseStatus
	}
	if exp.bytes != UnknownLength && int64(r.BytesIn) != exp.bytes {
		r.Error = fmt.Sprintf("%s%d, want %d", bodyErrorPrefix, r.BytesIn, exp.bytes)
		return CauseBody
	}
	r.Error = ""
	return CauseNone
}

// Classify reads the cause back from a result that Check has judged, as
// results decoded from a file are.
func Classify(r *vegeta.Result) Cause {
	switch {
	case r.Code == 0:
		return transportCause(r.Error)
	case r.Error == "":
		return CauseNone
	case strings.HasPrefix(r.Error, bodyErrorPrefix):
		return CauseBody
	}
	return CauseStatus
}

func transportCause(msg string) Cause {
	for _, m := range timeoutMarkers {
		if strings.Contains(msg, m) {
			return CauseTimeout
		}
	}
	return CauseConnection
}
