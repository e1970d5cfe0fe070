package main

import (
	"bufio"
	"errors"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func TestJudgeRejection(t *testing.T) {
	t.Parallel()
	closing := malformedCase{name: "framing", status: 400, closes: true}
	keeping := malformedCase{name: "path", status: 403, closes: false}
	const refusal400 = "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad"
	const refusal403 = "HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno!"
	// wrong: the stream is a complete answer, but not the right one (errWrongAnswer); broken: it is not even a
	// complete answer.
	tests := []struct {
		name          string
		c             malformedCase
		stream        string
		wrong, broken bool
	}{
		{name: "refused and closed", c: closing, stream: refusal400},
		{name: "refused and kept", c: keeping, stream: refusal403},
		{name: "kept open after a framing error", c: closing, stream: strings.Replace(refusal400, "Connection: close\r\n", "", 1), wrong: true},
		{name: "closes when it need not", c: keeping, stream: strings.Replace(refusal403, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1), wrong: true},
		{name: "wrong status", c: closing, stream: strings.Replace(refusal400, "400 Bad Request", "200 OK", 1), wrong: true},
		{name: "bytes after the refusal", c: closing, stream: refusal400 + "HTTP/1.1 200 OK\r\n", wrong: true},
		{name: "closed without an answer", c: closing, stream: "", broken: true},
		{name: "answer cut short", c: closing, stream: refusal400[:len(refusal400)-1], broken: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, oneByte := range []bool{false, true} {
				r := strings.NewReader(tc.stream)
				br := bufio.NewReader(r)
				if oneByte {
					br = bufio.NewReader(iotest.OneByteReader(r))
				}
				err := judgeRejection(br, tc.c)
				switch {
				case tc.wrong && !errors.Is(err, errWrongAnswer):
					t.Fatalf("one byte at a time %v: err = %v, want errWrongAnswer", oneByte, err)
				case tc.broken && (err == nil || errors.Is(err, errWrongAnswer)):
					t.Fatalf("one byte at a time %v: err = %v, want a read error", oneByte, err)
				case !tc.wrong && !tc.broken && err != nil:
					t.Fatalf("one byte at a time %v: err = %v", oneByte, err)
				}
			}
		})
	}
}

// TestMalformedCases keeps the table honest: names are unique, every case expects a refusal, and a case that
// must leave the connection usable is a complete request that another parser reads the same way, so that the
// follow-up request cannot be taken for its body.
func TestMalformedCases(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range malformedCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.status < 400 || c.status > 599 {
				t.Fatalf("status %d is not a refusal", c.status)
			}
			if !strings.Contains(c.raw, "\n") {
				t.Fatal("no line end: the server would wait for the rest")
			}
			if c.closes {
				return
			}
			// Read the framing the way any HTTP/1.1 parser does; the target need not be valid for that.
			br := bufio.NewReader(strings.NewReader(c.raw))
			tp := textproto.NewReader(br)
			line, err := tp.ReadLine()
			if err != nil || len(strings.Fields(line)) != 3 {
				t.Fatalf("request line %q: %v", line, err)
			}
			header, err := tp.ReadMIMEHeader()
			if err != nil {
				t.Fatalf("header: %v", err)
			}
			if header.Get("Transfer-Encoding") != "" {
				t.Fatal("a chunked body makes the follow-up depend on the server's decoder")
			}
			length := 0
			if cl := header.Get("Content-Length"); cl != "" {
				if length, err = strconv.Atoi(cl); err != nil {
					t.Fatalf("Content-Length: %v", err)
				}
			}
			if rest := br.Buffered(); rest != length {
				t.Fatalf("%d bytes follow the head, Content-Length says %d", rest, length)
			}
		})
		if seen[c.name] {
			t.Errorf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
	}
}
