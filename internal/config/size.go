package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrInvalidSize is wrapped by every error ParseSize returns.
var ErrInvalidSize = errors.New("invalid size")

// maxSizeDigits keeps strconv from chewing on absurd inputs; 19 digits is
// already past math.MaxInt64.
const maxSizeDigits = 20

// sizeMultipliers maps a unit's first letter to its power of 1024. K, KB
// and KiB all mean 1024: nobody sizes request bodies in powers of ten on
// purpose. The letter may be lower case, as nginx users write "10m"; the
// "B" may not, since "Mb" reads as megabits.
var sizeMultipliers = map[byte]int64{
	'k': 1 << 10, 'K': 1 << 10,
	'm': 1 << 20, 'M': 1 << 20,
	'g': 1 << 30, 'G': 1 << 30,
}

// ParseSize parses a byte count such as "1048576", "512K", "10M" or "1GiB".
//
//	size = 1*DIGIT [ unit ]
//	unit = ("K" / "M" / "G") [ "B" / "iB" ]   ; powers of 1024; k, m, g also accepted
func ParseSize(s string) (int64, error) {
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits == 0 {
		return 0, fmt.Errorf("%w %q: want a number of bytes such as 1048576 or 10M", ErrInvalidSize, truncate(s))
	}
	if digits > maxSizeDigits {
		return 0, fmt.Errorf("%w %q: too large", ErrInvalidSize, truncate(s))
	}
	unit := s[digits:]
	mult, ok := int64(1), true
	if unit != "" {
		mult, ok = sizeMultipliers[unit[0]]
		ok = ok && (unit[1:] == "" || unit[1:] == "B" || unit[1:] == "iB")
	}
	if !ok {
		return 0, fmt.Errorf("%w %q: unknown unit %q (want K, M or G)", ErrInvalidSize, truncate(s), truncate(unit))
	}
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%w %q: too large", ErrInvalidSize, truncate(s))
	}
	return n * mult, nil
}

// maxQuoted bounds how much of a bad value is echoed back in a message.
const maxQuoted = 40

func truncate(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "…"
}
