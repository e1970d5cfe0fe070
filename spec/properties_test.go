package spec

import (
	"testing"

	"pgregory.net/rapid"
)

func TestProperties(t *testing.T) {
	t.Parallel()
	for _, p := range Properties {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			rapid.Check(t, p.Check)
		})
	}
}

func TestRejections(t *testing.T) {
	t.Parallel()
	for _, m := range Mutations {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			rapid.Check(t, m.Check)
		})
	}
}
