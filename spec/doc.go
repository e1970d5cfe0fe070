// Package spec holds RFC 9112 (and the parts of RFC 9110 a server's message handling needs) as data: a table of
// normative requirements, each with what ferrous does and the tests that prove it; the ABNF as byte classes and
// rapid generators; invalid-grammar mutations with the status each must earn; and wire examples replayed
// against a live server. The property tests are generated from these tables, and the conformance report
// (go run ./spec/cmd/conformance) shows which requirements are proven and which are not.
//
// The properties are exported (PropSplitInvariance, PropRoundTrip, …) so that fuzz targets can share them
// through rapid.MakeFuzz.
package spec
