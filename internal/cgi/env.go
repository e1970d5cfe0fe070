// Package cgi runs RFC 3875 CGI scripts for an event-loop server.
//
// Building the script's meta-variables and parsing the header block it
// prints are pure. The runner owns the script's process group and pipes: the
// server never waits on a script, since Start returns at once and the
// runner's own goroutines feed the request body, read the output and report
// to a Sink.
package cgi

import (
	"strconv"
	"strings"
)

// SafePath is the only value of PATH a script sees. The server's own PATH is
// never passed on: it may name directories that only the server should use.
const SafePath = "/usr/local/bin:/usr/bin:/bin"

const (
	gatewayInterface = "CGI/1.1"
	serverSoftware   = "ferrous"
	defaultProtocol  = "HTTP/1.1"
	// redirectStatus makes php-cgi (built with force-cgi-redirect) accept
	// the request as coming from a web server rather than from a shell.
	redirectStatus = "200"
)

// Meta is what the server knows about one request that a script may see.
type Meta struct {
	Method, ScriptName, PathInfo, Query, ServerName, ServerPort, ServerProtocol string
	RemoteAddr, RemotePort, ContentType                                         string
	// ContentLength is the length of the request body; -1 means there is no
	// body, and then CONTENT_LENGTH and CONTENT_TYPE are omitted.
	ContentLength                int64
	DocumentRoot, ScriptFilename string
	// Headers are the request header fields in the order received: the name
	// as received and the value.
	Headers [][2]string
	// Extra variables are added after the standard ones with their values
	// verbatim (the server passes FERROUS_SESSION_ID, FERROUS_SESSION_VALUES).
	Extra [][2]string
}

// excludedHeaderVars are the HTTP_* variables never built from request
// fields, named in their mapped form so that every spelling of a field name
// meets the same check.
var excludedHeaderVars = map[string]bool{
	// httpoxy: scripts and their libraries take HTTP_PROXY as their proxy.
	"HTTP_PROXY": true,
	// Already present as CONTENT_TYPE and CONTENT_LENGTH.
	"HTTP_CONTENT_TYPE":   true,
	"HTTP_CONTENT_LENGTH": true,
	// Credentials stay with the server (RFC 3875 §4.1.18 allows leaving them out).
	"HTTP_AUTHORIZATION":       true,
	"HTTP_PROXY_AUTHORIZATION": true,
	// Hop-by-hop fields describe the client's connection, not the request.
	"HTTP_CONNECTION":        true,
	"HTTP_KEEP_ALIVE":        true,
	"HTTP_PROXY_CONNECTION":  true,
	"HTTP_TE":                true,
	"HTTP_TRAILER":           true,
	"HTTP_TRANSFER_ENCODING": true,
	"HTTP_UPGRADE":           true,
}

// BuildEnv returns the complete environment of the script. Nothing comes
// from the server's own environment: PATH is always SafePath.
//
// The order is fixed: the protocol variables, then one HTTP_* variable per
// distinct request field name in order of first appearance, then Extra.
// Request fields are mapped by upper-casing and turning '-' into '_';
// repeated fields are joined with ", ". A field is left out when it is
// excluded above, when it is named by the Connection field (so hop-by-hop by
// declaration), or when its name holds anything but letters, digits and '-':
// "X_Foo" would otherwise collide with "X-Foo" after mapping and let a client
// forge a variable that a proxy in front of us had vetted.
//
// A variable whose value contains NUL cannot pass through execve and is left
// out. An Extra entry is dropped when its name is empty or holds '=' or NUL,
// or when it names a variable already set: extras cannot shadow the protocol
// variables.
func BuildEnv(m Meta) []string {
	b := envBuilder{index: make(map[string]int, 24+len(m.Headers))}

	protocol := m.ServerProtocol
	if protocol == "" {
		protocol = defaultProtocol
	}
	b.set("PATH", SafePath)
	b.set("GATEWAY_INTERFACE", gatewayInterface)
	b.set("SERVER_SOFTWARE", serverSoftware)
	b.set("SERVER_PROTOCOL", protocol)
	b.set("SERVER_NAME", m.ServerName)
	b.set("SERVER_PORT", m.ServerPort)
	b.set("REQUEST_METHOD", m.Method)
	b.set("SCRIPT_NAME", m.ScriptName)
	b.set("PATH_INFO", m.PathInfo)
	b.set("QUERY_STRING", m.Query)
	if m.ContentLength >= 0 {
		if m.ContentType != "" {
			b.set("CONTENT_TYPE", m.ContentType)
		}
		b.set("CONTENT_LENGTH", strconv.FormatInt(m.ContentLength, 10))
	}
	b.set("REMOTE_ADDR", m.RemoteAddr)
	b.set("REMOTE_PORT", m.RemotePort)
	b.set("SCRIPT_FILENAME", m.ScriptFilename)
	b.set("DOCUMENT_ROOT", m.DocumentRoot)
	b.set("REDIRECT_STATUS", redirectStatus)

	hopByHop := connectionOptions(m.Headers)
	for _, field := range m.Headers {
		key, ok := headerVarName(field[0])
		if !ok || excludedHeaderVars[key] || hopByHop[key] {
			continue
		}
		b.join(key, trimOWS(field[1]))
	}

	for _, extra := range m.Extra {
		name := extra[0]
		if name == "" || strings.ContainsAny(name, "=\x00") {
			continue
		}
		if _, taken := b.index[name]; taken {
			continue
		}
		b.set(name, extra[1])
	}
	return b.env()
}

// envBuilder keeps variables in insertion order and remembers where each
// name is so that repeated request fields can be joined.
type envBuilder struct {
	names  []string
	values []string
	index  map[string]int
}

func (b *envBuilder) set(name, value string) {
	if strings.IndexByte(value, 0) >= 0 {
		return
	}
	b.index[name] = len(b.names)
	b.names = append(b.names, name)
	b.values = append(b.values, value)
}

func (b *envBuilder) join(name, value string) {
	i, ok := b.index[name]
	if !ok {
		b.set(name, value)
		return
	}
	if strings.IndexByte(value, 0) >= 0 {
		return
	}
	b.values[i] += ", " + value
}

func (b *envBuilder) env() []string {
	env := make([]string, len(b.names))
	for i, name := range b.names {
		env[i] = name + "=" + b.values[i]
	}
	return env
}

// headerVarName maps a request field name to its HTTP_* variable. Only
// letters, digits and '-' are accepted, so that the mapping is one-to-one.
func headerVarName(field string) (string, bool) {
	if field == "" {
		return "", false
	}
	var sb strings.Builder
	sb.Grow(len("HTTP_") + len(field))
	sb.WriteString("HTTP_")
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case 'a' <= c && c <= 'z':
			sb.WriteByte(c - 'a' + 'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			sb.WriteByte(c)
		case c == '-':
			sb.WriteByte('_')
		default:
			return "", false
		}
	}
	return sb.String(), true
}

// connectionOptions returns, in HTTP_* form, the field names that the
// Connection fields declare hop-by-hop (RFC 9110 §7.6.1):
//
//	Connection = #connection-option
func connectionOptions(headers [][2]string) map[string]bool {
	var options map[string]bool
	for _, field := range headers {
		if !strings.EqualFold(field[0], "Connection") {
			continue
		}
		for option := range strings.SplitSeq(field[1], ",") {
			key, ok := headerVarName(trimOWS(option))
			if !ok {
				continue
			}
			if options == nil {
				options = make(map[string]bool)
			}
			options[key] = true
		}
	}
	return options
}

// trimOWS removes optional whitespace: OWS = *( SP / HTAB ).
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}
